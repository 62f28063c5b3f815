"""The registry from a notebook: ``open_registry`` picks the store from a URL, and every change is
also sent as a ``registry_change`` telemetry event, auditable in Splunk beside the runs it concerns.

    from modelops import registry
    reg = registry.open_registry("sqlite:///models.db")   # or "splunk": the KV store DSDL talks to
"""

import os

from ..errors import ModelOpsError
from ..registry.core import Registry

DEFAULT_URL = "sqlite:///" + os.path.join(os.path.expanduser("~"), ".modelops", "registry.db")


def report_change(entry):
    """Send a history entry as a ``registry_change`` telemetry event (index ml_metrics), so changes
    made from notebooks are auditable in Splunk beside the runs they concern."""
    from .telemetry.client import get_telemetry

    version = entry["to_version"] or entry["from_version"]
    get_telemetry().emit("registry_change", "%s_%s" % (entry["family"], version) if version else entry["family"],
                         model_family=entry["family"], model_version=version or "v0", action=entry["action"],
                         alias=entry["alias"] or None, from_version=entry["from_version"] or None,
                         to_version=entry["to_version"] or None, actor=entry["actor"], reason=entry["reason"] or None)


def open_registry(url=None, actor=None, env=None, telemetry=True) -> Registry:
    """A registry from a URL: ``sqlite:///relative.db``, ``sqlite:////abs.db``, or ``splunk`` (the KV
    store, through DSDL's ``splunk_access_*`` settings). Default: ``MODELOPS_REGISTRY``, else
    ``~/.modelops/registry.db``. With ``telemetry`` every change is also sent as a
    ``registry_change`` event."""
    env = os.environ if env is None else env
    url = url or env.get("MODELOPS_REGISTRY") or DEFAULT_URL
    on_change = report_change if telemetry else None
    if url.startswith("sqlite:"):
        from ..registry.sqlite_store import SQLiteStore, path_from_url

        return Registry(SQLiteStore(path_from_url(url)), actor=actor, on_change=on_change)
    if url in ("splunk", "kvstore"):
        from ..registry.kvstore import KVStore
        from .rest import HttpRest

        return Registry(KVStore(HttpRest.from_env(env)), actor=actor, on_change=on_change)
    raise ModelOpsError("registry URL must be sqlite:///<file> or splunk, not %r" % url)
