"""splunkd's REST API from a script splunkd starts outside the search pipeline (an alert action):
the payload's ``server_uri`` and ``session_key``, no splunklib service. Same ``(status, JSON)``
interface as ``rest.SplunkRest``, so ``registry.kvstore.KVStore`` and ``current_capabilities`` work.

Inside Splunk it goes through Splunk's own ``splunk.rest.simpleRequest``, which knows splunkd's TLS
settings; elsewhere (tests, a plain Python) through urllib with TLS verified against the system CAs
and, when ``SPLUNK_HOME`` is set, Splunk's CA bundle.
"""

import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request

from ..errors import ModelOpsError
from .command import one_line


def _splunk_simple_request():
    try:
        from splunk import rest as splunk_rest  # Splunk's own Python library, present inside Splunk only
    except ImportError:
        return None
    return getattr(splunk_rest, "simpleRequest", None)


class SessionRest:
    def __init__(self, server_uri, session_key, timeout=30.0, simple_request=None):
        if not server_uri or not session_key:
            raise ModelOpsError("the alert payload has no server_uri or session_key")
        self.base = server_uri.rstrip("/")
        self.session_key = session_key
        self.timeout = timeout
        self.simple_request = simple_request

    def _context(self):
        if not self.base.startswith("https"):
            return None
        context = ssl.create_default_context()
        ca = os.path.join(os.environ.get("SPLUNK_HOME", ""), "etc", "auth", "cacert.pem")
        if os.environ.get("SPLUNK_HOME") and os.path.exists(ca):
            context.load_verify_locations(cafile=ca)
        return context

    def request(self, method, path, query=None, body=None, content_type="application/json"):
        """``(status, JSON or {})``; HTTP errors are a status, an unreachable splunkd is a ModelOpsError."""
        query = dict(query or {}, output_mode="json")
        if self.simple_request is not None:
            return self._simple(method, path, query, body)
        url = "%s%s?%s" % (self.base, path, urllib.parse.urlencode(query))
        data = body.encode("utf-8") if isinstance(body, str) else body
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", "Splunk %s" % self.session_key)
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context()) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())
        except (urllib.error.URLError, OSError) as error:
            raise ModelOpsError("cannot reach splunkd at %s: %s" % (self.base, one_line(error))) from None

    def _simple(self, method, path, query, body):
        path = "%s?%s" % (path, urllib.parse.urlencode(query))
        try:
            response, content = self.simple_request(path, sessionKey=self.session_key, method=method,
                                                    jsonargs=body, raiseAllErrors=False, timeout=self.timeout)
        except Exception as error:
            raise ModelOpsError("cannot reach splunkd: %s" % one_line(error)) from None
        return int(response.status), _json(content)

    def get(self, path, **query):
        return self.request("GET", path, query)

    def delete(self, path, **query):
        return self.request("DELETE", path, query)

    def post_json(self, path, document):
        return self.request("POST", path, body=json.dumps(document))

    def post_raw(self, path, text, **query):
        return self.request("POST", path, query, body=text, content_type="text/plain")


def session_rest(server_uri, session_key):
    """The REST client for an alert action: Splunk's own request function where it exists."""
    return SessionRest(server_uri, session_key, simple_request=_splunk_simple_request())


def _json(raw):
    if not raw:
        return {}
    try:
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except ValueError:
        return {}
