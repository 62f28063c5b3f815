"""Eight processes race promote / rollback / delete_alias on one SQLite registry: every verb is one
BEGIN IMMEDIATE transaction, so each history entry's from_version is the value the alias really had."""

import multiprocessing
import random

from modelops.errors import ModelOpsError
from modelops.registry.core import Registry
from modelops.registry.sqlite_store import SQLiteStore

FAMILY, ALIAS, VERSIONS = "Horno4_AE", "production", ("v1", "v2", "v3", "v4")
PROCESSES, MOVES = 8, 150


def worker(path, seed, start):
    registry = Registry(SQLiteStore(path), actor="writer%d" % seed)
    rng = random.Random(seed)
    start.wait()
    for _ in range(MOVES):
        verb = rng.choice(("promote", "promote", "rollback", "delete_alias"))
        try:
            if verb == "promote":
                registry.promote(FAMILY, rng.choice(VERSIONS), ALIAS)
            elif verb == "rollback":
                registry.rollback(FAMILY, ALIAS)
            else:
                registry.delete_alias(FAMILY, ALIAS)
        except ModelOpsError:
            pass  # no alias to roll back or delete: refused, nothing written


def test_racing_writers_record_only_transitions_that_happened(tmp_path):
    path = str(tmp_path / "registry.db")
    registry = Registry(SQLiteStore(path), actor="setup")
    for version in VERSIONS:
        registry.register(FAMILY, version)
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=worker, args=(path, seed, start)) for seed in range(PROCESSES)]
    for process in workers:
        process.start()
    start.set()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    moves = [e for e in registry.history(FAMILY, ALIAS)]
    assert len(moves) > PROCESSES * 5  # the writers really interleaved many changes
    value = ""  # replay: the alias starts unset
    for entry in moves:
        assert entry["from_version"] == value, entry
        value = entry["to_version"]
    current = registry.store.get_alias(FAMILY, ALIAS)
    assert (current["version"] if current else "") == value
    rollbacks = [e for e in moves if e["action"] == "rollback"]
    assert rollbacks, "no rollback happened; the race did not exercise rollback"
