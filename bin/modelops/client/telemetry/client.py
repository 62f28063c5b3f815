"""Building schema-v1 events and handing them to the sender. The public logging verbs live here.

Nothing here raises into user code: a telemetry problem is logged once and the call returns None.
"""

import getpass
import logging
import math
import os
import socket
import threading
import time
from functools import lru_cache

from ..._version import __version__
from ...metrics import canonical_name
from ...schema import SCHEMA_VERSION, parse_model_name
from .config import TelemetryConfig

log = logging.getLogger("modelops.telemetry")

# Event and run ids as ``schema.new_event_id`` makes them (32 lowercase hex digits, 128 bits of os.urandom), but
# read from the kernel 256 at a time: one getrandom call per event (two without a run_id) was a fifth of the
# sustained log rate. list.pop is atomic, so threads never share an id; a forked child drops the parent's rest.
_ID_BATCH = 256
_id_pool = []


def new_event_id() -> str:
    try:
        return _id_pool.pop()
    except IndexError:
        raw = os.urandom(16 * _ID_BATCH).hex()
        _id_pool.extend([raw[i:i + 32] for i in range(32, len(raw), 32)])
        return raw[:32]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_id_pool.clear)


@lru_cache(maxsize=1024)
def _family_version(model_name):
    return parse_model_name(model_name)


@lru_cache(maxsize=1)
def _identity():
    try:
        user = getpass.getuser()
    except Exception:
        user = None
    return user, socket.gethostname(), os.environ.get("MODELOPS_CONTAINER_IMAGE") or None


def clean_metrics(metrics) -> dict:
    """Canonical names; numbers as floats; NaN/inf/None as null (JSON has no NaN); the rest dropped."""
    out = {}
    for name, value in (metrics or {}).items():
        if value is None:
            out[canonical_name(str(name))] = None
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        out[canonical_name(str(name))] = number if math.isfinite(number) else None
    return out


_SCHEMA_KEYS = frozenset(("schema_version", "event_type", "event_id", "model_name", "model_family", "model_version",
                         "run_id", "algo", "user", "host", "container_image", "client_version"))


