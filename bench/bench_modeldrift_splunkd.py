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
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_modeldrift import FEATURES, make_bodies  # noqa: E402
from chunked import ROOT, harness  # noqa: E402

SCRIPT = os.path.join(ROOT, "bin", "modeldrift.py")
ARGS = ["split=period", "fields=" + ",".join(FEATURES)]


def measure(script, args, bodies):
    """Like ``chunked.measure``, but the peak memory is the child's own VmHWM read just before it ends:
    ru_maxrss of a child also counts the (large) bench process it was forked from."""
    with tempfile.TemporaryDirectory() as dispatch_dir:
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        process = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, cwd=dispatch_dir, env=env)
        info = harness.searchinfo(args, dispatch_dir, os.path.basename(script)[:-3])
        start = time.perf_counter()
        process.stdin.write(harness.encode_chunk({"action": "getinfo", "preview": False, "searchinfo": info}))
        process.stdin.flush()
        harness.read_chunk(process.stdout)
        replies = []
        for i, body in enumerate(bodies):
            meta = json.dumps({"action": "execute", "finished": i == len(bodies) - 1}).encode()
            process.stdin.write(b"chunked 1.0,%d,%d\n" % (len(meta), len(body)) + meta + body)
            process.stdin.flush()
            replies.append(harness.read_chunk(process.stdout))
        elapsed = time.perf_counter() - start
        with open("/proc/%d/status" % process.pid) as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024.0
        process.stdin.close()
        if process.wait() != 0:
            raise SystemExit("%s exited %d: %s" % (script, process.returncode, process.stderr.read()[-2000:]))
        process.stdout.close()
        process.stderr.close()
        return elapsed, peak, replies


def rows_of(replies):
    return [row for _, body in replies for row in harness.csv_to_rows(body)]


def rechunk(rows, chunk_rows):
    return [harness.rows_to_csv(rows[i:i + chunk_rows]).encode() for i in range(0, len(rows), chunk_rows)] or [b""]


def run_map(bodies):
    return measure(SCRIPT, ["phase=map"] + ARGS, bodies)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    args = parser.parse_args()
    bodies = make_bodies(args.rows, args.chunk_rows)

    pass_s, pass_mb, _ = measure(os.path.join(HERE, "passthrough.py"), [], bodies)

    map_s, map_mb, map_replies = run_map(bodies)
    mapped = rows_of(map_replies)
    reduce_bodies = rechunk(mapped, args.chunk_rows)
    reduce_s, reduce_mb, reduce_replies = measure(SCRIPT, ARGS, reduce_bodies)
    end_to_end = map_s + reduce_s

    halves = [bodies[: len(bodies) // 2], bodies[len(bodies) // 2:]]
    results = [None, None]

    def one(i):
        results[i] = run_map(halves[i])

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parallel_map_s = time.perf_counter() - start
    mapped_2 = rows_of(results[0][2]) + rows_of(results[1][2])
    reduce2_s, reduce2_mb, reduce2_replies = measure(SCRIPT, ARGS, rechunk(mapped_2, args.chunk_rows))

    direct_s, direct_mb, direct_replies = measure(SCRIPT, ARGS, bodies)  # splunkd skipping the map
    final = rows_of(reduce_replies[-1:])
    same = final == rows_of(reduce2_replies[-1:]) == rows_of(direct_replies[-1:])
    if not final or final[-1].get("feature") != "_dataset_":
        raise SystemExit("modeldrift gave no result: %s" % (reduce_replies[-1][0],))

    rows = args.rows
    ratio = pass_s / end_to_end
    share = reduce2_s / end_to_end
    peak = max(map_mb, reduce_mb, reduce2_mb, results[0][1], results[1][1], direct_mb)
    print("modeldrift raw mode as splunkd runs it, %d rows x %d features, %d-row chunks"
          % (rows, len(FEATURES), args.chunk_rows))
    print("  pass-through:        %6.2f s  %8.0f rows/s  peak %4.0f MiB" % (pass_s, rows / pass_s, pass_mb))
    print("  map (1 partition):   %6.2f s  -> %d partial rows (%.1f MB)  peak %4.0f MiB"
          % (map_s, len(mapped), sum(len(b) for b in reduce_bodies) / 1e6, map_mb))
    print("  reduce:              %6.2f s  peak %4.0f MiB" % (reduce_s, reduce_mb))
    print("  end to end:          %6.2f s  %8.0f rows/s" % (end_to_end, rows / end_to_end))
    print("  map (2 partitions in parallel): %6.2f s; reduce %6.2f s" % (parallel_map_s, reduce2_s))
    print("  reduce without a map (raw rows): %6.2f s  peak %4.0f MiB" % (direct_s, direct_mb))
    print("  throughput ratio %.2fx (target >= 0.50x): %s" % (ratio, "met" if ratio >= 0.5 else "MISSED"))
    print("  reduce share of end to end %.0f%% (target <= 25%%): %s" % (100 * share, "met" if share <= 0.25
                                                                         else "MISSED"))
    print("  peak memory %.0f MiB (target <= 300 MiB): %s" % (peak, "met" if peak <= 300 else "MISSED"))
    print("  same rows with 1 partition, 2 partitions and no map: %s" % ("yes" if same else "NO"))
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
