"""Issue 15: an event whose log call returned survives kill -9; SIGTERM delivers within a bound; shared
spools and torn writes lose nothing else and duplicate nothing. The full 20-trial kill test is in
bench/bench_telemetry.py; here a few trials keep the suite fast."""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap

import pytest

from modelops.client.telemetry.client import Telemetry
from modelops.client.telemetry.config import TelemetryConfig
from modelops.client.telemetry.sender import Sender
from modelops.client.telemetry.spool import TORN
from tests.hec_server import FakeHec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOWN = "http://127.0.0.1:9"  # nothing listens: HEC is down

# A child that logs ``n`` events with known event ids (prefix + counter), then does ``end``.
CHILD = textwrap.dedent("""
    import os, signal, sys, time
    sys.path.insert(0, {bin!r})
    import modelops
    from modelops.client.telemetry import client
    counter = iter(range(10**9))
    client.new_event_id = lambda: "{prefix}%08x" % next(counter)
    if {signals!r}:
        modelops.get_telemetry().install_signal_handlers({timeout!r})
    for i in range({n}):
        modelops.log_metrics("Horno4_AE_v3", run_id="r1", loss=i / 7)
    {end}
""")


def run_child(spool, n, prefix, end, hec_url=DOWN, signals=False, timeout=5.0, wait=True):
    script = CHILD.format(bin=os.path.join(ROOT, "bin"), prefix=prefix, n=n, end=end, signals=signals,
                          timeout=timeout)
    env = dict(os.environ, MODELOPS_HEC_URL=hec_url, MODELOPS_HEC_TOKEN="test-token", MODELOPS_SPOOL_DIR=str(spool),
               PYTHONDONTWRITEBYTECODE="1")
    process = subprocess.Popen([sys.executable, "-c", script], env=env)
    if wait:
        process.wait(timeout=60)
    return process


def expected_ids(prefix, n):
    return {"%s%08x" % (prefix, i) for i in range(n)}


def replay(tmp_path, spool, hec):
    sender = Sender(TelemetryConfig(hec_url=hec.url, hec_token=hec.token, spool_dir=str(spool), flush_interval=0.05,
                                    timeout=2.0))
    assert sender.flush(20) is True
    sender.close()
    return sender


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_right_after_the_last_log_call_loses_nothing(tmp_path, seed):
    n = random.Random(seed).randint(1, 5000) if seed > 1 else 1
    spool = tmp_path / "spool"
    child = run_child(spool, n, "a%07d" % seed + "0" * 16, "os.kill(os.getpid(), signal.SIGKILL)")
    assert child.returncode == -signal.SIGKILL
    with FakeHec() as hec:
        replay(tmp_path, spool, hec)
        received = hec.event_ids()
    assert set(received) == expected_ids("a%07d" % seed + "0" * 16, n)  # 0 lost
    assert len(received) == n  # and none twice


def test_sigterm_delivers_everything_before_the_process_ends(tmp_path):
    spool = tmp_path / "spool"
    with FakeHec() as hec:
        child = run_child(spool, 500, "b" * 24, "os.kill(os.getpid(), signal.SIGTERM); time.sleep(30)",
                          hec_url=hec.url, signals=True)
        assert child.returncode == -signal.SIGTERM  # the default action still ends it, by the signal
        received = hec.event_ids()
    assert set(received) == expected_ids("b" * 24, 500) and len(received) == 500
    assert Sender(TelemetryConfig(spool_dir=str(spool))).spool.count_events() == 0


def test_sigterm_with_hec_down_is_bounded_and_leaves_everything_in_the_spool(tmp_path):
    import time

    spool = tmp_path / "spool"
    start = time.monotonic()
    child = run_child(spool, 500, "c" * 24, "os.kill(os.getpid(), signal.SIGTERM); time.sleep(30)", signals=True,
                      timeout=1.0)
    assert child.returncode == -signal.SIGTERM and time.monotonic() - start < 15
    with FakeHec() as hec:
        replay(tmp_path, spool, hec)
        assert set(hec.event_ids()) == expected_ids("c" * 24, 500) and len(hec.event_ids()) == 500


