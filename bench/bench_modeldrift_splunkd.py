"""Target (issue 16): `| modeldrift` raw mode end to end as splunkd runs it, 1,000,000 rows x 10 features.

splunkd runs the map phase (`modeldrift phase=map ...`) over the 50,000-row chunks on the indexers,
then the reduce phase on the search head over the map's output, re-chunked at 50,000 rows. Measured
in one run on the same pre-encoded chunks:

* end-to-end throughput (map + reduce, one partition) as a ratio to a pass-through command over
  the same chunks: target >= 0.5x;
* scale-out: the map split over 2 partitions run in parallel, the reduce alone as a share of the
  single-partition end-to-end time: target <= 25%;
* peak memory of every process: target <= 300 MiB;
* the rows equal those of the reduce phase fed the raw rows (the map is optional).

Usage: python bench/bench_modeldrift_splunkd.py [--rows N]
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_modeldrift import FEATURES, make_bodies  # noqa: E402
from chunked import ROOT, as_splunkd_runs_it  # noqa: E402

SCRIPT = os.path.join(ROOT, "bin", "modeldrift.py")
ARGS = ["split=period", "fields=" + ",".join(FEATURES)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    args = parser.parse_args()
    as_splunkd_runs_it("modeldrift raw mode as splunkd runs it, %d rows x %d features" % (args.rows, len(FEATURES)),
                       SCRIPT, ARGS, make_bodies(args.rows, args.chunk_rows), args.rows, args.chunk_rows,
                       lambda final: final[-1].get("feature") == "_dataset_", min_ratio=0.5)


if __name__ == "__main__":
    main()
