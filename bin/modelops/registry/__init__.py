"""The model registry for notebooks and the ``| modelregistry`` command.

    from modelops import registry
    reg = registry.open_registry("sqlite:///models.db")   # or the KV store of the Splunk DSDL talks to
    reg.register("Horno4_AE", "v3")
    reg.promote("Horno4_AE", "v3", "production", reason="better f1")
    reg.resolve("Horno4_AE", "production")["dsdl_model"]   # -> "Horno4_AE_v3"
    reg.rollback("Horno4_AE", "production")
    reg.history("Horno4_AE")
"""

from .core import Registry

__all__ = ["Registry", "open_registry"]


def __getattr__(name):
    # The notebook API keeps ``registry.open_registry``; it lives on the container side (it needs the
    # REST client and telemetry), which the Splunk package does not ship.
    if name in ("open_registry", "report_change", "DEFAULT_URL"):
        from ..client import registry as notebook_registry

        return getattr(notebook_registry, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
