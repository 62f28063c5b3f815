"""The sender: the log call writes the event ahead to the spool; a daemon thread ships the spool.

Write-ahead: ``enqueue`` encodes the event and appends it to this process's active spool segment
(one ``os.write``, no fsync) before it returns, so an event survives ``kill -9`` of the process.
The background thread seals segments (a batch each) and sends them gzipped to HEC, deleting a
segment only once HEC accepted it (and acknowledged it, with ACK on). Segments left by a process
that died are sent by the next sender on the same spool, or by ``modelops replay``.

``install_signal_handlers`` (called by the DSDL wrappers, never at import) makes SIGTERM and SIGINT
deliver what it can within a bounded time, then hands the signal to the previous handler.
"""

import atexit
import json
import logging
import os
import signal
import threading
import time

from .spool import Spool
from .transport import HecClient, backoff_delay

log = logging.getLogger("modelops.telemetry")


# One encoder for the process: json.dumps with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False, default=str)  # ASCII: faster


try:  # the C encoder made once: JSONEncoder.encode builds a new one on every call
    from json.encoder import c_make_encoder, encode_basestring_ascii

    _c_encoder = c_make_encoder(None, str, encode_basestring_ascii, None, ":", ",", False, False, False)

    def _encode_event(event) -> str:
        return "".join(_c_encoder(event, 0))
except (ImportError, TypeError):  # no C accelerator: the same text, slower
    from json.encoder import encode_basestring_ascii

    _encode_event = _ENCODER.encode

# ``Telemetry.event`` puts these keys first, in this order; all but event_id and run_id stay the same between
# calls for one model, so their JSON is made once per model (``event_template``) and only the ids and the
# fields after them are encoded per call: the same bytes as encoding the whole event, in about half the time.
_SCHEMA_KEYS = ("schema_version", "event_type", "event_id", "model_name", "model_family", "model_version", "run_id",
                "algo", "user", "host", "container_image", "client_version")


def event_template(event):
    """(JSON before the event_id value, between event_id and run_id, after run_id up to the twelfth value) of a
    schema-v1 event; None unless its first twelve keys are the schema's and the constant values are strings or
    None (schema_version an int): numbers and booleans compare equal across types as cache keys."""
    keys = list(event)[:12]
    values = [event[key] for key in keys]
    if tuple(keys) != _SCHEMA_KEYS or type(values[0]) is not int:
        return None
    if not all(value is None or isinstance(value, str) for i, value in enumerate(values) if i not in (0, 2, 6)):
        return None
    constant = dict(zip(keys, values))
    constant["event_id"] = constant["run_id"] = ""
    whole = _encode_event(constant)
    # Quotes inside JSON strings are escaped, so these spellings occur only as the keys themselves.
    head, rest = whole.split('"event_id":""', 1)
    middle, tail = rest.split('"run_id":""', 1)
    return head + '"event_id":', middle + '"run_id":', tail[:-1]


_ENVELOPE_KEYS = ("time", "host", "source", "sourcetype", "index", "event")
_prefixes = {}
_event_prefixes = {}


def encode(envelope) -> bytes:
    """One HEC object. The envelope's constant part is encoded once per (host, source, sourcetype, index)."""
    if tuple(envelope) != _ENVELOPE_KEYS or type(envelope["time"]) is not float:
        return _ENCODER.encode(envelope).encode("utf-8")
    key = (envelope["host"], envelope["source"], envelope["sourcetype"], envelope["index"])
    prefix = _prefixes.get(key)
    if prefix is None:
        prefix = _ENCODER.encode(dict(zip(_ENVELOPE_KEYS[1:5], key)))[1:-1]
        prefix = ("," + prefix + ',"event":').encode("utf-8")
        if len(_prefixes) < 1024:
            _prefixes[key] = prefix
    return b'{"time":%r%s%s}' % (envelope["time"], prefix, _ENCODER.encode(envelope["event"]).encode("utf-8"))


def _blank(data: bytes) -> bool:
    """Nothing but whitespace: without copying a segment that starts with an event (``strip`` would)."""
    return not data or (data[:1].isspace() and not data.strip())


def build_client(config):
    """(HecClient or None, sentence saying what is misconfigured or "")."""
    problems = list(getattr(config, "problems", ()))
    if not config.enabled:
        return None, "; ".join(problems)
    if not config.hec_url or not config.hec_token:
        return None, "; ".join(problems)
    if config.ca_bundle and not os.path.isfile(config.ca_bundle):
        problems.append("the CA bundle %s (MODELOPS_CA_BUNDLE) does not exist" % config.ca_bundle)
        return None, "; ".join(problems)
    try:
        client = HecClient(config.hec_url, config.hec_token, ca_bundle=config.ca_bundle,
                           verify_tls=config.verify_tls, timeout=config.timeout, use_ack=config.use_ack,
                           ack_timeout=config.ack_timeout)
    except Exception as error:  # bad URL, unreadable CA bundle...
        problems.append(str(error))
        return None, "; ".join(problems)
    return client, "; ".join(problems)


