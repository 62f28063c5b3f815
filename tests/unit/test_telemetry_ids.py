"""Event and run ids drawn from a pool of os.urandom bytes (one getrandom call per 256 ids): the same shape as
schema.new_event_id, never shared between threads, nor between a process and its forked child."""

import os
import re
import threading

import pytest

from modelops.client.telemetry import client
from modelops.client.telemetry.client import Telemetry
from modelops.client.telemetry.config import TelemetryConfig


def test_ids_are_32_lowercase_hex_digits_and_distinct():
    ids = [client.new_event_id() for _ in range(10_000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    # 128 random bits: every hex digit appears about equally often at every position (a stuck digit would not)
    for position in (0, 13, 31):
        counts = {d: 0 for d in "0123456789abcdef"}
        for i in ids:
            counts[i[position]] += 1
        assert min(counts.values()) > 10_000 / 16 * 0.75


def test_threads_never_get_the_same_id():
    got = [[] for _ in range(4)]

    def draw(out):
        for _ in range(5000):
            out.append(client.new_event_id())

    threads = [threading.Thread(target=draw, args=(out,)) for out in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for out in got for i in out]
    assert len(set(every)) == 20_000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_a_forked_child_does_not_reuse_the_parents_pool():
    client.new_event_id()  # the pool now holds the rest of a batch
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then exit at once
        try:
            os.write(write, ",".join(client.new_event_id() for _ in range(20)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        child = set(f.read().split(","))
    os.waitpid(pid, 0)
    parent = {client.new_event_id() for _ in range(20)}
    assert len(child) == 20 and not child & parent


def test_an_event_without_a_run_id_gets_two_different_fresh_ids(tmp_path):
    telemetry = Telemetry(TelemetryConfig(enabled=False, spool_dir=str(tmp_path)), sender=object())
    events = [telemetry.event("metrics", "m_v1") for _ in range(300)]
    ids = [e["event_id"] for e in events] + [e["run_id"] for e in events]
    assert len(set(ids)) == 600
