"""Issue 15 throughput: the sender posts a spool segment's bytes as they are (every line is already a HEC
event object; HEC takes them concatenated), cutting a segment into batches only when it is larger than a
batch, and splitting lines only when HEC's answer needs them. Nothing is lost, duplicated or re-encoded."""

import json
import os

from modelops.client.telemetry.config import TelemetryConfig
from modelops.client.telemetry.sender import Sender
from modelops.client.telemetry.spool import DEAD_LETTER, TORN
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
