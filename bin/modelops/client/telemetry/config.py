"""Telemetry settings: DSDL's container environment first, ``MODELOPS_*`` overrides on top.

DSDL sets ``splunk_hec_enabled``, ``splunk_hec_url`` and ``splunk_hec_token`` in its containers.
"""

import os
from dataclasses import dataclass, field, replace
from typing import Optional

from ...schema import INDEX, SOURCETYPE
from ...values import parse_bool


def default_spool_dir(env=os.environ) -> str:
    """DSDL keeps /srv/notebooks on a persistent volume, so the spool survives container restarts there."""
    if os.path.isdir("/srv/notebooks") and os.access("/srv/notebooks", os.W_OK):
        return "/srv/notebooks/.modelops/spool"
    return os.path.join(os.path.expanduser("~"), ".modelops", "spool")


def collector_base(url: str) -> str:
    """``https://h:8088``, ``.../services/collector`` or ``.../services/collector/event`` -> ``https://h:8088``."""
    url = url.strip().strip("'\"").rstrip("/")
    for suffix in ("/services/collector/event/1.0", "/services/collector/event", "/services/collector"):
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


@dataclass(frozen=True)
class TelemetryConfig:
    hec_url: Optional[str] = None  # base URL, e.g. https://splunk:8088
    hec_token: Optional[str] = field(default=None, repr=False)
    enabled: bool = True
    use_ack: bool = False
    ca_bundle: Optional[str] = None
    verify_tls: bool = True
    spool_dir: str = ""
    index: str = INDEX
    sourcetype: str = SOURCETYPE
    batch_events: int = 1000
    batch_bytes: int = 1_000_000
    flush_interval: float = 0.5
    timeout: float = 10.0
    max_backoff: float = 60.0
    ack_timeout: float = 60.0
    problems: tuple = ()  # settings that were misconfigured (the sender warns once)

    @property
    def hec_configured(self) -> bool:
        return bool(self.enabled and self.hec_url and self.hec_token)

    def with_(self, **changes) -> "TelemetryConfig":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env=None) -> "TelemetryConfig":
        env = os.environ if env is None else env

        def pick(*names):
            for name in names:
                value = env.get(name)
                if value is not None and str(value).strip() != "":
                    return str(value).strip().strip("'\"")
            return None

        problems = []

        def yes_no(names, default, when_unclear, meaning):
            # A value that is not yes/no never raises: it is reported once and the safe choice is taken.
            for name in names:
                value = pick(name)
                if value is None:
                    continue
                try:
                    return parse_bool(value, default=default)
                except ValueError:
                    problems.append("%s=%r is not a yes/no value (use 1/0, true/false, yes/no); %s"
                                    % (name, value, meaning))
                    return when_unclear
            return default

        url = pick("MODELOPS_HEC_URL", "splunk_hec_url")
        enabled = yes_no(("MODELOPS_HEC_ENABLED", "splunk_hec_enabled"), bool(url), False,
                         "events are spooled, not sent")
        return cls(
            hec_url=collector_base(url) if url else None,
            hec_token=pick("MODELOPS_HEC_TOKEN", "splunk_hec_token"),
            enabled=enabled,
            use_ack=yes_no(("MODELOPS_HEC_ACK",), False, False, "indexer acknowledgement stays off"),
            ca_bundle=pick("MODELOPS_CA_BUNDLE"),
            verify_tls=yes_no(("MODELOPS_TLS_VERIFY",), True, True, "certificates are verified"),
            problems=tuple(problems),
            spool_dir=pick("MODELOPS_SPOOL_DIR") or default_spool_dir(env),
            index=pick("MODELOPS_INDEX") or INDEX,
        )
