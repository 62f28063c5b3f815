"""The modelops_rollback alert action run as splunkd runs it: `python3 bin/modelops_rollback.py --execute`,
the JSON payload on stdin, a gzipped CSV results file, against the splunkd stand-in's KV store."""

import csv
import gzip
import json
import os
import subprocess

import pytest

from modelops.client.rest import HttpRest
from modelops.registry.core import Registry
from modelops.registry.kvstore import KVStore
from modelops.schema import validate_event
from tests.protocol import harness
from tests.splunkd_server import FakeSplunkd, KVEmulator, serve_capabilities, serve_receiver

COLLECTIONS = ("modelops_versions", "modelops_aliases", "modelops_history", "modelops_state")
ADMIN, READER = "admin-key", "reader-key"
SCRIPT = os.path.join(harness.BIN, "modelops_rollback.py")


@pytest.fixture
def splunkd():
    with FakeSplunkd(session_key=ADMIN, accepted_keys=[READER]) as server:
        server.kv = KVEmulator(server, COLLECTIONS)
        serve_capabilities(server, {ADMIN: ["edit_modelops_registry"], READER: ["search"]})
        server.indexed = []
        serve_receiver(server, server.indexed)
        registry = Registry(KVStore(HttpRest(server.uri, ADMIN)), actor="ana")
        for family in ("Horno4_AE", "Horno5_AE"):
            for n in (1, 2, 3):
                registry.register(family, "v%d" % n)
        for version in ("v1", "v2", "v3"):
            registry.promote("Horno4_AE", version, "production", reason="release")
        registry.promote("Horno5_AE", "v2", "production")  # no earlier version: nothing to roll back to
        server.registry = registry
        yield server


