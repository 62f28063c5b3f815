"""One contract, two stores: the same registry scenarios on SQLite and on the KV store (through a
local server that follows the KV store's documented REST semantics)."""

import itertools
import json
import threading

import pytest

from modelops.client.registry import open_registry
from modelops.client.rest import HttpRest
from modelops.errors import ModelOpsError
from modelops.registry.core import Registry
from modelops.registry.kvstore import KVStore
from modelops.registry.sqlite_store import SQLiteStore
from tests.splunkd_server import FakeSplunkd, KVEmulator

COLLECTIONS = ("modelops_versions", "modelops_aliases", "modelops_history", "modelops_state")


class Clock:
    def __init__(self):
        self.counter = itertools.count(1)

    def __call__(self):
        return 1_700_000_000.0 + next(self.counter)


@pytest.fixture(params=["sqlite", "kvstore"])
def backend(request, tmp_path):
    if request.param == "sqlite":
        store = SQLiteStore(str(tmp_path / "registry.db"))
        yield store, (lambda: json.dumps(_dump_sqlite(store), sort_keys=True))
    else:
        with FakeSplunkd() as splunkd:
            kv = KVEmulator(splunkd, COLLECTIONS)
            store = KVStore(HttpRest(splunkd.uri, splunkd.session_key), page=3)  # small pages: paging is exercised
            yield store, kv.snapshot


def _dump_sqlite(store):
    return {"versions": store.list_versions(), "aliases": store.list_aliases(),
            "history": [store.list_history(f) for f in sorted({v["family"] for v in store.list_versions()})]}


@pytest.fixture
def registry(backend):
    store, _ = backend
    return Registry(store, actor="ana", clock=Clock())


def three_versions(reg):
    for n in (1, 2, 3):
        reg.register("Horno4_AE", "v%d" % n, description="autoencoder %d" % n, tags="kiln4")


def test_register_list_and_resolve(registry):
    three_versions(registry)
    registry.promote("Horno4_AE", "v2", "production", reason="first go-live")
    rows = registry.list_versions("Horno4_AE")
    assert [(r["version"], r["dsdl_model"], r["aliases"]) for r in rows] == [
        ("v1", "Horno4_AE_v1", []), ("v2", "Horno4_AE_v2", ["production"]), ("v3", "Horno4_AE_v3", [])]
    assert registry.resolve("Horno4_AE", "production")["dsdl_model"] == "Horno4_AE_v2"
    assert [r["version"] for r in registry.list_versions(alias="production")] == ["v2"]
    assert rows[0]["created_by"] == "ana" and rows[0]["tags"] == ["kiln4"]


def test_promote_rollback_and_history(registry):
    three_versions(registry)
    registry.promote("Horno4_AE", "v1", "production")
    registry.promote("Horno4_AE", "v2", "production", reason="better f1")
    registry.promote("Horno4_AE", "v3", "production")
    assert registry.rollback("Horno4_AE", "production", reason="false alarms")["version"] == "v2"
    assert registry.resolve("Horno4_AE", "production")["version"] == "v2"
    # rolling back again undoes the rollback itself (the last move)
    assert registry.rollback("Horno4_AE", "production")["version"] == "v3"
    moves = [(e["action"], e["from_version"], e["to_version"], e["reason"])
             for e in registry.history("Horno4_AE", "production")]
    assert moves == [("promote", "", "v1", ""), ("promote", "v1", "v2", "better f1"), ("promote", "v2", "v3", ""),
                     ("rollback", "v3", "v2", "false alarms"), ("rollback", "v2", "v3", "")]
    assert [e["action"] for e in registry.history("Horno4_AE")][:3] == ["register"] * 3


def test_promoting_to_the_same_version_changes_nothing(registry):
    three_versions(registry)
    registry.promote("Horno4_AE", "v1", "staging")
    assert registry.promote("Horno4_AE", "v1", "staging")["changed"] is False
    assert len(registry.history("Horno4_AE", "staging")) == 1


