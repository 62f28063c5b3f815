"""A durable on-disk spool of HEC batches.

Each batch is one file of newline-separated HEC JSON objects, written to a temporary name and
renamed into place, so a reader never sees half a batch. A sender takes a batch with an exclusive
``flock`` (released by the kernel if the process dies), sends it, then deletes it. Events that HEC
refuses as malformed go to ``dead-letter.jsonl`` with the reason, so nothing is dropped silently.
"""

import json
import os
import threading
import time
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not POSIX: batches are not locked across processes
    fcntl = None

SUFFIX = ".jsonl"
DEAD_LETTER = "dead-letter.jsonl"


class Spool:
    def __init__(self, directory: str):
        self.directory = directory
        self._sequence = 0
        self._lock = threading.Lock()

    def _ensure(self):
        os.makedirs(self.directory, exist_ok=True)

    def write_batch(self, lines) -> str:
        """Store ``lines`` (bytes, one JSON object each) as a new batch; returns its path."""
        self._ensure()
        with self._lock:
            self._sequence += 1
            name = "%020d-%d-%06d%s" % (time.time_ns(), os.getpid(), self._sequence, SUFFIX)
        path = os.path.join(self.directory, name)
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        os.replace(temporary, path)
        return path

    def pending(self) -> list:
        """Batch paths, oldest first."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return [os.path.join(self.directory, n) for n in sorted(names)
                if n.endswith(SUFFIX) and not n.startswith(".") and n != DEAD_LETTER]

    def count_events(self) -> int:
        total = 0
        for path in self.pending():
            try:
                with open(path, "rb") as f:
                    total += sum(1 for line in f if line.strip())
            except FileNotFoundError:
                continue
        return total

    @contextmanager
    def claim(self, path):
        """Yield the batch's lines while holding its lock, or None if another sender holds it
        or it is gone."""
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            yield None
            return
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    yield None
                    return
            if not os.path.exists(path):  # deleted by the sender that held the lock before us
                yield None
                return
            yield [line for line in handle.read().split(b"\n") if line.strip()]
        finally:
            handle.close()

    def remove(self, path) -> None:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass

    def rewrite(self, path, lines) -> None:
        """Replace a claimed batch by the lines still to send (deleting it when none are left)."""
        if not lines:
            self.remove(path)
            return
        temporary = path + ".tmp"
        with open(temporary, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        os.replace(temporary, path)

    def dead_letter(self, line: bytes, reason: str) -> None:
        self._ensure()
        record = {"time": time.time(), "reason": reason, "event": line.decode("utf-8", "replace")}
        with open(os.path.join(self.directory, DEAD_LETTER), "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def dead_letters(self) -> list:
        try:
            with open(os.path.join(self.directory, DEAD_LETTER), encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []
