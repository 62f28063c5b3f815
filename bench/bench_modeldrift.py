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

from chunked import compare_with_passthrough  # noqa: E402

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
    compare_with_passthrough("modeldrift raw mode, %d rows x %d features" % (args.rows, len(FEATURES)),
                             "modeldrift.py", ["split=period", "fields=" + ",".join(FEATURES)], bodies, args.rows,
                             "_dataset_", 0.3, 400)

if __name__ == "__main__":
    main()
