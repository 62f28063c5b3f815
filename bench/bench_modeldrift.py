"""Target (issue 7): `| modeldrift` raw mode on 1,000,000 rows x 10 numeric features runs at
>= 0.3x the throughput of a pass-through StreamingCommand on the same chunks, in <= 400 MB peak.

Both commands get the same pre-encoded 50,000-row chunks in the same run. Prints the ratio.
Usage: python bench/bench_modeldrift.py [--rows N]
"""

import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from chunked import ROOT, measure  # noqa: E402

FEATURES = ["f%d" % i for i in range(10)]


def make_bodies(rows, chunk_rows, seed=1):
    g = random.Random(seed)
    header = ",".join(["period", *FEATURES]) + "\r\n"
    bodies = []
    for start in range(0, rows, chunk_rows):
        lines = [header]
        for i in range(start, min(rows, start + chunk_rows)):
            side = "reference" if i < rows // 2 else "current"
            shift = 0.1 if side == "current" else 0.0
            lines.append(side + "," + ",".join("%.5f" % g.gauss(shift * k, 1 + k) for k in range(10)) + "\r\n")
        bodies.append("".join(lines).encode())
    return bodies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    args = parser.parse_args()
    bodies = make_bodies(args.rows, args.chunk_rows)
    base_s, base_mb, _ = measure(os.path.join(HERE, "passthrough.py"), [], bodies)
    drift_s, drift_mb, replies = measure(os.path.join(ROOT, "bin", "modeldrift.py"),
                                         ["split=period", "fields=" + ",".join(FEATURES)], bodies)
    assert b"_dataset_" in replies[-1][1].encode(), "modeldrift gave no result"
    ratio = base_s / drift_s
    print("modeldrift raw mode, %d rows x %d features, %d chunks" % (args.rows, len(FEATURES), len(bodies)))
    print("  pass-through: %6.2f s  %8.0f rows/s  peak %6.0f MiB" % (base_s, args.rows / base_s, base_mb))
    print("  modeldrift:   %6.2f s  %8.0f rows/s  peak %6.0f MiB" % (drift_s, args.rows / drift_s, drift_mb))
    print("  throughput ratio %.2fx (target >= 0.30x): %s" % (ratio, "met" if ratio >= 0.3 else "MISSED"))
    print("  peak memory %.0f MiB (target <= 400 MiB): %s" % (drift_mb, "met" if drift_mb <= 400 else "MISSED"))


if __name__ == "__main__":
    main()
