"""HEC transport: one keep-alive connection, gzip bodies, Splunk's answer codes turned into decisions.

``HecClient.send(lines)`` posts one batch (JSON objects concatenated, as HEC's /event endpoint
expects) and returns a ``SendResult`` saying which lines were delivered, which to retry, which are
malformed (dead letter), and whether sending must stop (bad token, wrong index). It never raises
for network or HTTP problems.
"""

import gzip
import http.client
import json
import logging
import os
import socket
import ssl
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

log = logging.getLogger("modelops.telemetry")

try:  # optional (pip install isal): ISA-L's gzip, about 3.5x faster than zlib level 1 and smaller
    from isal import igzip as _fast_gzip
except ImportError:  # the standard library: zlib level 1
    _fast_gzip = None
if os.environ.get("MODELOPS_GZIP", "").strip().lower() == "zlib":  # force the standard library
    _fast_gzip = None


def gzip_body(body: bytes) -> bytes:
    """A gzip member of ``body``: ISA-L level 1 when installed, else zlib level 1. Any gzip reader
    (HEC's included) gets the same bytes back."""
    if _fast_gzip is not None:
        return _fast_gzip.compress(body, compresslevel=1)
    return gzip.compress(body, compresslevel=1)

EVENT_PATH = "/services/collector/event"
ACK_PATH = "/services/collector/ack"
HEALTH_PATH = "/services/collector/health/1.0"

# HEC codes (see the HEC docs): what each means for the batch.
FATAL_CODES = {1: "the HEC token is disabled", 2: "the HEC token is missing", 3: "the HEC authorization is invalid",
               4: "the HEC token is invalid", 7: "the index is not allowed for this token or does not exist",
               10: "HEC indexer acknowledgement is on for this token: set MODELOPS_HEC_ACK=1"}
RETRY_CODES = {8, 9}


@dataclass
class SendResult:
    delivered: int = 0  # leading lines that Splunk accepted
    retry: list = field(default_factory=list)  # lines to send again later
    dead: list = field(default_factory=list)  # (line, reason) refused as malformed
    fatal: str = ""  # sending must stop until the configuration changes
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.retry and not self.fatal


