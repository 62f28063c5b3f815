"""Time a command over pre-encoded chunks and read its peak memory: the child's OWN high-water mark.

Not ``ru_maxrss``: on Linux a child's ru_maxrss keeps the peak of the process it was forked from
(the kernel carries it across exec), so a bench holding a gigabyte of chunks saw every child at a
gigabyte. ``VmHWM`` in ``/proc/<pid>/status`` belongs to the exec'd program alone; it is read after
the last reply, while the child is still alive (it never decreases, so that read is the peak).

Every command runs as in Splunk's Python, which has no numpy: ``bench/splunk_python`` comes first on
its PYTHONPATH and makes ``import numpy`` fail (the venv has numpy for the notebook benches).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPLUNK_PYTHON = os.path.join(ROOT, "bench", "splunk_python")  # no numpy there, as in Splunk
sys.path.insert(0, ROOT)

from tests.protocol import harness  # noqa: E402


def peak_mib(pid):
    """The peak resident memory of a live process, in MiB (its VmHWM); None where /proc is missing."""
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def measure(script, args, bodies, tails=None):
    """Send getinfo then every body as one execute chunk; return (seconds, peak MiB, replies). With a
    list ``tails``, the seconds from sending the last chunk to its reply are appended to it."""
    with tempfile.TemporaryDirectory() as dispatch_dir:
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=SPLUNK_PYTHON)
        process = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, cwd=dispatch_dir, env=env)
        info = harness.searchinfo(args, dispatch_dir, os.path.basename(script)[:-3])
        start = time.perf_counter()
        process.stdin.write(harness.encode_chunk({"action": "getinfo", "preview": False, "searchinfo": info}))
        process.stdin.flush()
        harness.read_chunk(process.stdout)
        replies = []
        for i, body in enumerate(bodies):
            last = i == len(bodies) - 1
            meta = json.dumps({"action": "execute", "finished": last}).encode()
            sent = time.perf_counter()
            process.stdin.write(b"chunked 1.0,%d,%d\n" % (len(meta), len(body)) + meta + body)
            process.stdin.flush()
            reply = harness.read_chunk(process.stdout)
            if last and tails is not None:
                tails.append(time.perf_counter() - sent)
            replies.append(reply)
        elapsed = time.perf_counter() - start
        own_peak = peak_mib(process.pid)  # before stdin closes: the child is still alive
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        process.stderr.close()
        if process.returncode != 0:
            raise SystemExit("%s exited %d: %s" % (script, process.returncode, process.stderr.read()[-2000:]))
        # ru_maxrss only where /proc is missing (it may count the bench process: see above)
        return elapsed, own_peak if own_peak is not None else usage.ru_maxrss / 1024.0, replies


def compare_with_passthrough(title, script, args, bodies, rows, marker, min_ratio, max_mib):
    """Run the pass-through and ``script`` on the same chunks in this run; print and check the targets."""
    here = os.path.dirname(os.path.abspath(__file__))
    base_s, base_mb, _ = measure(os.path.join(here, "passthrough.py"), [], bodies)
    cmd_s, cmd_mb, replies = measure(os.path.join(ROOT, "bin", script), args, bodies)
    if marker not in replies[-1][1]:
        raise SystemExit("%s gave no result: %s" % (script, replies[-1][0]))
    ratio = base_s / cmd_s
    name = script[:-3]
    print("%s, %d chunks" % (title, len(bodies)))
    print("  pass-through: %6.2f s  %8.0f rows/s  peak %6.0f MiB" % (base_s, rows / base_s, base_mb))
    print("  %-13s %6.2f s  %8.0f rows/s  peak %6.0f MiB" % (name + ":", cmd_s, rows / cmd_s, cmd_mb))
    print("  throughput ratio %.2fx (target >= %.2fx): %s" % (ratio, min_ratio, "met" if ratio >= min_ratio
                                                                else "MISSED"))
    print("  peak memory %.0f MiB (target <= %d MiB): %s" % (cmd_mb, max_mib, "met" if cmd_mb <= max_mib
                                                              else "MISSED"))


def rows_of(replies):
    return [row for _, body in replies for row in harness.csv_to_rows(body)]


def rechunk(rows, chunk_rows):
    return [harness.rows_to_csv(rows[i:i + chunk_rows]).encode() for i in range(0, len(rows), chunk_rows)] or [b""]


def as_splunkd_runs_it(title, script, command, bodies, rows, chunk_rows, is_result, min_ratio):
    """A reporting command end to end as splunkd runs it, measured in one run on the same chunks: the
    map over every chunk, then the reduce over the map's output re-chunked; the map split over 2
    partitions in parallel (the reduce's share: target <= 25%); the reduce fed raw rows (the map is
    optional: same rows); a pass-through for the throughput ratio; every process's own peak memory."""
    import threading

    here = os.path.dirname(os.path.abspath(__file__))
    load = os.getloadavg()
    pass_s, pass_mb, _ = measure(os.path.join(here, "passthrough.py"), [], bodies)
    map_s, map_mb, map_replies = measure(script, ["phase=map"] + command, bodies)
    mapped = rows_of(map_replies)
    reduce_bodies = rechunk(mapped, chunk_rows)
    reduce_s, reduce_mb, reduce_replies = measure(script, command, reduce_bodies)
    end_to_end = map_s + reduce_s

    halves = [bodies[: len(bodies) // 2], bodies[len(bodies) // 2:]]
    results = [None, None]

    def one(i):
        results[i] = measure(script, ["phase=map"] + command, halves[i])

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parallel_map_s = time.perf_counter() - start
    mapped_2 = rows_of(results[0][2]) + rows_of(results[1][2])
    reduce2_s, reduce2_mb, reduce2_replies = measure(script, command, rechunk(mapped_2, chunk_rows))
    # as the partials reach a search head: one chunk per map reply (each indexer's output as it comes)
    tails = []
    streamed_s, _, _ = measure(script, command, [body.encode() for _, body in map_replies], tails)
    direct_s, direct_mb, direct_replies = measure(script, command, bodies)  # splunkd skipping the map

    final = rows_of(reduce_replies[-1:])
    same = final == rows_of(reduce2_replies[-1:]) == rows_of(direct_replies[-1:])
    if not final or not is_result(final):
        raise SystemExit("%s gave no result: %s" % (os.path.basename(script), reduce_replies[-1][0]))
    ratio, share = pass_s / end_to_end, reduce2_s / end_to_end
    peak = max(map_mb, reduce_mb, reduce2_mb, results[0][1], results[1][1], direct_mb)
    print("%s, %d-row chunks" % (title, chunk_rows))
    print("  load average at start %.2f %.2f %.2f, at end %.2f %.2f %.2f (2 cores)" % (load + os.getloadavg()))
    print("  pass-through:        %6.2f s  %8.0f rows/s  peak %4.0f MiB" % (pass_s, rows / pass_s, pass_mb))
    print("  map (1 partition):   %6.2f s  -> %d partial rows (%.1f MB)  peak %4.0f MiB"
          % (map_s, len(mapped), sum(len(b) for b in reduce_bodies) / 1e6, map_mb))
    print("  reduce:              %6.2f s  peak %4.0f MiB" % (reduce_s, reduce_mb))
    print("  end to end:          %6.2f s  %8.0f rows/s" % (end_to_end, rows / end_to_end))
    print("  map (2 partitions in parallel): %6.2f s; reduce %6.2f s" % (parallel_map_s, reduce2_s))
    print("  reduce without a map (raw rows): %6.2f s  peak %4.0f MiB" % (direct_s, direct_mb))
    print("  throughput ratio %.2fx (target >= %.2fx): %s" % (ratio, min_ratio, "met" if ratio >= min_ratio
                                                                else "MISSED"))
    print("  reduce share of end to end %.0f%% (target <= 25%%): %s" % (100 * share, "met" if share <= 0.25
                                                                         else "MISSED"))
    print("  reduce fed one chunk per map reply, as partials stream in: %.2f s, of which %.2f s after the last"
          " chunk (%.0f%% of end to end; the rest can run while indexers still map)"
          % (streamed_s, tails[0], 100 * tails[0] / end_to_end))
    print("  peak memory %.0f MiB (target <= 300 MiB): %s" % (peak, "met" if peak <= 300 else "MISSED"))
    print("  same rows with 1 partition, 2 partitions and no map: %s" % ("yes" if same else "NO"))
    if not same:
        raise SystemExit(1)


def hidden_numpy():
    """A context where ``import numpy`` fails: modelops.drift and .compare take their pure-Python paths."""
    class Hidden:
        def __enter__(self):
            self.saved = sys.modules.get("numpy")
            sys.modules["numpy"] = None

        def __exit__(self, *_):
            sys.modules["numpy"] = self.saved

    return Hidden()
