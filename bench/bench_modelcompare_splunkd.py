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

Usage: python bench/bench_modelcompare_splunkd.py [--rows N] [--bootstrap B]
"""

import argparse
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_modelcompare import make_bodies  # noqa: E402
from bench_modeldrift_splunkd import measure, rechunk, rows_of  # noqa: E402
from chunked import ROOT  # noqa: E402

SCRIPT = os.path.join(ROOT, "bin", "modelcompare.py")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    command = ["label=label", "score1=sa", "score2=sb", "bootstrap=%d" % args.bootstrap, "pa", "pb"]
    bodies = make_bodies(args.rows, args.chunk_rows)
    load = os.getloadavg()

    pass_s, pass_mb, _ = measure(os.path.join(HERE, "passthrough.py"), [], bodies)

    map_s, map_mb, map_replies = measure(SCRIPT, ["phase=map"] + command, bodies)
    mapped = rows_of(map_replies)
    reduce_bodies = rechunk(mapped, args.chunk_rows)
    reduce_s, reduce_mb, reduce_replies = measure(SCRIPT, command, reduce_bodies)
    end_to_end = map_s + reduce_s

    halves = [bodies[: len(bodies) // 2], bodies[len(bodies) // 2:]]
    results = [None, None]

    def one(i):
        results[i] = measure(SCRIPT, ["phase=map"] + command, halves[i])

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parallel_map_s = time.perf_counter() - start
    mapped_2 = rows_of(results[0][2]) + rows_of(results[1][2])
    reduce2_s, reduce2_mb, reduce2_replies = measure(SCRIPT, command, rechunk(mapped_2, args.chunk_rows))

    direct_s, direct_mb, direct_replies = measure(SCRIPT, command, bodies)  # splunkd skipping the map
    final = rows_of(reduce_replies[-1:])
    same = final == rows_of(reduce2_replies[-1:]) == rows_of(direct_replies[-1:])
    if not final or final[-1].get("metric") != "_summary_":
        raise SystemExit("modelcompare gave no result: %s" % (reduce_replies[-1][0],))

    rows = args.rows
    ratio = pass_s / end_to_end
    share = reduce2_s / end_to_end
    peak = max(map_mb, reduce_mb, reduce2_mb, results[0][1], results[1][1], direct_mb)
    print("modelcompare predictions mode as splunkd runs it, %d rows (binary, scores, bootstrap %d), %d-row chunks"
          % (rows, args.bootstrap, args.chunk_rows))
    print("  load average at start %.2f %.2f %.2f, at end %.2f %.2f %.2f (2 cores, shared)"
          % (load + os.getloadavg()))
    print("  pass-through:        %6.2f s  %8.0f rows/s  peak %4.0f MiB" % (pass_s, rows / pass_s, pass_mb))
    print("  map (1 partition):   %6.2f s  -> %d partial rows (%.1f MB)  peak %4.0f MiB"
          % (map_s, len(mapped), sum(len(b) for b in reduce_bodies) / 1e6, map_mb))
    print("  reduce:              %6.2f s  peak %4.0f MiB" % (reduce_s, reduce_mb))
    print("  end to end:          %6.2f s  %8.0f rows/s" % (end_to_end, rows / end_to_end))
    print("  map (2 partitions in parallel): %6.2f s; reduce %6.2f s" % (parallel_map_s, reduce2_s))
    print("  reduce without a map (raw rows): %6.2f s  peak %4.0f MiB" % (direct_s, direct_mb))
    print("  throughput ratio %.2fx (target >= 0.60x): %s" % (ratio, "met" if ratio >= 0.6 else "MISSED"))
    print("  reduce share of end to end %.0f%% (target <= 25%%): %s" % (100 * share, "met" if share <= 0.25
                                                                         else "MISSED"))
    print("  peak memory %.0f MiB (target <= 300 MiB): %s" % (peak, "met" if peak <= 300 else "MISSED"))
    print("  same rows with 1 partition, 2 partitions and no map: %s" % ("yes" if same else "NO"))
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
