"""The log call encodes only the ids and the fields after the schema's twelve keys, the rest from a template made
once per model: every spool line must equal, byte for byte, the whole envelope encoded by json.dumps."""

import json

from modelops.client.telemetry import client
from modelops.client.telemetry.client import Telemetry
from modelops.client.telemetry.config import TelemetryConfig


def spool_lines(telemetry):
    spool = telemetry.sender.spool
    spool.seal()
    data = b""
    for path in spool.pending():
        with open(path, "rb") as f:
            data += f.read()
    return data.splitlines(keepends=True)


def reference_line(line, event, config):
    """The envelope as json.dumps writes it (the time read back from the line: repr round-trips)."""
    when = json.loads(line)["time"]
    envelope = {"time": when, "host": event["host"] or "", "source": "modelops:" + event["event_type"],
                "sourcetype": config.sourcetype, "index": config.index, "event": event}
    return (json.dumps(envelope, separators=(",", ":"), ensure_ascii=True, allow_nan=False, default=str)
            + "\n").encode()


def test_every_line_equals_the_whole_event_encoded_by_json_dumps(tmp_path, monkeypatch):
    config = TelemetryConfig(enabled=False, spool_dir=str(tmp_path / "spool"))
    telemetry = Telemetry(config)
    calls = [
        (("metrics", "Horno4_AE_v3"), {"metrics": {"loss": 0.5}}),
        (("metrics", "Horno4_AE_v3"), {"metrics": {"loss": 0.25, "val_loss": None}}),  # the cached template
        (("fit_run", "Horno4_AE_v3"), {"run_id": "r1", "algo": "Keras", "note": "été ☃", "shape": [3, [4, 5]]}),
        (("metrics", "Horno4_AE_v3"), {"run_id": 12345, "metrics": {}}),  # not a string: the whole event
        (("metrics", "Horno4_AE_v3"), {"algo": {"name": "x"}}),  # unhashable
        (("metrics", "Horno4_AE_v3"), {"algo": 1}),  # numbers are never cached: 1 == True
        (("metrics", "Horno4_AE_v3"), {"algo": True}),
        (("metrics", "Horno4_AE_v3"), {"algo": 1.0}),
        (("metrics", "Horno4_AE_v3"), {"model_family": None, "model_version": "v9"}),
        (("metrics", "Horno4_AE_v3"), {"user": "someone else", "metrics": {"x": 1.0}}),  # replaces a schema key
        (("metrics", 'm "event_id":"" "run_id":"" \\ _v1'), {"algo": '"run_id":""'}),
        (("fit_start", "m_v2"), {}),
    ]
    events = [telemetry.emit(*args, **kwargs) for args, kwargs in calls]
    ids = iter(['a"b\\c', "plain", "ü"])
    monkeypatch.setattr(client, "new_event_id", lambda: next(ids))  # ids needing escapes
    events.append(telemetry.emit("metrics", "Horno4_AE_v3", run_id=None, metrics={"loss": 1.0}))
    events.append(telemetry.emit("metrics", "Horno4_AE_v3", run_id="r2"))
    assert all(e is not None for e in events)
    assert events[9]["user"] == "someone else"
    made = [t for t in telemetry._templates.values() if t is not None]
    assert len(made) >= 4  # the template path ran (Horno4_AE_v3 metrics, fit_run, v9, the quoted name...)
    lines = spool_lines(telemetry)
    assert len(lines) == len(events)
    for line, event in zip(lines, events):
        assert line == reference_line(line, event, config)
    assert json.loads(lines[-2])["event"]["event_id"] == 'a"b\\c'
    assert json.loads(lines[5])["event"]["algo"] == 1 and json.loads(lines[6])["event"]["algo"] is True
    telemetry.sender.close(timeout=0.1)


def test_a_value_json_cannot_take_goes_to_the_dead_letter_file_on_either_path(tmp_path):
    telemetry = Telemetry(TelemetryConfig(enabled=False, spool_dir=str(tmp_path / "spool")))
    telemetry.emit("metrics", "Horno4_AE_v3", metrics={"loss": float("nan")})  # template path, NaN refused
    telemetry.emit("metrics", "Horno4_AE_v3", run_id=7, metrics={"loss": float("inf")})  # whole-event path
    telemetry.emit("metrics", "Horno4_AE_v3", metrics={"loss": 1.5})
    assert len(telemetry.sender.spool.dead_letters()) == 2 and telemetry.sender.stats["dead"] == 2
    assert [json.loads(line)["event"]["metrics"] for line in spool_lines(telemetry)] == [{"loss": 1.5}]
    telemetry.sender.close(timeout=0.1)