class Sender:
    def __init__(self, config, client=None):
        self.config = config
        self.spool = Spool(config.spool_dir, batch_events=config.batch_events, batch_bytes=config.batch_bytes)
        self.client = client
        self.misconfigured = ""
        if self.client is None:
            self.client, self.misconfigured = build_client(config)
        if self.misconfigured:
            log.warning("modelops telemetry: %s; events are kept in %s (send them with `modelops replay` once "
                        "this is fixed)", self.misconfigured, config.spool_dir)
        self._wake = threading.Event()
        self._stop = False
        self._failures = 0
        self._retry_at = 0.0
        self._requested = 0  # flush requests; the thread answers each with one full pass
        self._answered = 0
        self._pass_ok = True
        self._done = threading.Condition()
        self._sealed = []  # paths of segments this sender wrote, until they are gone
        self.fatal = ""
        self.stats = {"enqueued": 0, "spooled": 0, "delivered": 0, "dead": 0, "retries": 0}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="modelops-hec-sender", daemon=True)
        self._thread.start()
        atexit.register(self._at_exit)

    # --- caller side: one encode and one write ---------------------------------------------

    def enqueue(self, envelope) -> None:
        try:
            line = encode(envelope)
        except (TypeError, ValueError) as error:
            self.spool.dead_letter(repr(envelope).encode(), "not serialisable: %s" % error)
            self.stats["dead"] += 1
            return
        self.spool.append(line)
        self.stats["enqueued"] += 1

    def write_event(self, event, when, host, sourcetype, index, template=None, extra=None) -> None:
        """``enqueue`` of ``{"time", "host", "source", "sourcetype", "index", "event"}`` without building it:
        the same bytes, one encode and one write. With ``template`` (``event_template(event)``), only the ids
        and ``extra`` (the fields after the schema's twelve, in order) are encoded."""
        key = (host, event["event_type"], sourcetype, index)
        prefix = _event_prefixes.get(key)
        if prefix is None:
            prefix = _ENCODER.encode({"host": host, "source": "modelops:" + key[1], "sourcetype": sourcetype,
                                      "index": index})[1:-1]
            prefix = ("," + prefix + ',"event":').encode("utf-8")
            if len(_event_prefixes) < 1024:
                _event_prefixes[key] = prefix
        try:
            if template is not None and type(event["event_id"]) is str and type(event["run_id"]) is str:
                body = (template[0] + encode_basestring_ascii(event["event_id"]) + template[1]
                        + encode_basestring_ascii(event["run_id"]) + template[2]
                        + ("," + _encode_event(extra)[1:] if extra else "}"))
            else:
                body = _encode_event(event)
        except (TypeError, ValueError, RecursionError) as error:
            self.spool.dead_letter(repr(event).encode(), "not serialisable: %s" % error)
            self.stats["dead"] += 1
            return
        self.spool.append_line(b'{"time":%r%s%s}\n' % (when, prefix, body.encode("utf-8")))
        self.stats["enqueued"] += 1

    def _own_left(self) -> bool:
        """Events this sender wrote that are still in the spool."""
        if self.spool._fd is not None and self.spool._events:
            return True
        self._sealed.extend(self.spool.take_closed())
        self._sealed = [p for p in self._sealed if os.path.exists(p)]
        return bool(self._sealed)

    def flush(self, timeout=10.0, retry=True) -> bool:
        """Deliver what this sender wrote (and any segment a dead process left); True when none of
        it is left. With ``retry`` False, one attempt only (exit, signals)."""
        deadline = time.monotonic() + max(0.0, timeout)
        self._retry_at = 0.0
        while True:
            with self._done:
                self._requested += 1
                wanted = self._requested
                self._wake.set()
                while self._answered < wanted and not self._thread_dead():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._done.wait(min(remaining, 0.05))
                ok = self._pass_ok
            if ok and not self._own_left():
                return True
            if self.client is None or self.fatal or not retry or self._thread_dead():
                return False
            pause = min(self._retry_at - time.monotonic(), deadline - time.monotonic())
            if deadline - time.monotonic() <= 0:
                return False
            time.sleep(max(0.01, min(pause, 1.0)) if pause > 0 else 0.01)

    def _thread_dead(self) -> bool:
        return not self._thread.is_alive()

    def _at_exit(self):
        # Events are on disk already; delivery gets one short try, the rest waits in the spool.
        self.close(timeout=2.0, retry=False)

    def close(self, timeout=5.0, retry=True) -> bool:
        if self._closed:
            return not self._own_left()
        self._closed = True
        atexit.unregister(self._at_exit)
        delivered = self.flush(timeout, retry=retry)
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=1.0)
        self.spool.seal(timeout=1.0)
        if self.client is not None:
            self.client.close()
        return delivered

    # --- background side -------------------------------------------------------------------

    def _seal(self, older_than):
        self.spool.seal(older_than=older_than, timeout=0.5)

    def _run(self):
        while True:
            self._wake.wait(timeout=self.config.flush_interval)
            self._wake.clear()
            with self._done:
                wanted = self._requested
            ok = True
            try:
                self._seal(0.0 if wanted > self._answered else self.config.flush_interval)
                if self.client is not None and not self.fatal and time.monotonic() >= self._retry_at:
                    ok = self._ship()
                else:
                    ok = False
            except Exception:  # never let the thread die: telemetry must not break training
                ok = False
                log.exception("modelops telemetry sender error")
            with self._done:
                self._pass_ok = ok
                self._answered = max(self._answered, wanted)
                self._done.notify_all()
            if self._stop:
                return

    def _ship(self) -> bool:
        ok = True
        for path in self.spool.pending():
            with self.spool.claim(path) as claim:
                if claim is None:
                    continue
                if not self._ship_claim(claim):
                    return False
        return ok

    def _piece(self, data):
        """(the next batch of ``data``, its event count): the whole segment when it fits in one batch
        (the writer seals segments at the batch size), else its leading complete lines that do. Events are
        counted by newlines (one ``memchr`` pass; the spool never writes blank lines)."""
        count = data.count(b"\n")
        if count <= self.config.batch_events and len(data) <= self.config.batch_bytes:
            return data, count
        cut = data.rfind(b"\n", 0, self.config.batch_bytes) + 1 or data.find(b"\n") + 1  # at least one line
        end = 0
        for _ in range(self.config.batch_events):  # a segment written with larger batches elsewhere
            end = data.find(b"\n", end, cut) + 1
            if not end:
                end = cut
                break
        piece = data[:end]
        return piece, piece.count(b"\n")

    def _ship_claim(self, claim) -> bool:
        """Send one claimed segment; False when sending must pause (retry later or fatal)."""
        data = claim.data
        if _blank(data):  # an empty segment (a process died before its first line, or only a torn one)
            claim.rewrite_data(b"")
            return True
        while not _blank(data):
            piece, count = self._piece(data)
            rest = data[len(piece):]
            result = self.client.send_raw(piece, count)
            self.stats["delivered"] += result.delivered
            for line, reason in result.dead:
                self.spool.dead_letter(line, reason)
                self.stats["dead"] += 1
            data = b"".join(line + b"\n" for line in result.retry) + rest
            claim.rewrite_data(data)
            if result.fatal:
                self.fatal = result.fatal
                log.error("modelops telemetry stopped sending: %s (events stay in %s; fix the configuration "
                          "and run `modelops replay`)", result.fatal, self.config.spool_dir)
                return False
            if result.retry and not result.dead:
                self._failures += 1
                self.stats["retries"] += 1
                self._retry_at = time.monotonic() + backoff_delay(self._failures, cap=self.config.max_backoff)
                log.warning("HEC did not take a batch (%s); retrying later", result.detail)
                return False
        self._failures = 0
        return True


