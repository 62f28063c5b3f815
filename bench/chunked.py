"""Time a command over pre-encoded chunks and read its peak memory (ru_maxrss of that one child)."""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.protocol import harness  # noqa: E402


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
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        process.stderr.close()
        if process.returncode != 0:
            raise SystemExit("%s exited %d: %s" % (script, process.returncode, process.stderr.read()[-2000:]))
        return elapsed, usage.ru_maxrss / 1024.0, replies
