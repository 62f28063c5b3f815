"""Issue 15 throughput: the sender posts a spool segment's bytes as they are (every line is already a HEC
event object; HEC takes them concatenated), cutting a segment into batches only when it is larger than a
batch, and splitting lines only when HEC's answer needs them. The writer copies each line into a reserved,
memory-mapped segment (os.write when the reservation fails). Nothing is lost, duplicated or re-encoded."""

import errno
import json
import os
import signal
import subprocess
import sys

from modelops.client.telemetry.config import TelemetryConfig
from modelops.client.telemetry.sender import Sender
from modelops.client.telemetry.spool import DEAD_LETTER, TORN, Spool
from modelops.client.telemetry.transport import HecClient
from tests.hec_server import FakeHec


class RecordingClient(HecClient):
    """The real client (it posts to the fake HEC); it also keeps each batch exactly as it was handed over."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches = []

    def send_raw(self, data, count):
        self.batches.append((data, count))
        return super().send_raw(data, count)


def make_sender(spool, hec, **config):
    settings = dict(hec_url=hec.url, hec_token=hec.token, spool_dir=str(spool), flush_interval=0.05, timeout=2.0)
    settings.update(config)
    config = TelemetryConfig(**settings)
    return Sender(config, client=RecordingClient(hec.url, hec.token, timeout=2.0))


def event_line(i, pad=0):
    return json.dumps({"time": 1.5, "sourcetype": "s", "event": {"event_id": "e%04d" % i, "pad": "x" * pad}}).encode()


def write_segment(spool, name, data):
    os.makedirs(spool, exist_ok=True)
    path = os.path.join(spool, "%020d-1-%06d.jsonl" % (1, name))
    with open(path, "wb") as f:
        f.write(data)
    return path


def test_segment_bytes_are_posted_exactly_as_written_and_the_torn_tail_is_not(tmp_path):
    spool = tmp_path / "spool"
    # Valid HEC objects in unusual spellings: spaces, escapes, raw UTF-8. Re-encoding would change the bytes.
    lines = [b'{ "event" : {"event_id": "a", "t": "\\u00e9t\\u00e9"} }',
             '{"event":{"event_id":"b","t":"été"}}'.encode(),
             b'{"time":1.25,"event":{"event_id":"c","x":[1, 2.50]}}']
    complete = b"\n".join(lines) + b"\n"
    path = write_segment(spool, 1, complete + b'{"event":{"event_id":"torn"')
    with FakeHec() as hec:
        sender = make_sender(spool, hec)
        assert sender.flush(10) is True
        sender.close()
        assert [e["event"]["event_id"] for e in hec.events] == ["a", "b", "c"]
        assert hec.events[1]["event"]["t"] == "été" and hec.events[0]["event"]["t"] == "été"
    assert sender.client.batches == [(complete, 3)]
    assert not os.path.exists(path)
    dead = sender.spool.dead_letters()
    assert [d["reason"] for d in dead] == [TORN] and dead[0]["event"] == '{"event":{"event_id":"torn"'


def test_a_segment_larger_than_a_batch_is_cut_at_line_ends_by_count_and_by_bytes(tmp_path):
    spool = tmp_path / "spool"
    lines = [event_line(i) for i in range(25)]
    write_segment(spool, 1, b"".join(line + b"\n" for line in lines))  # written by a process with larger batches
    with FakeHec() as hec:
        sender = make_sender(spool, hec, batch_events=10)
        assert sender.flush(10) is True
        sender.close()
        assert [e["event"]["event_id"] for e in hec.events] == ["e%04d" % i for i in range(25)]
    assert [count for _, count in sender.client.batches] == [10, 10, 5]
    assert [data.count(b"\n") for data, _ in sender.client.batches] == [10, 10, 5]
    assert b"".join(data for data, _ in sender.client.batches) == b"".join(line + b"\n" for line in lines)

    # By bytes: lines of 80 bytes, batch_bytes 250 -> 3 lines a batch; a line longer than a batch goes alone.
    lines = [event_line(i, pad=80 - len(event_line(i)) - 1) for i in range(7)] + [event_line(7, pad=400)]
    assert all(len(line) + 1 == 80 for line in lines[:7])
    write_segment(spool, 2, b"".join(line + b"\n" for line in lines))
    with FakeHec() as hec:
        sender = make_sender(spool, hec, batch_bytes=250)
        assert sender.flush(10) is True
        sender.close()
        assert [e["event"]["event_id"] for e in hec.events] == ["e%04d" % i for i in range(8)]
    assert [count for _, count in sender.client.batches] == [3, 3, 1, 1]
    assert all(len(data) <= 250 for data, _ in sender.client.batches[:3])


def test_a_refused_batch_in_the_middle_of_a_segment_keeps_exactly_the_rest(tmp_path):
    spool = tmp_path / "spool"
    lines = [event_line(i) for i in range(25)]
    path = write_segment(spool, 1, b"".join(line + b"\n" for line in lines))
    with FakeHec() as hec:
        hec.plan = [None, ("status", 503, 9, "Server is busy")]
        sender = make_sender(spool, hec, batch_events=10, flush_interval=30)
        assert sender.flush(0.5, retry=False) is False
        assert [e["event"]["event_id"] for e in hec.events] == ["e%04d" % i for i in range(10)]
        with open(path, "rb") as f:  # the delivered batch is gone from disk, the refused one is still there
            assert f.read() == b"".join(line + b"\n" for line in lines[10:])
        sender._retry_at = 0.0
        assert sender.flush(10) is True
        sender.close()
        ids = [e["event"]["event_id"] for e in hec.events]
    assert ids == ["e%04d" % i for i in range(25)]  # each once, in order
    assert sender.stats["delivered"] == 25 and sender.stats["retries"] == 1


def test_a_malformed_event_inside_a_raw_batch_is_split_out_alone(tmp_path):
    spool = tmp_path / "spool"
    lines = [event_line(i) for i in range(6)]
    write_segment(spool, 1, b"".join(line + b"\n" for line in lines))
    with FakeHec() as hec:
        hec.plan = [("invalid", 2)]
        sender = make_sender(spool, hec)
        assert sender.flush(10) is True
        sender.close()
        ids = [e["event"]["event_id"] for e in hec.events]
    assert ids == ["e0000", "e0001", "e0003", "e0004", "e0005"]
    dead = sender.spool.dead_letters()
    assert len(dead) == 1 and json.loads(dead[0]["event"])["event"]["event_id"] == "e0002"


def test_empty_and_blank_segments_left_by_dead_processes_are_removed_without_a_post(tmp_path):
    spool = tmp_path / "spool"
    empty = write_segment(spool, 1, b"")
    blank = write_segment(spool, 2, b"\n\n")
    with FakeHec() as hec:
        sender = make_sender(spool, hec)
        assert sender.flush(10) is True
        sender.close()
        assert hec.requests == 0
    assert not os.path.exists(empty) and not os.path.exists(blank)
    assert not os.path.exists(os.path.join(str(spool), DEAD_LETTER))


# --- mapped segments: the write-ahead is a copy into a reserved, memory-mapped segment ---------------------

def test_a_mapped_line_is_in_the_file_when_append_returns_and_sealing_trims_the_reservation(tmp_path):
    spool = Spool(str(tmp_path / "spool"), batch_events=100, batch_bytes=4096, mapped=True)
    lines = [event_line(i) + b"\n" for i in range(3)]
    for line in lines:
        spool.append_line(line)
    assert spool._map is not None  # the mapped path ran (not the os.write fallback)
    [path] = spool.pending()
    with open(path, "rb") as f:  # another reader sees the lines at once; the rest of the reservation is zeros
        data = f.read()
    assert len(data) == 4096 and data == b"".join(lines) + b"\0" * (4096 - len(b"".join(lines)))
    spool.seal()
    with open(path, "rb") as f:
        assert f.read() == b"".join(lines)


def test_a_line_longer_than_the_reservation_gets_a_segment_of_its_own(tmp_path):
    spool = Spool(str(tmp_path / "spool"), batch_events=100, batch_bytes=200, mapped=True)
    small, big = event_line(0) + b"\n", event_line(1, pad=500) + b"\n"
    spool.append_line(small)
    spool.append_line(big)  # does not fit after ``small``: the first segment is sealed, a larger one mapped
    spool.append_line(small)
    spool.seal()
    contents = []
    for path in spool.pending():
        with open(path, "rb") as f:
            contents.append(f.read())
    assert contents == [small, big, small]


def test_a_full_disk_at_reservation_falls_back_to_os_write(tmp_path, monkeypatch):
    def no_space(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", no_space, raising=False)
    spool = Spool(str(tmp_path / "spool"), batch_events=100, batch_bytes=4096, mapped=True)
    lines = [event_line(i) + b"\n" for i in range(3)]
    for line in lines:
        spool.append_line(line)
    assert spool._map is None
    [path] = spool.pending()
    with open(path, "rb") as f:
        assert f.read() == b"".join(lines)  # written, no reservation


KILLED_WRITER = """
import os, signal, sys
sys.path.insert(0, {bin!r})
from modelops.client.telemetry.spool import Spool
spool = Spool({spool!r}, batch_events=1000, batch_bytes=1 << 20, mapped=True)
for i in range(50):
    spool.append_line(b'{{"event":{{"event_id":"k%04d"}}}}\\n' % i)