class HecClient:
    def __init__(self, url, token, ca_bundle=None, verify_tls=True, timeout=10.0, use_ack=False, ack_timeout=60.0,
                 compress=True):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the HEC URL must look like https://host:8088, not %r" % url)
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or (8088 if parts.scheme == "https" else 80)
        self.token = token
        self.timeout = timeout
        self.use_ack = use_ack
        self.ack_timeout = ack_timeout
        self.compress = compress
        self.channel = str(uuid.uuid4())
        self._connection = None
        self._context = None
        if self.scheme == "https":
            self._context = ssl.create_default_context(cafile=ca_bundle)
            if not verify_tls:
                # Only on explicit request (MODELOPS_TLS_VERIFY=false); the default verifies.
                log.warning("TLS certificate verification of HEC is OFF by configuration")
                self._context.check_hostname = False
                self._context.verify_mode = ssl.CERT_NONE

    # --- HTTP ----------------------------------------------------------------------------

    def _connect(self):
        if self._connection is None:
            if self.scheme == "https":
                self._connection = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                               context=self._context)
            else:
                self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._connection

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method, path, body=b"", headers=None):
        """(status, parsed JSON or {}); status 0 and a message for network failures."""
        all_headers = {"Authorization": "Splunk %s" % self.token, "Connection": "keep-alive"}
        if self.use_ack:
            all_headers["X-Splunk-Request-Channel"] = self.channel
        all_headers.update(headers or {})
        for attempt in (1, 2):  # a kept-alive connection may have been closed by the server: retry once
            try:
                connection = self._connect()
                connection.request(method, path, body=body, headers=all_headers)
                response = connection.getresponse()
                raw = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                try:
                    payload = json.loads(raw.decode("utf-8")) if raw else {}
                except (ValueError, UnicodeDecodeError):
                    payload = {"text": raw[:200].decode("utf-8", "replace")}
                return response.status, payload if isinstance(payload, dict) else {}
            except ssl.SSLCertVerificationError as error:
                self.close()
                return 0, {"text": "TLS certificate not trusted (%s); set MODELOPS_CA_BUNDLE" % error.verify_message}
            except (OSError, http.client.HTTPException) as error:
                self.close()
                if attempt == 2 or isinstance(error, socket.timeout):
                    return 0, {"text": "%s: %s" % (type(error).__name__, error)}
        return 0, {"text": "unreachable"}

    # --- batches -------------------------------------------------------------------------

    def send(self, lines) -> SendResult:
        body = b"\n".join(lines)
        headers = {"Content-Type": "application/json"}
        if self.compress:
            body = gzip_body(body)
            headers["Content-Encoding"] = "gzip"
        status, payload = self.request("POST", EVENT_PATH, body, headers)
        return self._result(status, payload, lines)

    def send_raw(self, data: bytes, count: int) -> SendResult:
        """Post ``data``, ``count`` HEC event objects one a line (a spool segment's bytes, as read), without
        decoding or re-joining them. The lines are split only when the answer needs them (a retry, a
        malformed event, an acknowledgement wait)."""
        body, headers = data, {"Content-Type": "application/json"}
        if self.compress:
            body = gzip_body(data)
            headers["Content-Encoding"] = "gzip"
        status, payload = self.request("POST", EVENT_PATH, body, headers)
        if status == 200 and payload.get("code") in (0, None) and not self.use_ack:
            return SendResult(delivered=count)
        return self._result(status, payload, [line for line in data.split(b"\n") if line.strip()])

    def send_gzipped(self, body: bytes, count: int) -> SendResult:
        """Post a batch gzipped elsewhere (``gzip_body`` of ``count`` newline-joined lines). The lines are
        decompressed only when the answer needs them (a retry, a malformed event)."""
        status, payload = self.request("POST", EVENT_PATH, body,
                                       {"Content-Type": "application/json", "Content-Encoding": "gzip"})
        if status == 200 and payload.get("code") in (0, None) and not self.use_ack:
            return SendResult(delivered=count)
        return self._result(status, payload, gzip.decompress(body).split(b"\n"))

    def _result(self, status, payload, lines) -> SendResult:
        code = payload.get("code")
        text = payload.get("text", "")
        if status == 200 and code in (0, None):
            if self.use_ack and "ackId" in payload and not self.wait_for_ack(payload["ackId"]):
                return SendResult(retry=list(lines), detail="no indexer acknowledgement in time")
            return SendResult(delivered=len(lines))
        if code in FATAL_CODES or status in (401, 403):
            return SendResult(retry=list(lines), fatal=FATAL_CODES.get(code, text or "HTTP %d" % status),
                              detail=text)
        if status == 400 and code == 5:
            return SendResult(delivered=len(lines), detail="no data")
        if status == 400:  # 6 invalid data format, 12/13 event field missing or blank: per-event faults
            bad = payload.get("invalid-event-number")
            if isinstance(bad, int) and 0 <= bad < len(lines):
                # HEC indexed the events before the invalid one; the rest is sent again.
                return SendResult(delivered=bad, dead=[(lines[bad], text or "invalid data format")],
                                  retry=list(lines[bad + 1:]), detail=text)
            return SendResult(dead=[(line, text or "invalid data format") for line in lines], detail=text)
        # 5xx, 503 busy, network errors, and anything unexpected: keep the batch and retry later.
        return SendResult(retry=list(lines), detail=text or "HTTP %d" % status)

    def wait_for_ack(self, ack_id) -> bool:
        deadline = time.monotonic() + self.ack_timeout
        delay = 0.05
        while time.monotonic() < deadline:
            status, payload = self.request("POST", ACK_PATH, json.dumps({"acks": [ack_id]}).encode(),
                                           {"Content-Type": "application/json"})
            if status == 200 and payload.get("acks", {}).get(str(ack_id)) is True:
                return True
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        return False

    def health(self):
        """(ok, sentence) for the collector health endpoint."""
        status, payload = self.request("GET", HEALTH_PATH)
        if status == 200:
            return True, "HEC is healthy"
        if status == 0:
            return False, "cannot reach HEC at %s://%s:%d: %s" % (self.scheme, self.host, self.port,
                                                                 payload.get("text", ""))
        return False, "HEC health answered HTTP %d: %s" % (status, payload.get("text", ""))


def backoff_delay(failures: int, base=0.5, cap=60.0, random_fraction=None) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**failures)]."""
    import random

    ceiling = min(cap, base * (2 ** min(failures, 30)))
    fraction = random.random() if random_fraction is None else random_fraction
    return ceiling * fraction
