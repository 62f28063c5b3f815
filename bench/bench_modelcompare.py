"""Target (issue 6): `| modelcompare` predictions mode on 1,000,000 rows (binary, with scores,
bootstrap 1000) runs at >= 0.5x the throughput of a pass-through StreamingCommand on the same
chunks, in <= 300 MB peak memory. Both measured in this one run; prints the ratio.

Usage: python bench/bench_modelcompare.py [--rows N]
"""

import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from chunked import ROOT, measure  # noqa: E402


def make_bodies(rows, chunk_rows, seed=1):
    g = random.Random(seed)
    header = "label,pa,pb,sa,sb\r\n"
    bodies = []
    for start in range(0, rows, chunk_rows):
        lines = [header]
        for _ in range(start, min(rows, start + chunk_rows)):
            y = 1 if g.random() < 0.3 else 0
            sa = min(1.0, max(0.0, 0.3 * y + g.random() * 0.7))
            sb = min(1.0, max(0.0, 0.35 * y + g.random() * 0.65))
            lines.append("%d,%d,%d,%.4f,%.4f\r\n" % (y, sa > 0.5, sb > 0.5, sa, sb))
        bodies.append("".join(lines).encode())
    return bodies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    bodies = make_bodies(args.rows, args.chunk_rows)
    base_s, base_mb, _ = measure(os.path.join(HERE, "passthrough.py"), [], bodies)
    cmp_s, cmp_mb, replies = measure(os.path.join(ROOT, "bin", "modelcompare.py"),
                                     ["label=label", "score1=sa", "score2=sb", "bootstrap=%d" % args.bootstrap,
                                      "pa", "pb"], bodies)
    assert "_summary_" in replies[-1][1], "modelcompare gave no result: %s" % (replies[-1][0],)
    ratio = base_s / cmp_s
    print("modelcompare predictions mode, %d rows (binary, scores, bootstrap %d), %d chunks"
          % (args.rows, args.bootstrap, len(bodies)))
    print("  pass-through: %6.2f s  %8.0f rows/s  peak %6.0f MiB" % (base_s, args.rows / base_s, base_mb))
    print("  modelcompare: %6.2f s  %8.0f rows/s  peak %6.0f MiB" % (cmp_s, args.rows / cmp_s, cmp_mb))
    print("  throughput ratio %.2fx (target >= 0.50x): %s" % (ratio, "met" if ratio >= 0.5 else "MISSED"))
    print("  peak memory %.0f MiB (target <= 300 MiB): %s" % (cmp_mb, "met" if cmp_mb <= 300 else "MISSED"))


if __name__ == "__main__":
    main()