def test_signal_handler_chains_the_previous_handler_and_sigint_still_interrupts(tmp_path):
    script = textwrap.dedent("""
        import os, signal, sys, time
        sys.path.insert(0, %r)
        signal.signal(signal.SIGTERM, lambda s, f: print("previous", flush=True))
        import modelops
        assert modelops.get_telemetry().install_signal_handlers(1.0)
        for i in range(20):
            modelops.log_metrics("Horno4_AE_v3", loss=i)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            print("KeyboardInterrupt", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)
        print("alive", flush=True)
    """ % os.path.join(ROOT, "bin"))
    env = dict(os.environ, MODELOPS_HEC_URL=DOWN, MODELOPS_HEC_TOKEN="x", MODELOPS_SPOOL_DIR=str(tmp_path / "s"),
               PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["KeyboardInterrupt", "previous", "alive"], out.stderr
    assert out.returncode == 0


def test_importing_and_logging_never_touches_signal_handlers(tmp_path):
    script = textwrap.dedent("""
        import signal, sys
        sys.path.insert(0, %r)
        before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
        import modelops
        modelops.log_metrics("Horno4_AE_v3", loss=1.0)
        modelops.flush(0.1)
        print(before == (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)))
    """ % os.path.join(ROOT, "bin"))
    env = dict(os.environ, MODELOPS_SPOOL_DIR=str(tmp_path / "s"), PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr


def test_handlers_are_not_installed_outside_the_main_thread(tmp_path):
    import threading

    telemetry = Telemetry(TelemetryConfig(spool_dir=str(tmp_path / "s")))
    result = []
    thread = threading.Thread(target=lambda: result.append(telemetry.install_signal_handlers()))
    thread.start()
    thread.join()
    assert result == [False]
    telemetry.sender.close(timeout=0.1)


def test_two_live_processes_on_one_spool_lose_and_duplicate_nothing(tmp_path):
    spool = tmp_path / "spool"
    with FakeHec() as hec:
        children = [run_child(spool, 1500, prefix * 24, "modelops.flush(20)", hec_url=hec.url, wait=False)
                    for prefix in ("e", "f")]
        for child in children:
            assert child.wait(timeout=60) == 0
        replay(tmp_path, spool, hec)
        received = hec.event_ids()
    assert set(received) == expected_ids("e" * 24, 1500) | expected_ids("f" * 24, 1500)
    assert len(received) == 3000


def test_torn_last_line_is_dropped_with_a_count_and_nothing_else_is_lost(tmp_path):
    spool = tmp_path / "spool"
    run_child(spool, 700, "g" * 24, "os.kill(os.getpid(), signal.SIGKILL)")
    segments = sorted(p for p in os.listdir(spool) if p.endswith(".jsonl"))
    assert segments
    with open(spool / segments[-1], "ab") as f:  # a crash in the middle of writing one more event
        f.write(b'{"time":1.0,"host":"h","event":{"event_id":"torn')
    with FakeHec() as hec:
        telemetry = Telemetry(TelemetryConfig(hec_url=hec.url, hec_token=hec.token, spool_dir=str(spool),
                                              flush_interval=0.05))
        mine = [telemetry.emit("metrics", "Horno4_AE_v3", metrics={"loss": i})["event_id"] for i in range(200)]
        assert telemetry.flush(20) is True
        telemetry.sender.close()
        received = hec.event_ids()
        assert telemetry.sender.spool.torn == 1
    assert set(received) == expected_ids("g" * 24, 700) | set(mine) and len(received) == 900
    dead = telemetry.sender.spool.dead_letters()
    assert [d["reason"] for d in dead] == [TORN] and dead[0]["event"].endswith('"event_id":"torn')


def test_a_rewritten_segment_is_not_sent_twice(tmp_path):
    # A batch with a malformed event is rewritten (the rest still to send) while locked: a second
    # sender that opened the old file must not send its lines again.
    spool = tmp_path / "spool"
    with FakeHec() as hec:
        hec.plan = [("invalid", 3)]
        a = Telemetry(TelemetryConfig(hec_url=hec.url, hec_token=hec.token, spool_dir=str(spool),
                                      flush_interval=0.05, batch_events=10))
        b = Sender(TelemetryConfig(hec_url=hec.url, hec_token=hec.token, spool_dir=str(spool), flush_interval=0.05,
                                   batch_events=10))
        sent = [a.emit("metrics", "m_v1", metrics={"loss": i})["event_id"] for i in range(100)]
        assert a.flush(20) is True and b.flush(20) is True
        a.sender.close()
        b.close()
        received = hec.event_ids()
    assert len(received) == len(set(received)) == 99
    assert set(received) == set(sent) - {json.loads(a.sender.spool.dead_letters()[0]["event"])["event"]["event_id"]}


def test_a_forked_child_writes_its_own_segment_and_nothing_is_lost(tmp_path):
    spool = tmp_path / "spool"
    telemetry = Telemetry(TelemetryConfig(spool_dir=str(spool), flush_interval=30))
    mine = [telemetry.emit("metrics", "m_v1", metrics={"loss": i})["event_id"] for i in range(50)]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a DataLoader worker that logs
        try:
            ids = [telemetry.emit("metrics", "m_v1", metrics={"loss": -i})["event_id"] for i in range(30)]
            os.write(write, json.dumps(ids).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = json.loads(os.read(read, 1 << 16))
    mine += [telemetry.emit("metrics", "m_v1", metrics={"loss": i})["event_id"] for i in range(50)]
    telemetry.sender.close(timeout=0.1)
    with FakeHec() as hec:
        replay(tmp_path, spool, hec)
        received = hec.event_ids()
    assert set(received) == set(mine) | set(child) and len(received) == 130
