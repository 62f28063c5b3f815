"""modelops.splunk.hec_token against a scripted REST double: every splunkd answer becomes a decision."""

import pytest

from modelops.errors import ModelOpsError
from modelops.splunk import hec_token

TOKEN_PATH = hec_token.HEC_INPUTS + "/http%3A%2F%2Fdsdl_modelops"


class ScriptedRest:
    """Answers GET/POST from a table of (method, path) -> (status, payload); records the calls."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def get(self, path, **query):
        self.calls.append(("GET", path, query))
        return self.answers[("GET", path)]

    def post(self, path, **form):
        self.calls.append(("POST", path, form))
        return self.answers[("POST", path)]


def entry(content):
    return {"entry": [{"content": content}]}


GLOBAL_ON = (200, entry({"disabled": "0"}))
GLOBAL_OFF = (200, entry({"disabled": True}))
EXISTING = {"index": "ml_metrics", "indexes": ["ml_metrics"], "sourcetype": "dsdl:modelops", "useACK": "1",
            "disabled": False, "token": "secret-never-shown"}


def test_missing_token_is_reported_with_the_command_that_creates_it():
    rest = ScriptedRest({("GET", hec_token.HEC_GLOBAL): GLOBAL_ON, ("GET", TOKEN_PATH): (404, {})})
    row = hec_token.token_status(rest)
    assert row["status"] == "missing" and row["hec_enabled"] == 1
    assert "modelopshec action=create" in row["message"]


def test_existing_token_is_not_recreated_and_its_value_is_not_shown():
    rest = ScriptedRest({("GET", hec_token.HEC_GLOBAL): GLOBAL_ON, ("GET", TOKEN_PATH): (200, entry(EXISTING))})
    row = hec_token.ensure_token(rest)
    assert row["status"] == "exists" and row["token"] == ""
    assert row["indexes"] == "ml_metrics" and row["useACK"] == 1 and row["disabled"] == 0
    assert not [c for c in rest.calls if c[0] == "POST"]


def test_create_sends_the_settings_and_shows_the_value_once():
    created = dict(EXISTING, token="11111111-2222")
    rest = ScriptedRest({("GET", hec_token.HEC_GLOBAL): GLOBAL_OFF, ("GET", TOKEN_PATH): (404, {}),
                         ("POST", hec_token.HEC_INPUTS): (201, entry(created))})
    row = hec_token.ensure_token(rest)
    assert row["status"] == "created" and row["token"] == "11111111-2222"
    post = [c for c in rest.calls if c[0] == "POST"][0]
    assert post[2] == {"name": "dsdl_modelops", "index": "ml_metrics", "indexes": "ml_metrics",
                       "sourcetype": "dsdl:modelops", "useACK": "1"}
    assert row["hec_enabled"] == 0 and "disabled globally" in row["message"]


def test_concurrent_creation_is_still_idempotent():
    answers = {("GET", hec_token.HEC_GLOBAL): GLOBAL_ON, ("POST", hec_token.HEC_INPUTS): (409, {})}
    reads = iter([(404, {}), (200, entry(EXISTING))])

    class Racing(ScriptedRest):
        def get(self, path, **query):
            return next(reads) if path == TOKEN_PATH else super().get(path, **query)

    assert hec_token.ensure_token(Racing(answers))["status"] == "exists"


@pytest.mark.parametrize(("status", "words"), [(403, "edit_token_http"), (401, "edit_token_http"),
                                               (404, "ACS"), (500, "HTTP 500")])
def test_refusals_become_one_sentence(status, words):
    rest = ScriptedRest({("GET", hec_token.HEC_GLOBAL): GLOBAL_ON, ("GET", TOKEN_PATH): (404, {}),
                         ("POST", hec_token.HEC_INPUTS): (status, {})})
    with pytest.raises(ModelOpsError, match=words):
        hec_token.ensure_token(rest)


@pytest.mark.parametrize("name", ["", "a b", "x" * 101, "../etc", "name{}"])
def test_bad_token_names_are_refused_before_any_request(name):
    rest = ScriptedRest({})
    with pytest.raises(ModelOpsError, match="token name"):
        hec_token.token_status(rest, name)
    assert rest.calls == []


@pytest.mark.parametrize(("value", "flag"), [(True, 1), ("true", 1), ("1", 1), (1, 1), ("T", 1),
                                             (False, 0), ("0", 0), (0, 0), ("false", 0), ("", 0), ("maybe", 0)])
def test_splunkd_flags_in_every_spelling(value, flag):
    content = dict(EXISTING, disabled=value)
    rest = ScriptedRest({("GET", hec_token.HEC_GLOBAL): GLOBAL_ON, ("GET", TOKEN_PATH): (200, entry(content))})
    assert hec_token.token_status(rest)["disabled"] == flag
