"""Target (issue 16): `| modelcompare` predictions mode (binary, scores, bootstrap 1000) end to end as splunkd
runs it, 1,000,000 rows.

splunkd runs the map phase (`modelcompare phase=map ...`) over the 50,000-row chunks on the indexers,
then the reduce phase on the search head over the map's output, re-chunked at 50,000 rows. Measured
in one run on the same pre-encoded chunks (bench_modelcompare.make_bodies):

* end-to-end throughput (map + reduce, one partition) as a ratio to a pass-through command over the
  same chunks: target >= 0.6x;
* scale-out: the map split over 2 partitions run in parallel, the reduce alone as a share of the
  single-partition end-to-end time: target <= 25%;
* peak memory of every process (its own VmHWM): target <= 300 MiB;
* the rows equal those of the reduce phase fed the raw rows (the map is optional).

The load average is printed with the figures: the machine is shared.

Scores have 4 decimals by default (DeLong then works per distinct score); ``--full-precision`` writes
every digit, so every score is distinct (DeLong sorts and walks every row on the search head).

Usage: python bench/bench_modelcompare_splunkd.py [--rows N] [--bootstrap B] [--full-precision]
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_modelcompare import make_bodies  # noqa: E402
from chunked import ROOT, as_splunkd_runs_it  # noqa: E402

SCRIPT = os.path.join(ROOT, "bin", "modelcompare.py")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--full-precision", action="store_true",
                        help="scores with every digit (all distinct) instead of 4 decimals")
    args = parser.parse_args()
    command = ["label=label", "score1=sa", "score2=sb", "bootstrap=%d" % args.bootstrap, "pa", "pb"]
    as_splunkd_runs_it("modelcompare predictions mode as splunkd runs it, %d rows (binary, scores, bootstrap %d)"
                       % (args.rows, args.bootstrap), SCRIPT, command,
                       make_bodies(args.rows, args.chunk_rows, score_format="%r" if args.full_precision else "%.4f"),
                       args.rows, args.chunk_rows, lambda final: final[-1].get("metric") == "_summary_",
                       min_ratio=0.6)


if __name__ == "__main__":
    main()
