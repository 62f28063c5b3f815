"""| modelregistry through the chunked protocol, against splunkd's KV store REST semantics."""

import json

import pytest

from tests.protocol import harness
from tests.splunkd_server import FakeSplunkd, KVEmulator, serve_capabilities, serve_export

COLLECTIONS = ("modelops_versions", "modelops_aliases", "modelops_history", "modelops_state")
ADMIN, READER = "admin-key", "reader-key"


@pytest.fixture
def splunkd():
    with FakeSplunkd(session_key=ADMIN, accepted_keys=[READER]) as server:
        server.kv = KVEmulator(server, COLLECTIONS)
        serve_capabilities(server, {ADMIN: ["edit_modelops_registry", "search"], READER: ["search"]})
        server.exported = []
        serve_export(server, server.exported)
        yield server


def spl(server, *args, key=ADMIN):
    return harness.run("modelregistry.py", list(args), [],
                       searchinfo_overrides={"splunkd_uri": server.uri, "session_key": key, "username": "ana"})


def ok(result):
    assert result.exit_code == 0 and result.errors() == [], result.messages
    return result.rows


def test_family_with_three_versions_promotion_rollback_history(splunkd):
    for n in (1, 2, 3):
        ok(spl(splunkd, "action=register", "model=Horno4_AE", "version=v%d" % n, "tags=kiln4"))
    ok(spl(splunkd, "action=promote", "model=Horno4_AE", "version=v2", "alias=production", "reason=go-live"))
    moved = ok(spl(splunkd, "action=promote", "model=Horno4_AE", "version=v3", "alias=production"))
    assert (moved[0]["from_version"], moved[0]["version"]) == ("v2", "v3")
    rows = ok(spl(splunkd, "model=Horno4_AE"))
    assert [(r["version"], r["aliases"]) for r in rows] == [("v1", ""), ("v2", ""), ("v3", "production")]
    ok(spl(splunkd, "action=promote", "model=Horno4_AE", "version=v1", "alias=staging"))
    ok(spl(splunkd, "action=promote", "model=Horno4_AE", "version=v1", "alias=champion"))
    multi = ok(spl(splunkd, "model=Horno4_AE", "version=v1"))  # version= is ignored by list; aliases are multivalue
    assert multi[0]["aliases"] == ["champion", "staging"]
    back = ok(spl(splunkd, "action=rollback", "model=Horno4_AE", "alias=production", "reason=false alarms"))
    assert back[0]["version"] == "v2"
    resolved = ok(spl(splunkd, "action=resolve", "model=Horno4_AE", "alias=production"))
    assert len(resolved) == 1 and resolved[0]["dsdl_model"] == "Horno4_AE_v2"
    history = ok(spl(splunkd, "action=history", "model=Horno4_AE", "alias=production"))
    assert [(h["action"], h["from_version"], h["to_version"], h["actor"], h["reason"]) for h in history] == [
        ("promote", "", "v2", "ana", "go-live"), ("promote", "v2", "v3", "ana", ""),
        ("rollback", "v3", "v2", "ana", "false alarms")]


def test_readers_read_but_cannot_change(splunkd):
    ok(spl(splunkd, "action=register", "model=Horno4_AE", "version=v1"))
    assert len(ok(spl(splunkd, key=READER))) == 1
    before = splunkd.kv.snapshot()
    result = spl(splunkd, "action=promote", "model=Horno4_AE", "version=v1", "alias=production", key=READER)
    assert result.exit_code != 0
    assert result.errors() == ["modelregistry: changing the registry needs the edit_modelops_registry capability "
                               "(role modelops_admin); reading it does not"]
    assert splunkd.kv.snapshot() == before


@pytest.mark.parametrize("args, message", [
    (["action=promote", "model=Horno4_AE", "version=v1"], "modelregistry: action=promote needs alias="),
    (["action=rollback", "model=Horno4_AE", "alias=production"],
     "modelregistry: model Horno4_AE has no alias production to roll back"),
    (["action=promote", 'model={"$gt": ""}', "version=v1", "alias=production"], "model must be a family name"),
    (["action=resolve", 'model=x" OR "1"="1', "alias=production"], "model must be a family name"),
    (["action=register", "model=Horno4_AE", "version=latest"], "version must look like v3, not 'latest'"),
    (["action=history"], "modelregistry: action=history needs model="),
])
def test_bad_requests_are_one_sentence_and_change_nothing(splunkd, args, message):
    ok(spl(splunkd, "action=register", "model=Horno4_AE", "version=v1"))
    before = splunkd.kv.snapshot()
    result = spl(splunkd, *args)
    assert result.exit_code != 0 and len(result.errors()) == 1
    assert message in result.errors()[0] and "Traceback" not in result.errors()[0]
    assert splunkd.kv.snapshot() == before


def test_unknown_action_is_refused_by_the_option_contract(splunkd):
    assert spl(splunkd, "action=delete").errors() == ["Illegal value: action=delete"]


def fit_run(name, run_id, indextime, **extra):
    event = {"schema_version": 1, "event_type": "fit_run", "status": "ok", "model_name": name, "run_id": run_id,
             "started_at": indextime - 10, "metrics": {"loss": 0.1}, "user": "luis", **extra}
    return {"_raw": json.dumps(event), "_indextime": str(indextime)}


