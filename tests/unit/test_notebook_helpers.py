"""modelops.client.search (search to DataFrame, streamed) and modelops.client.preprocess against pandas/numpy."""

import threading
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest

from modelops.client import preprocess
from modelops.client.rest import HttpRest
from modelops.client.search import iter_export, search_df
from modelops.errors import ModelOpsError


class ExportServer:
    """Answers POST /services/search/v2/jobs/export like splunkd: JSON lines, streamed until close."""

    def __init__(self, rows, token="tok"):
        self.rows, self.token, self.forms = rows, token, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                server.forms.append({k: v[0] for k, v in parse_qs(body).items()})
                if self.headers.get("Authorization") != "Splunk " + server.token:
                    self.send_response(401)
                    self.end_headers()
                    self.wfile.write(b'{"messages":[{"type":"WARN","text":"call not properly authenticated"}]}')
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                template = ('{"preview":false,"offset":%d,"result":{"_time":"2025-03-%02dT%02d:%02d:00.000+00:00",'
                            '"temp_zone1":"%.2f","o2":"%s","kiln":"K4"}}\n')
                for start in range(0, server.rows, 10000):
                    stop = min(server.rows, start + 10000)
                    block = "".join(template % (i, 1 + i // 1440 % 28, i // 60 % 24, i % 60, 1450 + i % 17,
                                                2 + (i % 5) / 10) for i in range(start, stop))
                    self.wfile.write(block.encode())

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def rest(self):
        return HttpRest("http://127.0.0.1:%d" % self.http.server_address[1], self.token)

    def close(self):
        self.http.shutdown()
        self.http.server_close()


def test_export_streams_500k_rows_in_bounded_memory():
    server = ExportServer(500_000)
    try:
        tracemalloc.start()
        count = sum(1 for _ in iter_export(server.rest, "index=horno_data kiln=4", earliest="-30d"))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == 500_000
        assert peak < 5 * 2**20  # the ~60 MB response is never held whole
        assert server.forms[0]["search"] == "search index=horno_data kiln=4"
        assert (server.forms[0]["earliest_time"], server.forms[0]["output_mode"]) == ("-30d", "json")
    finally:
        server.close()


def test_search_df_types_columns():
    server = ExportServer(1000)
    try:
        frame = search_df("| tstats count", rest=server.rest, batch_rows=300)
    finally:
        server.close()
    assert len(frame) == 1000 and server.forms[0]["search"] == "| tstats count"
    assert frame["temp_zone1"].dtype == float and not pd.api.types.is_numeric_dtype(frame["kiln"])
    assert str(frame["_time"].dtype).startswith("datetime64") and frame["_time"].iloc[61].minute == 1


def test_search_errors_are_one_sentence():
    server = ExportServer(3, token="other")
    try:
        wrong = HttpRest(server.rest.base_url, "not-the-token")
        with pytest.raises(ModelOpsError, match="the search failed \\(HTTP 401\\)"):
            list(iter_export(wrong, "index=x"))
    finally:
        server.close()
    with pytest.raises(ModelOpsError, match="no Splunk REST access configured"):
        HttpRest.from_env({})
    rest = HttpRest.from_env({"splunk_access_host": "'splunk'", "splunk_access_port": "8089",
                              "splunk_access_token": "a.b.c"})
    assert rest.base_url == "https://splunk:8089" and rest.authorization == "Bearer a.b.c"


def sensor_frame():
    times = pd.date_range("2025-03-01", periods=20, freq="20s", tz="UTC")
    g = np.random.default_rng(0)
    frame = pd.DataFrame({"_time": times, "temp": g.normal(1450, 5, 20), "sp_temp": 1450.0,
                          "o2": g.normal(2, 0.1, 20), "kiln": "K4"})
    frame.loc[[3, 4, 9], "temp"] = np.nan
    return frame


def test_resample_and_interpolate_match_pandas():
    frame = sensor_frame()
    expected = frame.set_index("_time")[["temp", "sp_temp", "o2"]].resample("1min").mean()
    pd.testing.assert_frame_equal(preprocess.resample(frame), expected)
    filled = preprocess.interpolate_time(frame.drop(columns=["kiln"]))
    reference = frame.drop(columns=["kiln"]).set_index("_time").interpolate(method="time")
    np.testing.assert_allclose(filled["temp"].to_numpy(), reference["temp"].to_numpy())
    assert filled["temp"].isna().sum() == 0


def test_setpoint_deviation_pct_change_and_windows():
    frame = sensor_frame().dropna()
    out = preprocess.setpoint_deviation(frame, {"temp": "sp_temp", "o2": 2.0})
    np.testing.assert_allclose(out["temp_dev"], frame["temp"] - frame["sp_temp"])
    np.testing.assert_allclose(out["o2_dev"], frame["o2"] - 2.0)
    changed = preprocess.pct_change(frame, ["o2"], periods=2)
    np.testing.assert_allclose(changed["o2_pct"], frame["o2"].pct_change(periods=2), equal_nan=True)
    windows = preprocess.sliding_windows(frame, window=4, step=2, columns=["temp", "o2"])
    values = frame[["temp", "o2"]].to_numpy()
    assert windows.shape == ((len(frame) - 4) // 2 + 1, 4, 2)
    np.testing.assert_array_equal(windows[1], values[2:6])
    with pytest.raises(ModelOpsError, match="no column 'flow'"):
        preprocess.setpoint_deviation(frame, {"flow": 1.0})
    with pytest.raises(ModelOpsError, match="needs a _time column"):
        preprocess.resample(frame.drop(columns=["_time"]))
