"""The model registry for notebooks and the ``| modelregistry`` command.

    from modelops import registry
    reg = registry.open_registry("sqlite:///models.db")   # or the KV store of the Splunk DSDL talks to
    reg.register("Horno4_AE", "v3")
    reg.promote("Horno4_AE", "v3", "production", reason="better f1")
    reg.resolve("Horno4_AE", "production")["dsdl_model"]   # -> "Horno4_AE_v3"
    reg.rollback("Horno4_AE", "production")
    reg.history("Horno4_AE")
"""

import os

from ..errors import ModelOpsError
from .core import Registry

__all__ = ["Registry", "open_registry"]

DEFAULT_URL = "sqlite:///" + os.path.join(os.path.expanduser("~"), ".modelops", "registry.db")


def open_registry(url=None, actor=None, env=None) -> Registry:
    """A registry from a URL: ``sqlite:///relative.db``, ``sqlite:////abs.db``, or ``splunk`` (the KV
    store, through DSDL's ``splunk_access_*`` settings). Default: ``MODELOPS_REGISTRY``, else
    ``~/.modelops/registry.db``."""
    env = os.environ if env is None else env
    url = url or env.get("MODELOPS_REGISTRY") or DEFAULT_URL
    if url.startswith("sqlite:"):
        from .sqlite_store import SQLiteStore, path_from_url

        return Registry(SQLiteStore(path_from_url(url)), actor=actor)
    if url in ("splunk", "kvstore"):
        from ..splunkrest import HttpRest
        from .kvstore import KVStore

        return Registry(KVStore(HttpRest.from_env(env)), actor=actor)
    raise ModelOpsError("registry URL must be sqlite:///<file> or splunk, not %r" % url)
