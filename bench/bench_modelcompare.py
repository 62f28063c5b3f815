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

from chunked import compare_with_passthrough  # noqa: E402


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
    compare_with_passthrough("modelcompare predictions mode, %d rows (binary, scores, bootstrap %d)"
                             % (args.rows, args.bootstrap), "modelcompare.py",
                             ["label=label", "score1=sa", "score2=sb", "bootstrap=%d" % args.bootstrap, "pa", "pb"],
                             bodies, args.rows, "_summary_", 0.5, 300)

if __name__ == "__main__":
    main()
