"""splunkd's REST API from outside Splunk (a DSDL container), with the standard library.

Configured from DSDL's ``splunk_access_host``/``_port``/``_token`` (overridable with
``MODELOPS_SPLUNK_URL`` and ``MODELOPS_SPLUNK_TOKEN``). TLS is verified; ``MODELOPS_CA_BUNDLE``
names a private CA. Same ``(status, JSON)`` interface as ``spl.SplunkRest``.
"""

import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request

from ..errors import ModelOpsError
from ..values import parse_bool


class HttpRest:
    def __init__(self, base_url, token, ca_bundle=None, verify_tls=True, timeout=30.0):
        self.base_url = base_url.rstrip("/")
        # Splunk authentication tokens (JWT) are Bearer tokens; session keys use the Splunk scheme.
        self.authorization = ("Bearer %s" if token.count(".") == 2 else "Splunk %s") % token
        self.timeout = timeout
        self.context = None
        if self.base_url.startswith("https"):
            self.context = ssl.create_default_context(cafile=ca_bundle)
            if not verify_tls:
                self.context.check_hostname = False
                self.context.verify_mode = ssl.CERT_NONE

    @classmethod
    def from_env(cls, env=None):
        env = os.environ if env is None else env
        url = env.get("MODELOPS_SPLUNK_URL")
        if not url and env.get("splunk_access_host"):
            url = "https://%s:%s" % (env["splunk_access_host"].strip("'\""), env.get("splunk_access_port", "8089"))
        token = env.get("MODELOPS_SPLUNK_TOKEN") or env.get("splunk_access_token")
        if not url or not token:
            raise ModelOpsError("no Splunk REST access configured: set DSDL's splunk_access_host/port/token "
                                "(or MODELOPS_SPLUNK_URL and MODELOPS_SPLUNK_TOKEN)")
        verify = parse_bool(env.get("MODELOPS_TLS_VERIFY"), default=True)
        return cls(url, token.strip("'\""), ca_bundle=env.get("MODELOPS_CA_BUNDLE"), verify_tls=verify)

    def request(self, method, path, query=None, body=None, content_type=None, raw=False):
        params = dict(query or {}, output_mode="json")
        url = "%s%s?%s" % (self.base_url, path, urllib.parse.urlencode(params))
        headers = {"Authorization": self.authorization}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as response:
                data, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            data, status = error.read(), error.code
        except (urllib.error.URLError, OSError) as error:
            raise ModelOpsError("cannot reach splunkd at %s: %s" % (self.base_url, error)) from None
        if raw:
            return status, data
        try:
            return status, json.loads(data.decode("utf-8")) if data else {}
        except ValueError:
            return status, {}

    def get(self, path, **query):
        return self.request("GET", path, query)

    def post(self, path, **form):
        return self.request("POST", path, body=urllib.parse.urlencode(form).encode(),
                            content_type="application/x-www-form-urlencoded")

    def post_json(self, path, document):
        return self.request("POST", path, body=json.dumps(document).encode(), content_type="application/json")

    def delete(self, path, **query):
        return self.request("DELETE", path, query)
