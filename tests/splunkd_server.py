"""A local HTTP server that answers a few splunkd REST endpoints (JSON output mode), for tests.

Routes are ``(method, path prefix) -> handler(request) -> (status, payload)``. It checks the
``Authorization: Splunk <session key>`` header the way splunkd does and records every request.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


class Request:
    def __init__(self, method, path, query, form, body):
        self.method, self.path, self.query, self.form, self.body = method, path, query, form, body


class FakeSplunkd:
    def __init__(self, session_key="test-session-key"):
        self.session_key = session_key
        self.routes = []
        self.requests = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def uri(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def route(self, method, prefix, handler):
        self.routes.insert(0, (method, prefix, handler))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        splunkd = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def handle_any(self, method):
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                length = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(length) if length else b""
                # splunkd reads a body without a Content-Type as a form, as splunklib sends it
                content_type = self.headers.get("Content-Type", "")
                form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()} if body and (
                    not content_type or content_type.startswith("application/x-www-form-urlencoded")) else {}
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                request = Request(method, path, query, form, body)
                with splunkd.lock:
                    splunkd.requests.append(request)
                if self.headers.get("Authorization") != "Splunk " + splunkd.session_key:
                    return self.answer(401, {"messages": [{"type": "WARN", "text": "call not properly authenticated"}]})
                for route_method, prefix, handler in splunkd.routes:
                    if route_method == method and path.startswith(prefix):
                        status, payload = handler(request)
                        return self.answer(status, payload)
                return self.answer(404, {"messages": [{"type": "ERROR", "text": "Not Found"}]})

            def answer(self, status, payload):
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                # splunklib closes the connection before reading the body unless the answer says keep-alive
                self.send_header("Connection", "Keep-Alive")
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

            def do_DELETE(self):
                self.handle_any("DELETE")

        return Handler


def entry(name, content):
    return {"entry": [{"name": name, "content": content}]}
