"""Time a command over pre-encoded chunks and read its peak memory: the child's OWN high-water mark.

Not ``ru_maxrss``: on Linux a child's ru_maxrss keeps the peak of the process it was forked from
(the kernel carries it across exec), so a bench holding a gigabyte of chunks saw every child at a
gigabyte. ``VmHWM`` in ``/proc/<pid>/status`` belongs to the exec'd program alone; it is read after
the last reply, while the child is still alive (it never decreases, so that read is the peak).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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


def measure(script, args, bodies):
    """Send getinfo then every body as one execute chunk; return (seconds, peak MiB, replies)."""
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
            last = i == len(bodies) - 1
            meta = json.dumps({"action": "execute", "finished": last}).encode()
            process.stdin.write(b"chunked 1.0,%d,%d\n" % (len(meta), len(body)) + meta + body)
            process.stdin.flush()
            reply = harness.read_chunk(process.stdout)
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