class Telemetry:
    """Builds events and enqueues them. One per process is enough (see ``get_telemetry``)."""

    def __init__(self, config=None, sender=None):
        if config is None:
            try:
                config = TelemetryConfig.from_env()
            except Exception as error:  # never raise into user code: spool only, and say why
                config = TelemetryConfig(enabled=False, problems=("telemetry settings unreadable: %s" % error,))
                try:
                    from .config import default_spool_dir

                    config = config.with_(spool_dir=default_spool_dir())
                except Exception:
                    pass
        self.config = config
        self._sender = sender
        self._lock = threading.Lock()
        self._warned = set()
        self._templates = {}

    @property
    def sender(self):
        if self._sender is None:
            with self._lock:
                if self._sender is None:
                    from .sender import Sender

                    self._sender = Sender(self.config)
        return self._sender

    def event(self, event_type, model_name, run_id=None, algo=None, model_family=None, model_version=None,
              **fields) -> dict:
        family, version = _family_version(model_name)
        user, host, image = _identity()
        event = {"schema_version": SCHEMA_VERSION, "event_type": event_type, "event_id": new_event_id(),
                 "model_name": model_name, "model_family": model_family or family,
                 "model_version": model_version or version, "run_id": run_id or new_event_id(), "algo": algo,
                 "user": user, "host": host, "container_image": image, "client_version": __version__}
        event.update(fields)
        return event

    def _template(self, event):
        """The JSON of ``event``'s parts that stay the same between calls for one model (see
        ``sender.event_template``), cached; None when they are not all strings or None."""
        if type(event["schema_version"]) is not int:  # 1 == True == 1.0 as dictionary keys
            return None
        key = (event["schema_version"], event["event_type"], event["model_name"], event["model_family"],
               event["model_version"], event["algo"], event["user"], event["host"], event["container_image"],
               event["client_version"])
        try:
            template = self._templates.get(key, False)
        except TypeError:  # an unhashable algo
            return None
        if template is False:
            from .sender import event_template

            template = event_template(event)
            if len(self._templates) < 1024:
                self._templates[key] = template
        return template

    def send(self, event, when=None, extra=None, template=None) -> None:
        """Hand ``event`` to the sender. ``template`` (from ``_template``) with ``extra`` (the event's fields
        after the schema's twelve) lets the sender encode only the ids and ``extra``: the same bytes."""
        sender = self._sender or self.sender
        when = round(time.time() if when is None else when, 6)
        write = getattr(sender, "write_event", None)
        if write is not None:  # the spool writer: straight to bytes, no envelope dict
            if template is not None:
                write(event, when, event["host"] or "", self.config.sourcetype, self.config.index, template, extra)
            else:
                write(event, when, event["host"] or "", self.config.sourcetype, self.config.index)
            return
        sender.enqueue({"time": when, "host": _identity()[1], "source": "modelops:" + event["event_type"],
                        "sourcetype": self.config.sourcetype, "index": self.config.index, "event": event})

    def emit(self, event_type, model_name, run_id=None, algo=None, model_family=None, model_version=None, **fields):
        """Build and enqueue one event; returns it, or None when telemetry failed (logged once)."""
        try:
            event = self.event(event_type, model_name, run_id, algo, model_family, model_version, **fields)
            if _SCHEMA_KEYS.isdisjoint(fields):  # no field replaces one of the schema's: the template applies
                self.send(event, extra=fields, template=self._template(event))
            else:
                self.send(event)
            return event
        except Exception as error:  # telemetry never breaks the notebook
            self.warn_once(type(error).__name__, "modelops telemetry dropped an event: %s" % error)
            return None

    def warn_once(self, key, message):
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message)

    def flush(self, timeout=10.0) -> bool:
        try:
            return self.sender.flush(timeout)
        except Exception as error:
            self.warn_once("flush", "modelops telemetry flush failed: %s" % error)
            return False

    def install_signal_handlers(self, timeout=5.0) -> bool:
        """On SIGTERM/SIGINT deliver within ``timeout`` seconds, leave the rest in the spool, then let the
        previous handler (or the default action) run. Main thread only; never done at import."""
        try:
            from .sender import install_signal_handlers

            return install_signal_handlers(lambda limit: self.flush(limit), timeout)
        except Exception as error:
            self.warn_once("signals", "modelops could not install its SIGTERM/SIGINT handlers: %s" % error)
            return False


_default = None
_default_lock = threading.Lock()


def get_telemetry() -> Telemetry:
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Telemetry()
    return _default


def set_telemetry(telemetry) -> None:
    """Replace the process-wide client (tests, or a notebook that configures its own)."""
    global _default
    _default = telemetry


def log_metrics(model_name, run_id=None, **metrics):
    """One ``metrics`` event: ``log_metrics("Horno4_AE_v3", r2=0.91, mae=3.2)``. Returns the event (None when
    telemetry failed; it never raises)."""
    try:
        return get_telemetry().emit("metrics", model_name, run_id=run_id, metrics=clean_metrics(metrics))
    except Exception as error:
        log.warning("modelops telemetry dropped an event: %s", error)
        return None


def log_training_step(model_name, epoch, loss=None, run_id=None, step=None, **extra):
    """One ``training_step`` event per epoch (or step): loss plus any other numbers (val_loss, ...)."""
    try:
        values = dict(extra)
        if loss is not None:
            values["loss"] = loss
        return get_telemetry().emit("training_step", model_name, run_id=run_id, epoch=int(epoch),
                                    step=None if step is None else int(step), metrics=clean_metrics(values))
    except Exception as error:
        log.warning("modelops telemetry dropped an event: %s", error)
        return None


def flush(timeout=10.0) -> bool:
    """Wait until every event is delivered (True) or ``timeout`` passes (False)."""
    try:
        return get_telemetry().flush(timeout)
    except Exception as error:  # pragma: no cover - get_telemetry does not raise
        log.warning("modelops telemetry flush failed: %s", error)
        return False


def install_signal_handlers(timeout=5.0) -> bool:
    """Flush on SIGTERM/SIGINT (bounded by ``timeout``), chaining the previous handlers. The DSDL wrappers
    call it; a notebook that logs without them may call it once from the main thread."""
    try:
        return get_telemetry().install_signal_handlers(timeout)
    except Exception as error:  # pragma: no cover
        log.warning("modelops could not install its signal handlers: %s", error)
        return False