def test_sync_registers_fits_once_and_remembers_where_it_stopped(splunkd):
    splunkd.exported.extend([fit_run("Horno4_AE_v1", "r1", 1000), fit_run("Horno4_AE_v2", "r2", 1005)])
    first = ok(spl(splunkd, "action=sync", key=READER))  # the scheduler's sync needs no capability
    assert (first[0]["registered"], first[0]["until_indextime"]) == ("2", "1005.0")
    again = ok(spl(splunkd, "action=sync"))
    assert again[0]["registered"] == "0"
    splunkd.exported.append(fit_run("Horno4_AE_v3", "r3", 1010))
    third = ok(spl(splunkd, "action=sync"))
    assert (third[0]["registered"], third[0]["fit_runs"]) == ("1", "2")  # inclusive watermark: 1005 and 1010
    versions = ok(spl(splunkd, "model=Horno4_AE"))
    assert [(v["version"], v["created_by"], v["run_id"]) for v in versions] == [
        ("v1", "luis", "r1"), ("v2", "luis", "r2"), ("v3", "luis", "r3")]
    export = [r for r in splunkd.requests if r.path.endswith("/search/jobs/export")][-1]
    assert "_index_earliest=1005" in export.form["search"] and "`modelops_index`" in export.form["search"]


def test_without_splunkd_access_it_says_so():
    result = harness.run("modelregistry.py", [], [])
    assert result.errors() == ["modelregistry: this command needs splunkd's REST API, which this search did not "
                               "provide"]


def test_sync_skips_malformed_fit_runs_counts_them_once_and_moves_on(splunkd):
    # Each of these used to crash the sync before its watermark moved, so every later sync crashed too.
    bad = [
        {"_raw": "[1, 2, 3]", "_indextime": "1001"},                                    # JSON, not an object
        {"_raw": "not json at all", "_indextime": "1002"},                              # not JSON
        {"_raw": json.dumps({"event_type": "fit_run", "status": "ok", "model_name": 42}), "_indextime": "1003"},
        {"_raw": json.dumps({"event_type": "fit_run", "status": "ok", "model_name": ["Horno4_AE_v9"]}),
         "_indextime": "1004"},
        fit_run("Horno4_AE_v2", "r2b", 1006, started_at="yesterday"),                  # started_at text
    ]
    good = [fit_run("Horno4_AE_v1", "r1", 1000), fit_run("Horno4_AE_v2", "r2", 1005),
            fit_run("Horno4_AE_v3", "r3", 1007, started_at="997")]                      # numeric text is a number
    splunkd.exported.extend(good[:1] + bad + good[1:])
    result = spl(splunkd, "action=sync")
    assert result.exit_code == 0 and result.errors() == [], result.messages
    row = result.rows[0]
    assert (row["registered"], row["skipped"], row["fit_runs"], row["until_indextime"]) == ("3", "5", "8", "1007.0")
    warnings = [text for level, text in result.messages if level == "WARN"]
    assert len(warnings) == 1 and warnings[0].startswith("modelregistry: sync skipped 5 malformed fit_run events")
    assert "started_at is not a number" in warnings[0] and "raw text is not a JSON object" in warnings[0]
    versions = ok(spl(splunkd, "model=Horno4_AE"))
    assert [(v["version"], v["run_id"]) for v in versions] == [("v1", "r1"), ("v2", "r2"), ("v3", "r3")]
    again = ok(spl(splunkd, "action=sync"))  # the watermark moved past the bad events: only 1007 is re-read
    assert (again[0]["fit_runs"], again[0]["registered"], again[0]["skipped"]) == ("1", "0", "0")


def test_preview_says_what_promote_and_rollback_would_do_and_changes_nothing(splunkd):
    # The registry dashboard's links open these previews, so a click never moves production by itself.
    for n in (1, 2):
        ok(spl(splunkd, "action=register", "model=Horno4_AE", "version=v%d" % n))
    ok(spl(splunkd, "action=promote", "model=Horno4_AE", "version=v1", "alias=production"))
    before = ok(spl(splunkd, "action=history", "model=Horno4_AE"))
    promote = ok(spl(splunkd, "action=promote", "model=Horno4_AE", "version=v2", "alias=production", "preview=true"))
    assert (promote[0]["from_version"], promote[0]["version"], promote[0]["changed"], promote[0]["preview"]) == (
        "v1", "v2", "0", "1")
    assert "nothing changed" in promote[0]["message"]
    archived = spl(splunkd, "action=rollback", "model=Horno4_AE", "alias=production", "preview=true")
    assert "no earlier version" in archived.errors()[0]
    assert ok(spl(splunkd, "action=history", "model=Horno4_AE")) == before
    resolved = ok(spl(splunkd, "action=resolve", "model=Horno4_AE", "alias=production"))
    assert resolved[0]["version"] == "v1"
    refused = spl(splunkd, "action=archive", "model=Horno4_AE", "version=v2", "preview=true")
    assert "preview=true works with action=promote or action=rollback" in refused.errors()[0]
