"""A local HTTP server that answers like Splunk's HTTP Event Collector, for tests and benchmarks.

It checks the token, gunzips, parses concatenated JSON objects, and records every event it
accepted. ``plan`` scripts the next answers: ``("status", http, code, text)``, ``("slow", seconds)``,
``("drop",)`` (close the socket without answering), ``("invalid", k)`` (refuse event k as
malformed, indexing the ones before it, as HEC does).
"""

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler

from tests.local_server import LocalServer


class FakeHec(LocalServer):
    def __init__(self, token="test-token", ack_after_polls=1, record=True, count_only=False):
        self.token = token
        self.count_only = count_only  # benchmarks: count envelopes without parsing them
        self.ack_after_polls = ack_after_polls
        self.record = record
        self.events = []
        self.count = 0
        self.requests = 0
        self.plan = []
        self.acks = {}  # ack id -> polls left before true
        self.next_ack = 0
        self.lock = threading.Lock()
        super().__init__(self._handler())

    def event_ids(self):
        return [e["event"]["event_id"] for e in self.events]

    def _handler(self):
        hec = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # answer at once, as Splunk does

            def log_message(self, *args):
                pass

            def answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path.startswith("/services/collector/health"):
                    self.answer(200, {"text": "HEC is healthy", "code": 17})
                else:
                    self.answer(404, {"text": "not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with hec.lock:
                    hec.requests += 1
                    step = hec.plan.pop(0) if hec.plan else None
                if step and step[0] == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if step and step[0] == "slow":
                    time.sleep(step[1])
                if step and step[0] == "status":
                    self.answer(step[1], {"code": step[2], "text": step[3]})
                    return
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Splunk "):
                    self.answer(401, {"text": "Token is required", "code": 2})
                    return
                if auth[len("Splunk "):] != hec.token:
                    self.answer(403, {"text": "Invalid token", "code": 4})
                    return
                if self.path == "/services/collector/ack":
                    self.ack(json.loads(raw))
                    return
                if self.path != "/services/collector/event":
                    self.answer(404, {"text": "not found"})
                    return
                channel = self.headers.get("X-Splunk-Request-Channel")
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                if hec.count_only:
                    with hec.lock:
                        hec.count += raw.count(b'"event":')
                    self.answer(200, {"text": "Success", "code": 0})
                    return
                events, bad = parse_concatenated(raw.decode("utf-8"))
                if step and step[0] == "invalid":
                    bad = step[1]
                if not events and bad is None:
                    self.answer(400, {"text": "No data", "code": 5})
                    return
                accepted = events if bad is None else events[:bad]
                with hec.lock:
                    hec.count += len(accepted)
                    if hec.record:
                        hec.events.extend(accepted)
                if bad is not None:
                    self.answer(400, {"text": "Invalid data format", "code": 6, "invalid-event-number": bad})
                    return
                if channel:
                    with hec.lock:
                        hec.next_ack += 1
                        ack_id = hec.next_ack
                        hec.acks[ack_id] = hec.ack_after_polls
                    self.answer(200, {"text": "Success", "code": 0, "ackId": ack_id})
                    return
                self.answer(200, {"text": "Success", "code": 0})

            def ack(self, body):
                result = {}
                with hec.lock:
                    for ack_id in body.get("acks", []):
                        left = hec.acks.get(ack_id)
                        if left is None:
                            result[str(ack_id)] = False
                        elif left <= 1:
                            result[str(ack_id)] = True
                            del hec.acks[ack_id]  # reported once, as Splunk does
                        else:
                            hec.acks[ack_id] = left - 1
                            result[str(ack_id)] = False
                self.answer(200, {"acks": result})

        return Handler


def parse_concatenated(text):
    """Events from concatenated JSON objects; (events, index of the first malformed one or None)."""
    decoder = json.JSONDecoder()
    events, position = [], 0
    while True:
        while position < len(text) and text[position] in " \r\n\t":
            position += 1
        if position >= len(text):
            return events, None
        try:
            obj, position = decoder.raw_decode(text, position)
        except ValueError:
            return events, len(events)
        if not isinstance(obj, dict) or "event" not in obj:
            return events, len(events)
        events.append(obj)


if __name__ == "__main__":
    # A receiver in its own process, for benchmarks: prints its URL, then its count on each stdin line.
    import sys

    with FakeHec(count_only="--count-only" in sys.argv, record=False) as server:
        print(server.url, flush=True)
        for _ in sys.stdin:
            print(server.count, flush=True)