def results_file(tmp_path, rows, name="results.csv.gz"):
    path = tmp_path / name
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def alert(server, results, key=ADMIN, owner="ops_bot", payload=None, python=None, **configuration):
    body = {"app": "dsdl_modelops", "owner": owner, "session_key": key, "server_uri": server.uri,
            "server_host": "sh1", "sid": "scheduler__ops_bot__RMD5abc_at_1735689600_42",
            "search_name": "ModelOps - Quality below threshold", "results_file": results,
            "results_link": "http://sh1:8000/app/search/@go?sid=x", "result": {},
            "configuration": configuration}
    # -I -S: Splunk's own Python has none of our dev packages; the script must stand on bin/ alone
    done = subprocess.run([python or harness.COMMAND_PYTHON, "-I", "-S", "-B", SCRIPT, "--execute"],
                          input=payload or json.dumps(body),
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    lines = done.stderr.splitlines()
    assert all(line.split(" ", 1)[0] in ("INFO", "WARN", "ERROR", "FATAL") for line in lines), done.stderr
    assert "Traceback" not in done.stderr
    return done.returncode, lines


def production(server, family):
    return server.registry.resolve(family, "production")["version"]


def test_rolls_back_each_family_in_the_results_once_records_who_and_why(splunkd, tmp_path):
    results = results_file(tmp_path, [{"model_family": "Horno4_AE", "metric": "f1"},
                                      {"model_family": "Horno4_AE", "metric": "recall"}])
    code, lines = alert(splunkd, results)
    assert code == 0, lines
    assert production(splunkd, "Horno4_AE") == "v2"
    last = splunkd.registry.history("Horno4_AE", "production")[-1]
    assert (last["action"], last["from_version"], last["to_version"], last["actor"]) == ("rollback", "v3", "v2",
                                                                                        "ops_bot")
    assert "ModelOps - Quality below threshold" in last["reason"]
    assert "scheduler__ops_bot__RMD5abc_at_1735689600_42" in last["reason"]
    assert lines[0].startswith("INFO modelops_rollback - Horno4_AE alias production: rolled back v3 -> v2 by ops_bot")
    assert len(splunkd.indexed) == 1  # one family, one change, one event
    sent = splunkd.indexed[0]
    assert (sent["index"], sent["sourcetype"], sent["source"]) == ("ml_metrics", "dsdl:modelops",
                                                                   "modelops:registry_change")
    event = json.loads(sent["raw"])
    assert validate_event(event) == []
    assert (event["action"], event["from_version"], event["to_version"], event["actor"]) == ("rollback", "v3", "v2",
                                                                                            "ops_bot")


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_runs_on_the_pythons_splunk_ships(splunkd, tmp_path, version):
    from tests.pythons import interpreter

    code, lines = alert(splunkd, results_file(tmp_path, [{"model_family": "Horno4_AE"}]), python=interpreter(version))
    assert code == 0 and production(splunkd, "Horno4_AE") == "v2", lines


def test_same_move_as_modelregistry_action_rollback(splunkd, tmp_path):
    with FakeSplunkd(session_key=ADMIN) as other:
        other.kv = KVEmulator(other, COLLECTIONS)
        other.kv.data = json.loads(splunkd.kv.snapshot())
        serve_capabilities(other, {ADMIN: ["edit_modelops_registry"]})
        done = harness.run("modelregistry.py", ["action=rollback", "model=Horno4_AE", "alias=production"], [],
                           searchinfo_overrides={"splunkd_uri": other.uri, "session_key": ADMIN, "username": "ops_bot"})
        assert done.errors() == []
        code, _ = alert(splunkd, results_file(tmp_path, [{"model_family": "Horno4_AE"}]))
        assert code == 0

        def state(kv):
            aliases = {k: v["version"] for k, v in kv.data["modelops_aliases"].items()}
            moves = sorted((h["time"], h["action"], h["from_version"], h["to_version"], h["actor"])
                           for h in kv.data["modelops_history"].values())
            return aliases, [m[1:] for m in moves]

        assert state(splunkd.kv) == state(other.kv)


def test_guard_rails_no_previous_version_and_cooldown(splunkd, tmp_path):
    results = results_file(tmp_path, [{"model_family": "Horno4_AE"}, {"model_family": "Horno5_AE"}])
    code, lines = alert(splunkd, results)
    assert code == 0 and production(splunkd, "Horno4_AE") == "v2" and production(splunkd, "Horno5_AE") == "v2"
    assert ("WARN modelops_rollback - Horno5_AE alias production: no change: alias production of Horno5_AE has "
            "no earlier version to roll back to") in lines
    before = splunkd.kv.snapshot()
    code, lines = alert(splunkd, results)  # the alert fires again within the cooldown: no flapping
    assert code == 0 and splunkd.kv.snapshot() == before
    assert any(line.startswith("WARN modelops_rollback - Horno4_AE alias production: no change: cooldown, an "
                               "automatic rollback v3 -> v2 happened 0.0 h ago") for line in lines), lines
    for entry in splunkd.kv.data["modelops_history"].values():  # 25 h later: the cooldown is over
        entry["time"] -= 25 * 3600
    code, lines = alert(splunkd, results)
    assert code == 0 and production(splunkd, "Horno4_AE") == "v3", lines  # rollback undoes the last move


def test_owner_without_the_capability_changes_nothing(splunkd, tmp_path):
    before = splunkd.kv.snapshot()
    code, lines = alert(splunkd, results_file(tmp_path, [{"model_family": "Horno4_AE"}]), key=READER, owner="luis")
    assert code == 1 and splunkd.kv.snapshot() == before and splunkd.indexed == []
    assert lines == ["ERROR modelops_rollback - refused: alert 'ModelOps - Quality below threshold' (sid "
                     "scheduler__ops_bot__RMD5abc_at_1735689600_42) belongs to luis, who lacks the "
                     "edit_modelops_registry capability; nothing changed"]


def test_dry_run_only_logs(splunkd, tmp_path):
    before = splunkd.kv.snapshot()
    code, lines = alert(splunkd, results_file(tmp_path, [{"family": "Horno4_AE"}]), model_field="family",
                        dry_run="1")
    assert code == 0 and splunkd.kv.snapshot() == before and splunkd.indexed == []
    assert lines[0].startswith("INFO modelops_rollback - Horno4_AE alias production: dry run: would roll back "
                               "v3 -> v2")


def test_an_event_the_owner_cannot_index_still_leaves_the_history(splunkd, tmp_path):
    splunkd.receiver_refused.add(ADMIN)
    code, lines = alert(splunkd, results_file(tmp_path, [{"model_family": "Horno4_AE"}]))
    assert code == 0 and production(splunkd, "Horno4_AE") == "v2"
    assert lines[-1] == ("WARN modelops_rollback - registry_change event for Horno4_AE alias production not indexed "
                         "in ml_metrics (HTTP 403); the registry history holds the record")


@pytest.mark.parametrize("payload, configuration, message, status", [
    ("not json", {}, "ERROR modelops_rollback - the payload on stdin is not JSON", 2),
    (None, {"model_field": "kiln"}, "the alert's results have no field 'kiln' (param.model_field); nothing changed", 1),
    (None, {"cooldown_hours": "soon"}, "param.cooldown_hours must be a number of hours, not 'soon'", 1),
    (None, {"dry_run": "maybe"}, "param.dry_run must be 1 or 0, not 'maybe'", 1),
    (None, {"alias": "Prod!"}, "alias must be 1-64 lowercase letters", 1),
])
def test_bad_configuration_is_one_logged_line_and_no_change(splunkd, tmp_path, payload, configuration, message,
                                                            status):
    before = splunkd.kv.snapshot()
    code, lines = alert(splunkd, results_file(tmp_path, [{"model_family": "Horno4_AE"}]), payload=payload,
                        **configuration)
    assert code == status and splunkd.kv.snapshot() == before
    assert len(lines) == 1 and message in lines[0], lines


def test_unreadable_results_file_is_refused_in_one_line(splunkd, tmp_path):
    broken = tmp_path / "results.csv.gz"
    broken.write_bytes(b"not gzip")
    code, lines = alert(splunkd, str(broken))
    assert code == 1 and len(lines) == 1 and "cannot read the alert's results file" in lines[0]
