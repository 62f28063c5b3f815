"""Target (issue 16): drift against Evidently 0.7.23 on the same 1,000,000 rows x 10 numeric features,
in one run: `| modeldrift` end to end as splunkd runs it (map over 50,000-row chunks, then reduce over
the map's output) no slower than Evidently's in-process report (Dataset.from_pandas +
Report([DataDriftPreset()]).run + .dict()), `modelops.drift` in a notebook >= 3x faster than it, and
the same drift decision for every feature.

Evidently needs pandas < 3, so it runs in its own venv (.venv-evidently, from
bench/requirements-evidently.txt), built by this script when missing.
Usage: python bench/bench_drift_evidently.py [--rows N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_modeldrift import FEATURES, make_bodies  # noqa: E402
from bench_modeldrift_splunkd import ARGS, SCRIPT, measure, rechunk, rows_of, run_map  # noqa: E402
from chunked import ROOT  # noqa: E402

VENV = os.path.join(ROOT, ".venv-evidently")
PYTHON = os.path.join(VENV, "bin", "python")


def evidently_python():
    if not os.path.exists(PYTHON):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                        os.path.join(HERE, "requirements-evidently.txt")], check=True)
    return PYTHON


def write_csv(bodies, path):
    with open(path, "wb") as out:
        for i, body in enumerate(bodies):
            out.write(body.replace(b"\r\n", b"\n") if i == 0 else body.split(b"\r\n", 1)[1].replace(b"\r\n", b"\n"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    args = parser.parse_args()
    bodies = make_bodies(args.rows, args.chunk_rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "drift.csv")
        write_csv(bodies, path)
        done = subprocess.run([evidently_python(), os.path.join(HERE, "evidently_drift.py"), path, ",".join(FEATURES)],
                              check=True, capture_output=True, text=True)
        evidently = json.loads(done.stdout.strip().splitlines()[-1])

        map_s, map_mb, map_replies = run_map(bodies)
        reduce_s, reduce_mb, reduce_replies = measure(SCRIPT, ARGS, rechunk(rows_of(map_replies), args.chunk_rows))
        command_rows = {r["feature"]: r for r in rows_of(reduce_replies[-1:])}

        import pandas as pd  # the notebook side

        sys.path.insert(0, os.path.join(ROOT, "bin"))
        import modelops

        frame = pd.read_csv(path)
        reference = frame[frame["period"] == "reference"][FEATURES]
        current = frame[frame["period"] == "current"][FEATURES]
        start = time.perf_counter()
        notebook_rows = {r["feature"]: r for r in modelops.drift(reference, current)}
        notebook_s = time.perf_counter() - start

    command_s = map_s + reduce_s
    same = all(int(command_rows[f]["drift"]) == int(evidently["features"][f]["drift"]) == notebook_rows[f]["drift"]
               for f in FEATURES)
    print("drift against Evidently 0.7.23, %d rows x %d numeric features" % (args.rows, len(FEATURES)))
    print("  Evidently report (in process):        %6.2f s" % evidently["seconds"])
    print("  | modeldrift map + reduce (protocol): %6.2f s  (map %.2f s, reduce %.2f s, peak %.0f MiB)"
          % (command_s, map_s, reduce_s, max(map_mb, reduce_mb)))
    print("  modelops.drift (notebook, pure Python): %6.2f s" % notebook_s)
    ratio = evidently["seconds"] / command_s
    print("  | modeldrift speed vs Evidently %.2fx (target >= 1.0x): %s" % (ratio, "met" if ratio >= 1 else "MISSED"))
    ratio = evidently["seconds"] / notebook_s
    print("  modelops.drift speed vs Evidently %.2fx (target >= 3.0x): %s" % (ratio, "met" if ratio >= 3 else "MISSED"))
    for f in FEATURES:
        e = evidently["features"][f]
        print("    %-3s Evidently %-30s %.5f drift=%d | ours %-12s %.5f drift=%s" % (
            f, e["method"], e["score"], e["drift"], command_rows[f]["test"], float(command_rows[f]["statistic"]),
            command_rows[f]["drift"]))
    print("  same drift decisions (command, notebook, Evidently): %s" % ("yes" if same else "NO"))


if __name__ == "__main__":
    main()
