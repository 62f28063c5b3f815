"""Targets (issue 3), each measured against its baseline in this one run:

1. one ``log_metrics`` call vs one direct HTTP post per event (keep-alive): >= 100x cheaper, <= 20 us;
2. sustained events/s from ``log_metrics`` to a local HEC receiver (own process): >= 50,000/s;
3. ``modelops send-csv`` of ROWS x 59 columns vs ``pandas.read_csv`` of the same file: <= 3x.

Usage: python bench/bench_telemetry.py [--rows 500000] [--events 200000]
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "bin")]

from modelops.client.csvsend import CsvSender  # noqa: E402
from modelops.client.telemetry.client import Telemetry  # noqa: E402
from modelops.client.telemetry.config import TelemetryConfig  # noqa: E402
from modelops.client.telemetry.transport import HecClient  # noqa: E402

TOKEN = "test-token"


class Receiver:
    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "tests.hec_server", "--count-only"], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()

    def count(self):
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def bench_log_call(receiver, spool):
    telemetry = Telemetry(TelemetryConfig(hec_url=receiver.url, hec_token=TOKEN, spool_dir=spool))
    telemetry.emit("metrics", "warmup", metrics={"loss": 0.0})
    costs = []
    for i in range(20000):
        start = time.perf_counter_ns()
        telemetry.emit("metrics", "Horno4_AE_v3", metrics={"loss": i * 0.001, "val_loss": 0.5})
        costs.append(time.perf_counter_ns() - start)
    telemetry.flush(60)
    telemetry.sender.close()
    log_us = statistics.median(costs) / 1000
    parts = urlsplit(receiver.url)

    def direct_posts(keep_alive):
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
        costs = []
        for i in range(300):
            event = telemetry.event("metrics", "Horno4_AE_v3", metrics={"loss": i * 0.001})
            start = time.perf_counter_ns()
            if not keep_alive:  # what requests.post(...) without a Session does: a connection per event
                connection = http.client.HTTPConnection(parts.hostname, parts.port)
            body = json.dumps({"time": time.time(), "sourcetype": "dsdl:modelops", "event": event}).encode()
            connection.request("POST", "/services/collector/event", body=body,
                               headers={"Authorization": "Splunk " + TOKEN})
            connection.getresponse().read()
            if not keep_alive:
                connection.close()
            costs.append(time.perf_counter_ns() - start)
        connection.close()
        return statistics.median(costs) / 1000

    per_event_us = direct_posts(keep_alive=False)
    keep_alive_us = direct_posts(keep_alive=True)
    ratio = per_event_us / log_us
    print("1. log call: median %.1f us; direct HTTP post per event to the local receiver: median %.1f us "
          "(a connection per event, as requests.post), %.1f us (keep-alive)" % (log_us, per_event_us, keep_alive_us))
    print("   %.0fx cheaper (target >= 100x): %s; vs keep-alive %.0fx; %.1f us (target <= 20 us): %s"
          % (ratio, "met" if ratio >= 100 else "MISSED", keep_alive_us / log_us, log_us,
             "met" if log_us <= 20 else "MISSED"))


def bench_sustained(receiver, spool, events):
    before = receiver.count()
    telemetry = Telemetry(TelemetryConfig(hec_url=receiver.url, hec_token=TOKEN, spool_dir=spool,
                                          batch_events=5000, batch_bytes=4_000_000))
    start = time.perf_counter()
    for i in range(events):
        telemetry.emit("metrics", "Horno4_AE_v3", metrics={"loss": i * 0.001})
    delivered = telemetry.flush(300)
    elapsed = time.perf_counter() - start
    telemetry.sender.close()
    received = receiver.count() - before
    rate = events / elapsed
    print("2. sustained: %d events delivered=%s received=%d in %.2f s = %.0f events/s (target >= 50,000/s): %s"
          % (events, delivered, received, elapsed, rate, "met" if rate >= 50000 and received == events else "MISSED"))


def make_csv(path, rows, columns=59):
    g = random.Random(1)
    names = ["ts"] + ["sensor_%02d" % i for i in range(columns - 1)]
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        base = 1735689600
        for i in range(rows):
            values = ["%.3f" % g.gauss(100 + k, 5) for k in range(columns - 1)]
            f.write("%d," % (base + 60 * i) + ",".join(values) + "\n")


def bench_send_csv(receiver, rows):
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "plant.csv")
        make_csv(path, rows)
        size_mb = os.path.getsize(path) / 1e6
        start = time.perf_counter()
        frame = pd.read_csv(path)
        pandas_s = time.perf_counter() - start
        assert len(frame) == rows
        del frame
        before = receiver.count()
        start = time.perf_counter()
        summary = CsvSender(HecClient(receiver.url, TOKEN), path, "plant", "plant:csv", "ts", progress=False).run()
        send_s = time.perf_counter() - start
        received = receiver.count() - before
    ratio = send_s / pandas_s
    print("3. send-csv %d x 59 (%.0f MB): %.2f s (%d rows sent, %d received); pandas.read_csv: %.2f s"
          % (rows, size_mb, send_s, summary["rows"], received, pandas_s))
    print("   ratio %.2fx (target <= 3x): %s" % (ratio, "met" if ratio <= 3 and received == rows else "MISSED"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    receiver = Receiver()
    try:
        with tempfile.TemporaryDirectory() as spool:
            bench_log_call(receiver, os.path.join(spool, "a"))
            bench_sustained(receiver, os.path.join(spool, "b"), args.events)
        bench_send_csv(receiver, args.rows)
    finally:
        receiver.close()


if __name__ == "__main__":
    main()
