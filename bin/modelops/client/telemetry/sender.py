"""The background sender: the caller only enqueues; a daemon thread spools and ships batches.

Write-ahead: every batch is written to the spool before it is sent, and deleted only once HEC
accepted it (and acknowledged it, with ACK on). Events still in memory are spooled at exit;
a ``kill -9`` can lose at most the last ``flush_interval`` of events.
"""

import atexit
import json
import logging
import queue
import threading
import time

from .spool import Spool
from .transport import HecClient, backoff_delay

log = logging.getLogger("modelops.telemetry")


# One encoder for the process: json.dumps with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str)


_ENVELOPE_KEYS = ("time", "host", "source", "sourcetype", "index", "event")
_prefixes = {}


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


class Sender:
    def __init__(self, config, client=None):
        self.config = config
        self.spool = Spool(config.spool_dir)
        self.client = client
        if self.client is None and config.hec_configured:
            self.client = HecClient(config.hec_url, config.hec_token, ca_bundle=config.ca_bundle,
                                    verify_tls=config.verify_tls, timeout=config.timeout, use_ack=config.use_ack,
                                    ack_timeout=config.ack_timeout)
        self._queue = queue.SimpleQueue()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stop = False
        self._failures = 0
        self._retry_at = 0.0
        self.fatal = ""
        self.stats = {"enqueued": 0, "spooled": 0, "delivered": 0, "dead": 0, "retries": 0}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="modelops-hec-sender", daemon=True)
        self._thread.start()
        atexit.register(self._at_exit)

    # --- caller side: cheap ---------------------------------------------------------------

    def enqueue(self, envelope) -> None:
        if self._idle.is_set():  # clear() takes a lock; skip it when already clear
            self._idle.clear()
        self._queue.put(envelope)
        self.stats["enqueued"] += 1

    def flush(self, timeout=10.0) -> bool:
        """Spool everything enqueued and try to deliver it now; True when nothing is left undelivered."""
        deadline = time.monotonic() + max(0.0, timeout)
        self._retry_at = 0.0
        self._idle.clear()
        self._wake.set()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if not self._idle.wait(min(remaining, 0.05)) or not self._queue.empty():
                self._wake.set()
                continue
            if not self.spool.pending():
                return True
            if self.client is None or self.fatal:
                return False
            if time.monotonic() >= self._retry_at:
                self._idle.clear()
                self._wake.set()
            else:
                time.sleep(min(0.05, remaining))
        return self._queue.empty() and not self.spool.pending()

    def _at_exit(self):
        # Everything still in memory reaches the spool; delivery gets a short try, the rest waits on disk.
        self.close(timeout=2.0)

    def close(self, timeout=5.0) -> bool:
        if self._closed:
            return not self.spool.pending()
        self._closed = True
        atexit.unregister(self._at_exit)
        delivered = self.flush(timeout)
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=1.0)
        if self.client is not None:
            self.client.close()
        return delivered

    # --- background side -------------------------------------------------------------------

    def _drain(self) -> list:
        lines, size = [], 0
        while len(lines) < self.config.batch_events and size < self.config.batch_bytes:
            try:
                envelope = self._queue.get_nowait()
            except queue.Empty:
                break
            try:
                line = encode(envelope)
            except (TypeError, ValueError) as error:
                self.spool.dead_letter(repr(envelope).encode(), "not serialisable: %s" % error)
                self.stats["dead"] += 1
                continue
            lines.append(line)
            size += len(line)
        return lines

    def _run(self):
        while True:
            self._wake.wait(timeout=self.config.flush_interval)
            self._wake.clear()
            try:
                while True:
                    lines = self._drain()
                    if not lines:
                        break
                    self.spool.write_batch(lines)
                    self.stats["spooled"] += len(lines)
                if self.client is not None and not self.fatal and time.monotonic() >= self._retry_at:
                    self._ship()
            except Exception:  # never let the thread die: telemetry must not break training
                log.exception("modelops telemetry sender error")
            if self._queue.empty():
                self._idle.set()
            if self._stop:
                return

    def _ship(self):
        for path in self.spool.pending():
            with self.spool.claim(path) as lines:
                if lines is None:
                    continue
                if not self._ship_batch(path, lines):
                    return

    def _ship_batch(self, path, lines) -> bool:
        """Send one claimed batch; False when sending must pause (retry later or fatal)."""
        while lines:
            result = self.client.send(lines)
            self.stats["delivered"] += result.delivered
            for line, reason in result.dead:
                self.spool.dead_letter(line, reason)
                self.stats["dead"] += 1
            self.spool.rewrite(path, result.retry)
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
            lines = result.retry  # after a malformed event, the rest goes at once
        self._failures = 0
        return True
