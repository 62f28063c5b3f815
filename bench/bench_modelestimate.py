"""Target (issue 18): `| modelestimate` on 1,000,000 analysis rows (plus a 50,000-row labelled
reference) runs at >= 0.3x the throughput of a pass-through StreamingCommand on the same chunks, in
<= 300 MiB peak.

Both commands get the same pre-encoded 50,000-row chunks in the same run. Prints the ratio.
Usage: python bench/bench_modelestimate.py [--rows N] [--reference-rows N]
"""

import argparse
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from chunked import compare_with_passthrough  # noqa: E402


def make_bodies(analysis_rows, reference_rows, chunk_rows, seed=1):
    """A scorer whose score is overconfident (so calibration runs), labels on the reference only."""
    g = random.Random(seed)
    header = "_time,period,label,score,prediction\r\n"
    total = reference_rows + analysis_rows
    bodies, lines = [], [header]
    for i in range(total):
        reference = i < reference_rows
        logit = g.gauss(0.3 if reference else 0.6, 1.5)
        truth = 1.0 / (1.0 + math.exp(-logit))
        score = 1.0 / (1.0 + math.exp(-2.0 * logit))
        label = ("1" if g.random() < truth else "0") if reference else ""
        lines.append("%d,%s,%s,%.6f,%d\r\n" % (1700000000 + i, "reference" if reference else "analysis", label,
                                               score, score >= 0.5))
        if len(lines) > chunk_rows or i == total - 1:
            bodies.append("".join(lines).encode())
            lines = [header]
    return bodies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=50_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    args = parser.parse_args()
    bodies = make_bodies(args.rows, args.reference_rows, args.chunk_rows)
    compare_with_passthrough(
        "modelestimate, %d analysis + %d reference rows, chunks of 10000" % (args.rows, args.reference_rows),
        "modelestimate.py", ["label=label", "score=score", "prediction=prediction", "split=period", "chunk=10000"],
        bodies, args.rows + args.reference_rows, "roc_auc", 0.3, 300)


if __name__ == "__main__":
    main()