# --- SIGTERM / SIGINT ------------------------------------------------------------------------

_installed = {}


def install_signal_handlers(flush, timeout=5.0, signals=("SIGTERM", "SIGINT")) -> bool:
    """On SIGTERM/SIGINT, ``flush(timeout)`` (bounded), then the previous handler runs (or the default
    action: the process ends with the signal). Only from the main thread; idempotent. True when installed."""
    if threading.current_thread() is not threading.main_thread():
        return False
    installed = False
    for name in signals:
        number = getattr(signal, name, None)
        if number is None:
            continue
        if number in _installed:
            _installed[number]["flush"] = flush
            _installed[number]["timeout"] = timeout
            installed = True
            continue
        try:
            previous = signal.getsignal(number)
        except (ValueError, OSError):
            continue
        state = {"flush": flush, "timeout": timeout, "previous": previous}

        def handler(signum, frame, state=state):
            try:
                state["flush"](state["timeout"])
            except Exception:  # the signal must still reach its previous handler
                pass
            previous = state["previous"]
            if callable(previous):
                return previous(signum, frame)
            if previous == signal.SIG_IGN:
                return None
            signal.signal(signum, signal.SIG_DFL)  # default action: end the process with this signal
            os.kill(os.getpid(), signum)
            return None

        try:
            signal.signal(number, handler)
        except (ValueError, OSError):
            continue
        _installed[number] = state
        installed = True
    return installed
