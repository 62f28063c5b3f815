"""A local HTTP server that answers a few splunkd REST endpoints (JSON output mode), for tests.

Routes are ``(method, path prefix) -> handler(request) -> (status, payload)``. It checks the
``Authorization: Splunk <session key>`` header the way splunkd does and records every request.
"""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from tests.local_server import LocalServer


class Request:
    def __init__(self, method, path, query, form, body, session_key=""):
        self.method, self.path, self.query, self.form, self.body = method, path, query, form, body
        self.session_key = session_key


class FakeSplunkd(LocalServer):
    def __init__(self, session_key="test-session-key", accepted_keys=()):
        self.session_key = session_key
        self.accepted_keys = {session_key, *accepted_keys}
        self.routes = []
        self.requests = []
        self.lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def uri(self):
        return self.url

    def route(self, method, prefix, handler):
        self.routes.insert(0, (method, prefix, handler))

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
                key = self.headers.get("Authorization", "")[len("Splunk "):]
                request = Request(method, path, query, form, body, key)
                with splunkd.lock:
                    splunkd.requests.append(request)
                if key not in splunkd.accepted_keys:
                    return self.answer(401, {"messages": [{"type": "WARN", "text": "call not properly authenticated"}]})
                for route_method, prefix, handler in splunkd.routes:
                    if route_method == method and path.startswith(prefix):
                        status, payload = handler(request)
                        return self.answer(status, payload)
                return self.answer(404, {"messages": [{"type": "ERROR", "text": "Not Found"}]})

            def answer(self, status, payload):
                if isinstance(payload, RawLines):
                    raw = "".join(json.dumps(item) + "\n" for item in payload).encode()
                else:
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


class KVEmulator:
    """The KV store's documented REST semantics for the collections of one app, in memory.

    ``query`` is equality on top-level fields (what the app sends); ``limit``/``skip``/``sort`` page;
    ``batch_save`` upserts; inserting an existing ``_key`` is 409; unknown collections are 404.
    """

    def __init__(self, splunkd, collections, app="dsdl_modelops", max_rows=50000):
        self.data = {name: {} for name in collections}
        self.max_rows = max_rows
        self.writes = 0
        base = "/servicesNS/nobody/%s/storage/collections/data/" % app
        self.base = base
        splunkd.route("GET", base, self.get)
        splunkd.route("POST", base, self.post)
        splunkd.route("DELETE", base, self.delete)

    def _split(self, request):
        rest = request.path[len(self.base):]
        collection, _, key = rest.partition("/")
        return collection, key

    def get(self, request):
        collection, key = self._split(request)
        if collection not in self.data:
            return 404, {"messages": [{"type": "ERROR", "text": "Collection not found"}]}
        docs = self.data[collection]
        if key:
            return (200, docs[key]) if key in docs else (404, {"messages": [{"type": "ERROR", "text": "not found"}]})
        query = json.loads(request.query.get("query", "{}") or "{}")
        found = [d for d in docs.values() if all(d.get(k) == v for k, v in query.items())]
        if request.query.get("sort"):
            field = request.query["sort"].split(":")[0]
            found.sort(key=lambda d: str(d.get(field, "")))
        skip = int(request.query.get("skip", 0))
        limit = int(request.query.get("limit", 0)) or self.max_rows
        return 200, found[skip:skip + min(limit, self.max_rows)]

    def post(self, request):
        collection, key = self._split(request)
        if collection not in self.data:
            return 404, {"messages": [{"type": "ERROR", "text": "Collection not found"}]}
        body = json.loads(request.body.decode("utf-8"))
        docs = self.data[collection]
        self.writes += 1
        if key == "batch_save":
            keys = []
            for doc in body:
                doc_key = doc.get("_key") or os.urandom(12).hex()
                docs[doc_key] = dict(doc, _key=doc_key)
                keys.append(doc_key)
            return 200, keys
        if key:
            if key not in docs:
                return 404, {"messages": [{"type": "ERROR", "text": "not found"}]}
            docs[key] = dict(body, _key=key)
            return 200, {"_key": key}
        doc_key = body.get("_key") or os.urandom(12).hex()
        if doc_key in docs:
            return 409, {"messages": [{"type": "ERROR", "text": "A document with the same key already exists"}]}
        docs[doc_key] = dict(body, _key=doc_key)
        return 201, {"_key": doc_key}

    def delete(self, request):
        collection, key = self._split(request)
        if collection not in self.data:
            return 404, {"messages": [{"type": "ERROR", "text": "Collection not found"}]}
        self.writes += 1
        if not key:
            self.data[collection].clear()  # as documented: no query wipes the collection
            return 200, {}
        if key not in self.data[collection]:
            return 404, {"messages": [{"type": "ERROR", "text": "not found"}]}
        del self.data[collection][key]
        return 200, {}

    def snapshot(self):
        return json.dumps(self.data, sort_keys=True)


def serve_capabilities(splunkd, capabilities_by_key):
    """``/services/authentication/current-context`` answering each session key's capabilities."""

    def context(request):
        return 200, entry("context", {"capabilities": capabilities_by_key.get(request.session_key, [])})

    splunkd.route("GET", "/services/authentication/current-context", context)


def serve_export(splunkd, rows):
    """``search/jobs/export`` answering ``rows`` (dicts with ``_raw`` and ``_indextime``), filtered by the
    ``_index_earliest=N`` of the search, as JSON lines."""
    import re

    def export(request):
        search = request.form.get("search", "")
        match = re.search(r"_index_earliest=(\d+)", search)
        since = int(match.group(1)) if match else 0
        chosen = [r for r in rows if float(r["_indextime"]) >= since]
        return 200, RawLines([{"preview": False, "result": r} for r in chosen])

    splunkd.route("POST", "/servicesNS/nobody/dsdl_modelops/search/jobs/export", export)


class RawLines(list):
    """A payload written as JSON lines instead of one JSON document."""


def serve_receiver(splunkd, events):
    """``/services/receivers/simple``: each body is indexed as one event; ``events`` gets
    ``{"index", "sourcetype", "source", "host", "raw"}``. A session key listed in
    ``splunkd.receiver_refused`` gets 403, as a role without ``edit_tcp`` does."""
    splunkd.receiver_refused = set()

    def receive(request):
        if request.session_key in splunkd.receiver_refused:
            return 403, {"messages": [{"type": "ERROR", "text": "Insufficient permissions"}]}
        events.append(dict({k: request.query.get(k) for k in ("index", "sourcetype", "source", "host")},
                           raw=request.body.decode("utf-8")))
        return 200, {"index": request.query.get("index"), "bytes": len(request.body)}

    splunkd.route("POST", "/services/receivers/simple", receive)
