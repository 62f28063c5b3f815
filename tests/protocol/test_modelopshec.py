"""| modelopshec through the chunked protocol against a local splunkd REST stand-in."""

import pytest

from tests.protocol import harness
from tests.splunkd_server import FakeSplunkd, entry

INPUT = "/servicesNS/nobody/splunk_httpinput/data/inputs/http"


@pytest.fixture
def splunkd():
    with FakeSplunkd() as server:
        tokens = {}
        server.tokens = tokens
        server.route("GET", "/services/data/inputs/http/http", lambda r: (200, entry("http", {"disabled": "0"})))

        def read(request):
            name = request.path[len(INPUT) + 1:].replace("http://", "")
            if name not in tokens:
                return 404, {"messages": [{"type": "ERROR", "text": "Could not find object"}]}
            return 200, entry("http://" + name, tokens[name])

        def create(request):
            name = request.form["name"]
            # splunkd answers flags as JSON booleans here, and as "0"/"1" elsewhere
            content = dict(request.form, token="11111111-2222-3333-4444-555555555555", disabled=False,
                           useACK=request.form.get("useACK") == "1", indexes=[request.form["indexes"]])
            tokens[name] = content
            return 201, entry("http://" + name, content)

        server.route("GET", INPUT + "/", read)
        server.route("POST", INPUT, create)
        yield server


def run(server, args, session_key=None):
    overrides = {"splunkd_uri": server.uri, "session_key": session_key or server.session_key}
    return harness.run("modelopshec.py", args, [], searchinfo_overrides=overrides)


def test_create_is_idempotent_and_shows_the_token_once(splunkd):
    first = run(splunkd, ["action=create"])
    assert first.exit_code == 0, first.messages
    assert first.final.getinfo["type"] == "stateful" and first.final.getinfo["generating"] is True
    row = first.rows[0]
    assert (row["status"], row["token"], row["index"], row["indexes"], row["sourcetype"], row["useACK"]) == (
        "created", "11111111-2222-3333-4444-555555555555", "ml_metrics", "ml_metrics", "dsdl:modelops", "1")
    second = run(splunkd, ["action=create"])
    assert second.rows[0]["status"] == "exists" and second.rows[0]["token"] == ""
    assert sum(1 for r in splunkd.requests if r.method == "POST") == 1


def test_status_before_creation(splunkd):
    result = run(splunkd, [])
    assert result.rows[0]["status"] == "missing"
    assert "run | modelopshec action=create" in result.rows[0]["message"]


def test_non_admin_gets_one_sentence(splunkd):
    result = run(splunkd, ["action=create"], session_key="not-an-admin")
    assert result.exit_code != 0
    assert result.errors() == ["modelopshec: managing HEC tokens needs the edit_token_http capability (admin or "
                               "sc_admin); ask a Splunk admin to run this"]


def test_without_splunkd_access():
    result = harness.run("modelopshec.py", [], [])
    assert result.errors() == ["modelopshec: this command needs splunkd's REST API, which this search did not "
                               "provide"]


def test_bad_name_and_action(splunkd):
    assert run(splunkd, ["token_name=a b"]).errors() == [
        "modelopshec: the token name must be 1-100 letters, digits, '_', '.' or '-', not 'a b'"]
    assert run(splunkd, ["action=delete"]).errors() == ["Illegal value: action=delete"]
