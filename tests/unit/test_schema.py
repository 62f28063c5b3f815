import copy

import pytest

from modelops import schema


@pytest.mark.parametrize("name, expected", [
    ("Horno4_AE_v3", ("Horno4_AE", "v3")),
    ("Horno4_AE_v03", ("Horno4_AE", "v3")),
    ("mill_rf_V12", ("mill_rf", "v12")),
    ("Horno4_AE", ("Horno4_AE", "v0")),
    ("v3", ("v3", "v0")),
    ("kiln_v2_shadow", ("kiln_v2_shadow", "v0")),
    ("_v7", ("_v7", "v0")),
    ("a_v1_v2", ("a_v1", "v2")),
])
def test_parse_model_name(name, expected):
    assert schema.parse_model_name(name) == expected


@pytest.mark.parametrize("bad", ["", None, 3])
def test_parse_model_name_rejects_non_names(bad):
    with pytest.raises(ValueError):
        schema.parse_model_name(bad)


def common(event_type):
    return {"schema_version": 1, "event_type": event_type, "event_id": "0123456789abcdef0123456789abcdef",
            "model_name": "Horno4_AE_v3", "model_family": "Horno4_AE", "model_version": "v3", "run_id": "r1",
            "algo": "autoencoder", "user": "ana", "host": "dsdl-dev", "container_image": "golden-cpu:5.2.4",
            "client_version": "0.1.0"}


VALID = {
    "fit_run": dict(common("fit_run"), status="ok", error=None, started_at=1.7e9, duration_s=12.5, n_rows=1000,
                    n_features=3, features=["a", "b", "c"], target=None, params={"epochs": 5},
                    metrics={"loss": 0.1, "anomaly_rate": 0.02}, prediction_summary={}, code_hash="abc"),
    "training_step": dict(common("training_step"), epoch=3, step=None, metrics={"loss": 0.2, "val_loss": 0.3}),
    "metrics": dict(common("metrics"), metrics={"r2": 0.91}),
    "profile": dict(common("profile"), role="reference", feature="temp", kind="numeric", n=10, n_null=1,
                    edges=[0.0, 1.0, 2.5], counts=[4, 6], mean=1.2, std=0.5, min=0.0, max=2.5),
    "profile_categorical": dict(common("profile"), role="current", feature="shift", kind="categorical", n=5,
                                n_null=0, categories=["A", "B"], counts=[2, 3]),
    "registry_change": dict(common("registry_change"), action="promote", alias="production",
                            from_version="v2", to_version="v3", actor="admin", reason="better f1"),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_events_have_no_problems(name):
    assert schema.validate_event(VALID[name]) == []


@pytest.mark.parametrize("name, change, problem", [
    ("fit_run", {"schema_version": 2}, "schema_version must be 1"),
    ("fit_run", {"event_id": "XYZ"}, "event_id must be 32 lowercase hex"),
    ("fit_run", {"event_type": "train"}, "event_type must be one of"),
    ("fit_run", {"model_family": ""}, "model_family must be a non-empty string"),
    ("fit_run", {"status": "done"}, "status must be one of ok, error"),
    ("fit_run", {"status": "error"}, "an error run must say its error"),
    ("fit_run", {"duration_s": -1}, "duration_s must be a non-negative number"),
    ("fit_run", {"n_rows": 1.5}, "n_rows must be a non-negative integer"),
    ("fit_run", {"metrics": {"r2": "high"}}, "metric 'r2' must be a finite number"),
    ("fit_run", {"metrics": {"r2": float("nan")}}, "metric 'r2' must be a finite number"),
    ("fit_run", {"params": []}, "params must be an object"),
    ("training_step", {"epoch": -1}, "epoch must be a non-negative integer"),
    ("training_step", {"metrics": {}}, "metrics must not be empty"),
    ("profile", {"edges": [0.0, 2.0, 1.0]}, "non-decreasing"),
    ("profile", {"counts": [4, 5]}, "counts must add up to n"),
    ("profile", {"counts": [10]}, "k-1 counts"),
    ("profile", {"role": "baseline"}, "role must be one of"),
    ("profile_categorical", {"categories": ["A"]}, "same length"),
    ("registry_change", {"actor": ""}, "actor must be a non-empty string"),
    ("registry_change", {"action": "delete"}, "action must be one of"),
])
def test_invalid_events_name_their_problem(name, change, problem):
    event = copy.deepcopy(VALID[name])
    event.update(change)
    problems = schema.validate_event(event)
    assert any(problem in p for p in problems), problems


def test_non_objects_are_invalid():
    assert schema.validate_event([1, 2]) == ["an event must be a JSON object"]


def test_event_ids_are_unique_hex():
    ids = {schema.new_event_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_hec_envelope():
    envelope = schema.hec_envelope(VALID["metrics"], time=1700000000.1234567, host="h1")
    assert envelope == {"time": 1700000000.123457, "host": "h1", "source": "modelops:metrics",
                        "sourcetype": "dsdl:modelops", "index": "ml_metrics", "event": VALID["metrics"]}


def test_every_registry_action_is_a_valid_registry_change():
    # restore once failed here: the registry knew it and the schema did not.
    from modelops.registry.core import ACTIONS

    assert set(ACTIONS) == set(schema.REGISTRY_ACTIONS)
    for action in ACTIONS:
        event = dict(common("registry_change"), action=action, alias=None, from_version="v2", to_version="v2",
                     actor="ana", reason=None)
        assert schema.validate_event(event) == [], action


def test_modelregistry_syntax_lists_exactly_the_registry_actions():
    import configparser
    import os
    import re

    from modelops.registry.actions import READ_ACTIONS, WRITE_ACTIONS

    conf = configparser.ConfigParser(interpolation=None)
    conf.read(os.path.join(os.path.dirname(__file__), "..", "..", "default", "searchbnf.conf"))
    listed = re.search(r"action=([a-z_|]+)", conf["modelregistry-command"]["syntax"]).group(1).split("|")
    assert sorted(listed) == sorted(READ_ACTIONS + WRITE_ACTIONS)


def test_a_restore_from_a_notebook_sends_a_valid_registry_change(tmp_path, monkeypatch):
    from modelops.client.registry import open_registry
    from modelops.client.telemetry import client as client_module
    from modelops.client.telemetry.client import Telemetry
    from modelops.client.telemetry.config import TelemetryConfig
    from tests.telemetry_fakes import CollectingSender

    sender = CollectingSender()
    monkeypatch.setattr(client_module, "_default", Telemetry(TelemetryConfig(spool_dir=str(tmp_path / "s")),
                                                             sender=sender))
    reg = open_registry("sqlite:///" + str(tmp_path / "r.db"), actor="ana")
    reg.register("Horno4_AE", "v1")
    reg.archive("Horno4_AE", "v1", reason="superseded")
    reg.restore("Horno4_AE", "v1", reason="needed again")
    changes = sender.events("registry_change")
    assert [e["action"] for e in changes] == ["register", "archive", "restore"]
    assert [schema.validate_event(e) for e in changes] == [[], [], []]
