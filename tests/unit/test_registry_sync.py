"""Registry.sync on malformed fit_run events, and on_change hearing only committed changes (SQLite)."""

import pytest

from modelops.errors import ModelOpsError
from modelops.registry.core import Registry
from modelops.registry.sqlite_store import SQLiteStore


@pytest.fixture
def registry(tmp_path):
    return Registry(SQLiteStore(str(tmp_path / "r.db")), actor="ana")


def fit(name, started, **extra):
    return dict({"event_type": "fit_run", "status": "ok", "model_name": name, "started_at": started,
                 "run_id": "r-%s-%s" % (name, started)}, **extra)


def test_bad_events_are_skipped_with_reasons_good_ones_registered(registry):
    registry.register("K_AE", "v1", dsdl_model="K_AE_v1")
    rejected = []
    events = [
        "plain text", [1, 2], None, 7,                                       # not JSON objects
        fit(42, 1), fit({"a": 1}, 1),                                        # model_name not a string
        fit("K_AE_v2", "noon"), fit("K_AE_v2", [1]), fit("K_AE_v2", True),   # started_at not a number
        fit("K_AE_v9", 5, model_family={"$gt": ""}),                         # family the registry cannot hold
        fit("Other_v1", 5, model_family="K_AE", model_version="v1"),         # K_AE v1 is another DSDL model
        fit("K_AE_v2", 100), fit("K_AE_v2", "50"), fit("K_AE_v3", 7.5, params=[1], metrics="x", algo=3),
    ]
    assert registry.sync(events, rejected) == (2, 0)
    assert len(rejected) == 11
    assert "model K_AE already has version v1 (DSDL model K_AE_v1)" in rejected
    assert rejected.count("raw text is not a JSON object") == 4
    assert rejected.count("model_name is not a non-empty string") == 2
    assert rejected.count("started_at is not a number") == 3
    v2 = registry.get_version("K_AE", "v2")
    assert (v2["created_at"], v2["run_id"]) == (50.0, "r-K_AE_v2-100")  # first fit creates, last describes
    v3 = registry.get_version("K_AE", "v3")
    assert (v3["params"], v3["metrics"], v3["algo"]) == ({}, {}, "")  # wrong types are dropped, not stored
    assert registry.get_version("K_AE", "v1")["dsdl_model"] == "K_AE_v1"


def test_on_change_hears_committed_changes_only(tmp_path):
    heard = []
    store = SQLiteStore(str(tmp_path / "r.db"))
    registry = Registry(store, actor="ana", on_change=heard.append)
    registry.register("K_AE", "v1")
    registry.promote("K_AE", "v1", "production")
    assert [e["action"] for e in heard] == ["register", "promote"]

    def failing_put_alias(doc):
        raise OSError("disk full")

    original = store.put_alias
    store.put_alias = failing_put_alias
    registry.register("K_AE", "v2")
    with pytest.raises(OSError):
        registry.promote("K_AE", "v2", "production")
    store.put_alias = original
    assert [e["action"] for e in heard] == ["register", "promote", "register"]
    assert registry.resolve("K_AE", "production")["version"] == "v1"
    with pytest.raises(ModelOpsError, match="has no earlier version"):
        registry.rollback("K_AE", "production")
    assert len(registry.history("K_AE")) == 3  # the failed promotion left no history entry
