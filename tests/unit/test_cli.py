"""`modelops send-csv`, `check-hec`, `replay` against the local HEC."""

import calendar
import json
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from modelops.client import cli
from modelops.client.csvsend import CsvSender, read_blocks
from modelops.client.telemetry.config import TelemetryConfig
from modelops.client.telemetry.transport import HecClient
from modelops.client.timeparse import TimeParser
from modelops.errors import ModelOpsError
from tests.hec_server import FakeHec


def write_plant_csv(path, rows=300, delimiter=";", decimal=","):
    lines = [delimiter.join(["fecha", "temp_zona1", "o2", "comentario"])]
    for i in range(rows):
        temp = ("%.2f" % (1450 + i / 10)).replace(".", decimal)
        note = 'parada "corta"; revisar' if i == 5 else ("ok" if i % 2 else "")
        if delimiter in note or '"' in note:
            note = '"' + note.replace('"', '""') + '"'
        minute = i % 60
        lines.append(delimiter.join(["%02d/03/2025 %02d:%02d:00" % (1 + i // 1440, (i // 60) % 24, minute), temp,
                                     ("%.3f" % (2 + i / 1000)).replace(".", decimal), note]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(hec, *args):
    return cli.main([*args, "--hec-url", hec.url, "--hec-token", hec.token])


def test_send_csv_moves_every_row_with_times_and_decimals(tmp_path, capsys):
    path = write_plant_csv(tmp_path / "horno.csv")
    with FakeHec() as hec:
        rc = run_cli(hec, "send-csv", str(path), "--index", "horno_data", "--sourcetype", "horno:csv",
                     "--time-column", "fecha", "--time-format", "%d/%m/%Y %H:%M:%S", "--delimiter", ";",
                     "--decimal", ",", "--timezone", "Europe/Madrid", "--quiet")
        assert rc == 0
        events = hec.events
    expected = pd.read_csv(path, sep=";", decimal=",", keep_default_na=False)
    assert len(events) == len(expected) == 300
    first = events[5]
    assert first["index"] == "horno_data" and first["sourcetype"] == "horno:csv" and first["source"] == "horno.csv"
    assert float(first["event"]["temp_zona1"]) == pytest.approx(expected["temp_zona1"][5])
    assert float(first["event"]["o2"]) == pytest.approx(expected["o2"][5])
    assert first["event"]["comentario"] == expected["comentario"][5] == 'parada "corta"; revisar'
    local = datetime.strptime(expected["fecha"][5], "%d/%m/%Y %H:%M:%S").replace(tzinfo=ZoneInfo("Europe/Madrid"))
    assert first["time"] == pytest.approx(local.timestamp())
    assert events[0]["event"]["comentario"] == ""  # every column, empty ones too
    assert "sent 300 rows" in capsys.readouterr().out


def test_send_csv_resumes_after_interruption_without_duplicates(tmp_path):
    path = write_plant_csv(tmp_path / "big.csv", rows=3000, delimiter=",", decimal=".")
    with FakeHec() as hec:
        client = HecClient(hec.url, hec.token)
        sender = CsvSender(client, str(path), "idx", "st", "fecha", "%d/%m/%Y %H:%M:%S", progress=False,
                           max_attempts=2, block_bytes=20_000)
        hec.plan = [None, None] + [("status", 503, 9, "busy")] * 50  # fail after two blocks
        with pytest.raises(ModelOpsError, match="HEC kept failing"):
            sender.run()
        sent_first = len(hec.events)
        saved = json.load(open(str(path) + ".modelops-progress.json"))
        assert 0 < saved["rows"] == sent_first < 3000
        hec.plan = []
        summary = CsvSender(client, str(path), "idx", "st", "fecha", "%d/%m/%Y %H:%M:%S", progress=False,
                            block_bytes=20_000).run()
        assert summary["rows"] == 3000
        times = [e["time"] for e in hec.events]
        assert len(times) == 3000 and len(set(map(json.dumps, hec.events))) == 3000
        again = CsvSender(client, str(path), "idx", "st", "fecha", "%d/%m/%Y %H:%M:%S", progress=False).run()
        assert again["already_done"] is True and len(hec.events) == 3000


def test_bad_inputs_are_one_sentence(tmp_path, capsys):
    path = write_plant_csv(tmp_path / "x.csv", delimiter=",", decimal=".")
    with FakeHec() as hec:
        assert run_cli(hec, "send-csv", str(path), "--index", "i", "--sourcetype", "s", "--time-column", "when",
                       "--quiet") == 2
        assert "the time column 'when' is not in the CSV header" in capsys.readouterr().err
        assert run_cli(hec, "send-csv", str(path), "--index", "i", "--sourcetype", "s", "--time-column", "fecha",
                       "--quiet") == 2
        assert "is neither epoch seconds nor ISO 8601; give --time-format" in capsys.readouterr().err
        assert run_cli(hec, "send-csv", str(tmp_path / "missing.csv"), "--index", "i", "--sourcetype", "s",
                       "--time-column", "t") == 2
        assert "no such file" in capsys.readouterr().err
    with FakeHec(token="other") as hec:
        assert cli.main(["send-csv", str(path), "--index", "i", "--sourcetype", "s", "--time-column", "fecha",
                         "--time-format", "%d/%m/%Y %H:%M:%S", "--quiet", "--hec-url", hec.url,
                         "--hec-token", "wrong"]) == 2
        assert "HEC refused the data: the HEC token is invalid" in capsys.readouterr().err


def test_check_hec(capsys):
    with FakeHec() as hec:
        assert run_cli(hec, "check-hec") == 0
        out = capsys.readouterr().out
        assert "ok    HEC is healthy" in out and "ok    the token is accepted" in out
        assert cli.main(["check-hec", "--hec-url", hec.url, "--hec-token", "bad"]) == 1
        assert "FAIL  the token is refused: HTTP 403" in capsys.readouterr().out
    assert cli.main(["check-hec", "--hec-url", "http://127.0.0.1:9", "--hec-token", "x"]) == 1
    assert "FAIL  cannot reach HEC" in capsys.readouterr().out


def test_replay_sends_the_spool(tmp_path, capsys, monkeypatch):
    from modelops.client.telemetry.client import Telemetry

    monkeypatch.delenv("MODELOPS_HEC_URL", raising=False)
    offline = Telemetry(TelemetryConfig(spool_dir=str(tmp_path), flush_interval=0.05))
    for i in range(30):
        offline.emit("metrics", "Horno4_AE_v3", metrics={"loss": float(i)})
    offline.flush(1)
    offline.sender.close()
    with FakeHec() as hec:
        assert run_cli(hec, "replay", "--spool-dir", str(tmp_path), "--timeout", "10") == 0
        assert len(hec.events) == 30
    assert "30 events waiting, 30 sent, 0 still waiting" in capsys.readouterr().out


def test_replay_without_hec_says_how_to_configure(capsys, monkeypatch):
    for name in ("MODELOPS_HEC_URL", "splunk_hec_url", "MODELOPS_HEC_TOKEN", "splunk_hec_token"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["replay"]) == 2
    assert "no HEC configured: set MODELOPS_HEC_URL" in capsys.readouterr().err


def test_replay_with_a_misconfigured_hec_is_one_sentence_and_keeps_the_spool(tmp_path, capsys):
    assert cli.main(["replay", "--spool-dir", str(tmp_path), "--hec-url", "splunk:8088", "--hec-token", "x"]) == 2
    assert "the HEC URL must look like https://host:8088" in capsys.readouterr().err
    assert cli.main(["replay", "--spool-dir", str(tmp_path), "--hec-url", "https://s:8088", "--hec-token", "x",
                     "--ca-bundle", str(tmp_path / "nope.pem")]) == 2
    assert "the CA bundle %s does not exist" % (tmp_path / "nope.pem") in capsys.readouterr().err


@pytest.mark.parametrize("fmt, text", [
    ("%d/%m/%Y %H:%M:%S", "31/10/2025 02:30:00"),
    ("%Y-%m-%d %H:%M:%S.%f", "2025-03-30 01:59:59.250"),
    ("%y%m%d%H%M", "2503301200"),
    ("%d-%b-%Y %H:%M", "05-Mar-2025 10:00"),  # %b is not compiled: strptime fallback
])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "America/Mexico_City"])
def test_time_parser_matches_datetime(fmt, text, zone):
    expected = datetime.strptime(text, fmt).replace(tzinfo=ZoneInfo(zone)).timestamp()
    assert TimeParser(fmt, zone).parse(text) == pytest.approx(expected, abs=1e-6)


def test_time_parser_defaults_to_epoch_or_iso():
    parser = TimeParser()
    assert parser.parse("1700000000.5") == 1700000000.5
    assert parser.parse("2025-01-02T03:04:05Z") == calendar.timegm((2025, 1, 2, 3, 4, 5))
    with pytest.raises(ValueError, match="does not match the format"):
        TimeParser("%Y-%m-%d").parse("02/01/2025")


def test_blocks_cut_only_at_line_ends_outside_quotes(tmp_path):
    data = b'a,b\n1,"x\ny"\n2,z\n' * 50
    path = tmp_path / "q.csv"
    path.write_bytes(data)
    with open(path, "rb") as f:
        blocks = list(read_blocks(f, 0, block_bytes=7))
    assert b"".join(b for _, b in blocks) == data
    assert all(b.count(b'"') % 2 == 0 and b.endswith(b"\n") for _, b in blocks)
    assert blocks[-1][0] == len(data)


def test_console_script_is_declared():
    import tomllib

    with open(os.path.join(os.path.dirname(__file__), "..", "..", "pyproject.toml"), "rb") as f:
        assert tomllib.load(f)["project"]["scripts"]["modelops"] == "modelops.client.cli:main"


class RecordingClient:
    """Stands in for HecClient: keeps every body exactly as it would travel (decompressed)."""

    def __init__(self):
        self.bodies = []

    def send(self, lines):
        from modelops.client.telemetry.transport import SendResult

        self.bodies.append(b"\n".join(lines))
        return SendResult(delivered=len(lines))

    def send_gzipped(self, body, count):
        import gzip

        from modelops.client.telemetry.transport import SendResult

        self.bodies.append(gzip.decompress(body))
        assert self.bodies[-1].count(b"\n") + 1 == count
        return SendResult(delivered=count)


@pytest.mark.parametrize("delimiter, decimal", [(";", ","), (",", ".")])
def test_worker_processes_send_the_same_bytes_as_the_single_process_path(tmp_path, delimiter, decimal):
    path = write_plant_csv(tmp_path / "p.csv", rows=2500, delimiter=delimiter, decimal=decimal)
    outputs = []
    for workers in (0, 2):
        client = RecordingClient()
        summary = CsvSender(client, str(path), "idx", "st", "fecha", "%d/%m/%Y %H:%M:%S", "Europe/Madrid",
                            delimiter=delimiter, decimal=decimal, progress=False, block_bytes=16_000,
                            workers=workers).run(restart=True)
        assert summary["rows"] == 2500
        outputs.append(b"\n".join(client.bodies))
    assert outputs[0] == outputs[1]
    events = [json.loads(line) for line in outputs[1].split(b"\n")]
    expected = pd.read_csv(path, sep=delimiter, decimal=decimal, keep_default_na=False)
    assert [float(e["event"]["o2"]) for e in events] == pytest.approx(expected["o2"].tolist())


def test_worker_processes_deliver_through_hec_and_report_bad_lines(tmp_path, capsys):
    path = write_plant_csv(tmp_path / "w.csv", rows=1200, delimiter=",", decimal=".")
    with FakeHec() as hec:
        rc = run_cli(hec, "send-csv", str(path), "--index", "i", "--sourcetype", "s", "--time-column", "fecha",
                     "--time-format", "%d/%m/%Y %H:%M:%S", "--workers", "2", "--quiet")
        assert rc == 0 and len(hec.events) == 1200
        assert [e["event"]["temp_zona1"] for e in hec.events] == ["%.2f" % (1450 + i / 10) for i in range(1200)]
        with open(path, "a") as f:
            f.write("01/03/2025 00:00:00,1,2\n")  # one field short
        assert run_cli(hec, "send-csv", str(path), "--index", "i", "--sourcetype", "s", "--time-column", "fecha",
                       "--time-format", "%d/%m/%Y %H:%M:%S", "--workers", "2", "--restart", "--quiet") == 2
        assert "line 1202 has 3 fields, the header has 4" in capsys.readouterr().err