def test_archive_restore_tag_and_delete_alias(registry):
    three_versions(registry)
    registry.promote("Horno4_AE", "v3", "production")
    with pytest.raises(ModelOpsError, match="v3 of Horno4_AE is behind alias production; move the alias first"):
        registry.archive("Horno4_AE", "v3")
    registry.archive("Horno4_AE", "v1", reason="superseded")
    assert [r["version"] for r in registry.list_versions("Horno4_AE", status="archived")] == ["v1"]
    with pytest.raises(ModelOpsError, match="archived; restore it before promoting"):
        registry.promote("Horno4_AE", "v1", "staging")
    registry.restore("Horno4_AE", "v1")
    assert registry.tag("Horno4_AE", "v1", "shadow, -kiln4")["tags"] == ["shadow"]
    registry.delete_alias("Horno4_AE", "production", reason="maintenance")
    with pytest.raises(ModelOpsError, match="has no alias production"):
        registry.resolve("Horno4_AE", "production")
    assert [e["action"] for e in registry.history("Horno4_AE")][-4:] == ["archive", "restore", "tag", "delete_alias"]


@pytest.mark.parametrize("call, message", [
    (lambda r: r.promote("Horno4_AE", "v9", "production"), "model Horno4_AE has no version v9; register it first"),
    (lambda r: r.rollback("Horno4_AE", "production"), "has no alias production to roll back"),
    (lambda r: r.promote("Horno4_AE", "v1", "Prod!"), "alias must be 1-64 lowercase letters"),
    (lambda r: r.promote('{"$gt": ""}', "v1", "production"), "model must be a family name"),
    (lambda r: r.resolve('x" OR "1"="1', "production"), "model must be a family name"),
    (lambda r: r.register("Horno4_AE", "latest"), "version must look like v3"),
    (lambda r: r.register("Horno4_AE", "v1", dsdl_model="other_model"), "already has version v1"),
    (lambda r: r.register("Horno4_AE", "v4", description="two\nlines"), "description must be one line"),
    (lambda r: r.tag("Horno4_AE", "v1", "bad tag"), "tags must be letters"),
    (lambda r: r.list_versions(status="deleted"), "status must be active or archived"),
])
def test_bad_requests_leave_the_registry_unchanged(backend, call, message):
    store, snapshot = backend
    reg = Registry(store, actor="ana", clock=Clock())
    three_versions(reg)
    before = snapshot()
    with pytest.raises(ModelOpsError, match=message.replace("(", r"\(")) as error:
        call(reg)
    assert "\n" not in str(error.value)
    assert snapshot() == before


def test_rollback_without_an_earlier_version_is_refused(registry):
    three_versions(registry)
    registry.promote("Horno4_AE", "v1", "production")
    with pytest.raises(ModelOpsError, match="alias production of Horno4_AE has no earlier version to roll back to"):
        registry.rollback("Horno4_AE", "production")


def test_sync_registers_seen_versions_idempotently(registry):
    events = [
        {"event_type": "fit_run", "status": "ok", "model_name": "Molino_RF_v1", "run_id": "a", "started_at": 1.0,
         "metrics": {"r2": 0.8}, "algo": "rf", "user": "luis"},
        {"event_type": "fit_run", "status": "ok", "model_name": "Molino_RF_v2", "run_id": "b", "started_at": 2.0},
        {"event_type": "fit_run", "status": "ok", "model_name": "Molino_RF_v1", "run_id": "c", "started_at": 3.0,
         "metrics": {"r2": 0.85}},
        {"event_type": "fit_run", "status": "error", "model_name": "Molino_RF_v3", "run_id": "d"},
        {"event_type": "fit_run", "status": "ok", "model_name": "bad name!", "run_id": "e"},
    ]
    assert registry.sync(events) == (2, 0)
    v1 = registry.get_version("Molino_RF", "v1")
    assert (v1["run_id"], v1["metrics"], v1["created_by"]) == ("c", {"r2": 0.85}, "luis")
    assert registry.sync(events) == (0, 0)
    assert registry.sync([dict(events[1], run_id="f", metrics={"r2": 0.9})]) == (0, 1)
    assert registry.get_version("Molino_RF", "v2")["metrics"] == {"r2": 0.9}
    assert len([e for e in registry.history("Molino_RF") if e["action"] == "register"]) == 2


