"""Integration tests against the `make up` stack. Without a Docker engine, or without the stack
running, every test here is skipped with the reason; nothing is ever counted as passed."""

import base64
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import stack  # noqa: E402


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if "tests/integration" in str(item.fspath)]
    if not mine:
        return
    available, why = stack.docker_available()
    reason = None
    if not available:
        reason = "no Docker engine here (%s): run `make integration` where Docker runs" % why
    else:
        env = stack.read_env()
        if not env or not _reachable(env):
            reason = "the stack is not running: run `make up` first (or `make integration`)"
    for item in mine:
        item.add_marker(pytest.mark.integration)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _reachable(env):
    try:
        urllib.request.urlopen("http://localhost:%s/services/collector/health/1.0" % env.get("SPLUNK_HEC_PORT", "8088"),
                               timeout=3)
        return True
    except (urllib.error.URLError, OSError):
        return False


class Splunkd:
    """Enough of splunkd's REST API for the tests, as admin of the lab stack."""

    def __init__(self, env):
        self.env = env
        self.base = "https://localhost:%s" % env.get("SPLUNK_MGMT_PORT", "8089")
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE  # the lab stack's self-signed certificate, localhost only
        self.auth = "Basic " + base64.b64encode(("admin:" + env["SPLUNK_PASSWORD"]).encode()).decode()

    def call(self, method, path, **params):
        params["output_mode"] = "json"
        data = urllib.parse.urlencode(params).encode() if method == "POST" else None
        url = self.base + path + ("" if method == "POST" else "?" + urllib.parse.urlencode(params))
        request = urllib.request.Request(url, data=data, method=method, headers={"Authorization": self.auth})
        try:
            with urllib.request.urlopen(request, timeout=300, context=self.context) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def search(self, spl, **params):
        """Rows of a blocking oneshot search in the app's namespace."""
        query = spl if spl.lstrip().startswith("|") else "search " + spl
        status, body = self.call("POST", "/servicesNS/admin/dsdl_modelops/search/jobs", search=query,
                                 exec_mode="oneshot", count=0, **params)
        assert status in (200, 201), body[:500]
        return json.loads(body).get("results", [])


@pytest.fixture(scope="session")
def env():
    return stack.read_env()


@pytest.fixture(scope="session")
def splunkd(env):
    return Splunkd(env)
