"""Target (issue 16): drift against Evidently 0.7.23 on the same 1,000,000 rows x 10 numeric features,
in one run: `| modeldrift` end to end as splunkd runs it (map over 50,000-row chunks, then reduce over
the map's output) no slower than Evidently's in-process report (Dataset.from_pandas +
Report([DataDriftPreset()]).run + .dict()), `modelops.drift` in a notebook >= 3x faster than it, and
the same drift decision for every feature.

The data drifts for real on some features and not on others, so that "same decisions" means
something: against a N(0, 1 + k) reference, the current rows of f0 shift by 0.5 sd, f1 by 0.2 sd,
f2 have 1.5x the spread (normalised Wasserstein about 0.4), f3 shift by 0.05 sd (below the 0.1
threshold), f4..f9 do not change. The load average is printed with the figures (the machine is shared).

Evidently needs pandas < 3, so it runs in its own venv (.venv-evidently, from
bench/requirements-evidently.txt), built by this script when missing.
Usage: python bench/bench_drift_evidently.py [--rows N] [--pure]  (--pure also times modelops.drift
with numpy hidden)
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_modeldrift import FEATURES  # noqa: E402
from bench_modeldrift_splunkd import ARGS, SCRIPT  # noqa: E402
from chunked import ROOT, hidden_numpy, measure, rechunk, rows_of  # noqa: E402

VENV = os.path.join(ROOT, ".venv-evidently")
PYTHON = os.path.join(VENV, "bin", "python")


def evidently_python():
    if not os.path.exists(PYTHON):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                        os.path.join(HERE, "requirements-evidently.txt")], check=True)
    return PYTHON


# (mean shift in sd, spread factor) of the current rows, per feature
DRIFT = {"f0": (0.5, 1.0), "f1": (0.2, 1.0), "f2": (0.0, 1.5), "f3": (0.05, 1.0)}


def make_bodies(rows, chunk_rows, seed=1):
    """Chunks of CSV: half reference rows, half current, FEATURES drifting as DRIFT says."""
    g = random.Random(seed)
    header = ",".join(["period", *FEATURES]) + "\r\n"
    shapes = [DRIFT.get(f, (0.0, 1.0)) for f in FEATURES]
    bodies = []
    for start in range(0, rows, chunk_rows):
        lines = [header]
        for i in range(start, min(rows, start + chunk_rows)):
            if i < rows // 2:
                cells = ["%.5f" % g.gauss(0.0, 1 + k) for k in range(len(FEATURES))]
                lines.append("reference," + ",".join(cells) + "\r\n")
            else:
                cells = ["%.5f" % g.gauss(shift * (1 + k), spread * (1 + k))
                         for k, (shift, spread) in enumerate(shapes)]
                lines.append("current," + ",".join(cells) + "\r\n")
        bodies.append("".join(lines).encode())
    return bodies


def write_csv(bodies, path):
    with open(path, "wb") as out:
        for i, body in enumerate(bodies):
            out.write(body.replace(b"\r\n", b"\n") if i == 0 else body.split(b"\r\n", 1)[1].replace(b"\r\n", b"\n"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--pure", action="store_true", help="also time modelops.drift without numpy")
    args = parser.parse_args()
    load_before = os.getloadavg()
    bodies = make_bodies(args.rows, args.chunk_rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "drift.csv")
        write_csv(bodies, path)
        done = subprocess.run([evidently_python(), os.path.join(HERE, "evidently_drift.py"), path, ",".join(FEATURES)],
                              check=True, capture_output=True, text=True)
        evidently = json.loads(done.stdout.strip().splitlines()[-1])

        map_s, map_mb, map_replies = measure(SCRIPT, ["phase=map"] + ARGS, bodies)
        reduce_s, reduce_mb, reduce_replies = measure(SCRIPT, ARGS, rechunk(rows_of(map_replies), args.chunk_rows))
        command_rows = {r["feature"]: r for r in rows_of(reduce_replies[-1:])}

        import pandas as pd  # the notebook side

        sys.path.insert(0, os.path.join(ROOT, "bin"))
        import modelops

        frame = pd.read_csv(path)
        reference = frame[frame["period"] == "reference"][FEATURES]
        current = frame[frame["period"] == "current"][FEATURES]
        start = time.perf_counter()
        notebook = modelops.drift(reference, current)
        notebook_s = time.perf_counter() - start
        notebook_rows = {r["feature"]: r for r in notebook}
        pure_s = None
        if args.pure:
            with hidden_numpy():
                start = time.perf_counter()
                pure = modelops.drift(reference, current)
                pure_s = time.perf_counter() - start
            if [{k: repr(v) for k, v in r.items()} for r in pure] != [{k: repr(v) for k, v in r.items()}
                                                                       for r in notebook]:
                raise SystemExit("modelops.drift gave other numbers without numpy")
    load_after = os.getloadavg()

    command_s = map_s + reduce_s
    decisions = {f: (int(command_rows[f]["drift"]), int(evidently["features"][f]["drift"]), notebook_rows[f]["drift"])
                 for f in FEATURES}
    same = all(len(set(d)) == 1 for d in decisions.values())
    same_numbers = all(float(command_rows[f]["statistic"]) == notebook_rows[f]["statistic"] for f in FEATURES)
    print("drift against Evidently 0.7.23, %d rows x %d numeric features (%d drift), one run"
          % (args.rows, len(FEATURES), sum(d[1] for d in decisions.values())))
    print("  load average (1 min) %.2f before, %.2f after, on %d CPUs"
          % (load_before[0], load_after[0], os.cpu_count()))
    print("  Evidently report (in process):        %6.2f s" % evidently["seconds"])
    print("  | modeldrift map + reduce (protocol): %6.2f s  (map %.2f s peak %.0f MiB, reduce %.2f s peak %.0f MiB)"
          % (command_s, map_s, map_mb, reduce_s, reduce_mb))
    print("  modelops.drift (notebook, numpy):     %6.2f s" % notebook_s)
    if pure_s is not None:
        print("  modelops.drift (numpy hidden):        %6.2f s  (same rows, bit for bit)" % pure_s)
    ratio = evidently["seconds"] / command_s
    print("  | modeldrift speed vs Evidently %.2fx (target >= 1.0x): %s" % (ratio, "met" if ratio >= 1 else "MISSED"))
    ratio = evidently["seconds"] / notebook_s
    print("  modelops.drift (numpy) speed vs Evidently %.2fx (target >= 3.0x): %s"
          % (ratio, "met" if ratio >= 3 else "MISSED"))
    for f in FEATURES:
        e = evidently["features"][f]
        print("    %-3s Evidently %-30s %.5f drift=%d | ours %-12s %.5f drift=%s" % (
            f, e["method"], e["score"], e["drift"], command_rows[f]["test"], float(command_rows[f]["statistic"]),
            command_rows[f]["drift"]))
    print("  same drift decisions (command, notebook, Evidently): %s" % ("yes" if same else "NO"))
    print("  same statistics (command, notebook): %s" % ("yes" if same_numbers else "NO"))
    gap = max(abs(notebook_rows[f]["statistic"] - evidently["features"][f]["score"])
              / max(abs(evidently["features"][f]["score"]), 1e-300) for f in FEATURES)
    print("  largest relative difference from Evidently's scores: %.1e" % gap)
    if not same or not same_numbers:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