def test_concurrent_promotions_never_lose_history(backend):
    store, _ = backend
    reg = Registry(store, actor="setup", clock=Clock())
    for n in range(1, 9):
        reg.register("Horno4_AE", "v%d" % n)
    errors = []

    def promote(n):
        try:
            Registry(store, actor="user%d" % n).promote("Horno4_AE", "v%d" % n, "production")
        except Exception as error:  # pragma: no cover - shows in the assertion
            errors.append(error)

    threads = [threading.Thread(target=promote, args=(n,)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    moves = reg.history("Horno4_AE", "production")
    assert sorted(e["to_version"] for e in moves) == ["v%d" % n for n in range(1, 9)]
    assert reg.resolve("Horno4_AE", "production")["version"] in {e["to_version"] for e in moves}


def test_paging_past_one_page(backend):
    store, _ = backend
    reg = Registry(store, actor="ana", clock=Clock())
    for n in range(1, 11):
        reg.register("Horno4_AE", n)
    assert [r["version"] for r in reg.list_versions("Horno4_AE")] == ["v%d" % n for n in range(1, 11)]


def test_open_registry_urls(tmp_path, monkeypatch):
    reg = open_registry("sqlite:///" + str(tmp_path / "a.db"), telemetry=False)
    reg.register("Horno4_AE", "v1")
    monkeypatch.setenv("MODELOPS_REGISTRY", "sqlite:///" + str(tmp_path / "a.db"))
    assert open_registry(telemetry=False).list_versions()[0]["version"] == "v1"  # from MODELOPS_REGISTRY
    monkeypatch.chdir(tmp_path)
    assert open_registry("sqlite:///relative.db").list_versions() == []
    assert (tmp_path / "relative.db").exists()
    with pytest.raises(ModelOpsError, match="registry URL must be sqlite"):
        open_registry("postgres://x")
    with pytest.raises(ModelOpsError, match="no Splunk REST access configured"):
        open_registry("splunk", env={})


def test_notebook_changes_are_reported_as_registry_change_events(tmp_path, monkeypatch):
    from modelops.client.telemetry import client as client_module
    from modelops.client.telemetry.client import Telemetry
    from modelops.client.telemetry.config import TelemetryConfig
    from modelops.schema import validate_event
    from tests.telemetry_fakes import CollectingSender

    sender = CollectingSender()
    monkeypatch.setattr(client_module, "_default", Telemetry(TelemetryConfig(spool_dir=str(tmp_path / "s")),
                                                             sender=sender))
    reg = open_registry("sqlite:///" + str(tmp_path / "r.db"), actor="ana")
    reg.register("Horno4_AE", "v1")
    reg.register("Horno4_AE", "v2")
    reg.promote("Horno4_AE", "v1", "production")
    reg.promote("Horno4_AE", "v2", "production", reason="better f1")
    reg.rollback("Horno4_AE", "production")
    events = sender.events("registry_change")
    assert [(e["action"], e["from_version"], e["to_version"]) for e in events] == [
        ("register", None, "v1"), ("register", None, "v2"), ("promote", None, "v1"), ("promote", "v1", "v2"),
        ("rollback", "v2", "v1")]
    assert all(validate_event(e) == [] for e in events)
    assert (events[3]["reason"], events[3]["actor"], events[3]["model_name"]) == ("better f1", "ana", "Horno4_AE_v2")
    quiet = open_registry("sqlite:///" + str(tmp_path / "q.db"), telemetry=False)
    quiet.register("X", "v1")
    assert len(sender.events("registry_change")) == 5