assert spool._map is not None
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_writer_killed_with_its_segment_mapped_loses_no_line_that_append_returned(tmp_path):
    spool = tmp_path / "spool"
    bin_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bin")
    code = subprocess.run([sys.executable, "-c", KILLED_WRITER.format(bin=bin_dir, spool=str(spool))],
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"), timeout=60).returncode
    assert code == -signal.SIGKILL
    [path] = [os.path.join(spool, n) for n in os.listdir(spool) if n.endswith(".jsonl")]
    assert os.path.getsize(path) == 1 << 20  # never sealed: the reservation's zeros are still there
    with FakeHec() as hec:
        sender = make_sender(spool, hec)
        assert sender.flush(10) is True
        sender.close()
        assert [e["event"]["event_id"] for e in hec.events] == ["k%04d" % i for i in range(50)]
    assert sender.spool.torn == 0 and sender.spool.dead_letters() == [] and sender.spool.pending() == []


def test_lines_a_dying_writer_copied_only_in_part_are_torn_and_the_rest_is_sent_once(tmp_path):
    spool = tmp_path / "spool"
    good = [event_line(i) + b"\n" for i in range(4)]
    gapped = event_line(90)[:10] + b"\0" * 20 + event_line(90)[30:] + b"\n"  # head and tail stored, middle not
    partial = event_line(91)[:25]  # the copy stopped here; zeros follow
    path = write_segment(spool, 1, good[0] + good[1] + gapped + good[2] + good[3] + partial + b"\0" * 3000)
    with FakeHec() as hec:
        sender = make_sender(spool, hec)
        assert sender.flush(10) is True
        assert [e["event"]["event_id"] for e in hec.events] == ["e%04d" % i for i in range(4)]
        assert sender.flush(10) is True
        sender.close()
        assert len(hec.events) == 4
    assert sender.spool.torn == 2 and not os.path.exists(path)
    dead = sender.spool.dead_letters()
    assert [d["reason"] for d in dead] == [TORN, TORN]
    assert dead[0]["event"].encode() == gapped[:-1] and dead[1]["event"].encode() == partial
    assert Spool(str(spool)).count_events() == 0
