"""A durable on-disk spool of HEC events, written ahead at the log call.

Each process appends every event, as one line, to its own *active segment* with a single
``os.write`` on a file opened with ``O_APPEND`` (no fsync): once the log call returns, the event is in
the kernel's page cache and survives ``kill -9`` of the process (not a machine crash). The active
segment is created under a hidden name, locked with ``flock`` and only then renamed into place, so
no other sender can take it while its writer lives; the kernel releases the lock when the process
dies, and the segment then belongs to whichever sender claims it first.

A segment is *sealed* (its descriptor closed) once it holds a batch (``batch_events`` or
``batch_bytes``) or when the background sender wants to ship it. A sender claims a segment with an
exclusive non-blocking ``flock``, sends its bytes as they are (every line is already a HEC event
object, and HEC takes them concatenated: no decoding, no re-splitting), then deletes it (or replaces
it, still locked, by the lines left to send). A line without its final newline is a torn write of a process that died in
the middle of it: it is moved to ``dead-letter.jsonl`` with the reason and counted, never sent.
Events that HEC refuses as malformed also go to the dead-letter file, so nothing is dropped silently.
"""

import json
import mmap
import os
import threading
import time
import weakref
from collections import deque
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not POSIX: segments are not locked across processes
    fcntl = None

SUFFIX = ".jsonl"
MAX_MAPPED = 16 << 20  # the largest segment mapped in memory; a larger batch_bytes seals segments at this size
DEAD_LETTER = "dead-letter.jsonl"
TORN = "torn write: the writing process died in the middle of this line"


def _lock(fd, blocking=False) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        return True
    except OSError:
        return False


class Claim:
    """A locked segment: ``data`` (its complete lines, each ending in a newline, sent as they are),
    ``rewrite(rest)`` keeps the lock on what is left."""

    def __init__(self, spool, path, handle, data):
        self.spool, self.path, self.handle, self.data = spool, path, handle, data

    @property
    def lines(self) -> list:
        """The events, one bytes object each (split only when a batch must be taken apart)."""
        return [line for line in self.data.split(b"\n") if line.strip()]

    def rewrite(self, lines) -> None:
        self.rewrite_data(b"".join(line + b"\n" for line in lines))

    def rewrite_data(self, data: bytes) -> None:
        """Replace the segment, still locked, by ``data`` (complete lines); remove it when empty."""
        if not data or (data[:1].isspace() and not data.strip()):
            self.spool.remove(self.path)
            self.data = b""
            return
        temporary = os.path.join(os.path.dirname(self.path), "." + os.path.basename(self.path) + ".tmp")
        handle = open(temporary, "wb")
        _lock(handle.fileno(), blocking=True)  # nobody else can see the hidden name yet
        handle.write(data)
        handle.flush()
        os.replace(temporary, self.path)
        self.handle.close()
        self.handle = handle
        self.data = data


_live_spools = weakref.WeakSet()


def _after_fork_in_child():
    for spool in list(_live_spools):
        spool._forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _mapped_default() -> bool:
    return os.environ.get("MODELOPS_SPOOL_MAPPED", "1").strip().lower() not in ("0", "false", "no", "off")


class Spool:
    def __init__(self, directory: str, batch_events=1000, batch_bytes=1_000_000, mapped=None):
        self.directory = directory
        self.batch_events = batch_events
        self.batch_bytes = batch_bytes
        # Mapped: the active segment is reserved on disk (posix_fallocate) and mapped, and a line is copied
        # into the file's page cache without a system call. Else (or when the reservation fails) os.write.
        self.mapped = _mapped_default() if mapped is None else bool(mapped)
        self._sequence = 0
        self._lock = threading.Lock()  # guards the active segment
        self._fd = None
        self._map = None  # the active segment's mapping (None: os.write)
        self._capacity = 0
        self._path = None
        self._events = 0
        self._bytes = 0
        self._opened_at = 0.0
        self.torn = 0
        self._closed = deque()  # segments sealed since the sender last asked (take_closed)
        _live_spools.add(self)

    def _forget_after_fork(self):
        # The child shares the parent's descriptor (and lock); it starts its own segment instead.
        # The mapping is dropped from the child only (never truncated: the parent still writes it).
        self._lock = threading.Lock()
        if self._map is not None:
            try:
                self._map.close()
            except (OSError, ValueError):
                pass
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd = self._path = self._map = None

    def _ensure(self):
        os.makedirs(self.directory, exist_ok=True)

    def _name(self) -> str:
        self._sequence += 1
        return "%020d-%d-%06d%s" % (time.time_ns(), os.getpid(), self._sequence, SUFFIX)

    # --- write-ahead: the caller's thread ------------------------------------------------

    def _open_segment(self, need=0):
        self._ensure()
        name = self._name()
        hidden = os.path.join(self.directory, "." + name + ".open")
        flags = (os.O_RDWR if self.mapped else os.O_WRONLY) | os.O_CREAT | os.O_APPEND
        fd = os.open(hidden, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
        _lock(fd, blocking=True)
        self._map, self._capacity = None, 0
        if self.mapped and hasattr(os, "posix_fallocate"):
            capacity = max(min(self.batch_bytes, MAX_MAPPED), need)
            try:
                # Reserved blocks: a full disk fails here, never as SIGBUS on a store into the mapping.
                os.posix_fallocate(fd, 0, capacity)
                self._map, self._capacity = mmap.mmap(fd, capacity), capacity
            except (OSError, ValueError):  # no space, a file system without fallocate: os.write instead
                try:
                    os.ftruncate(fd, 0)
                except OSError:
                    pass
        path = os.path.join(self.directory, name)
        os.rename(hidden, path)  # visible only once locked
        self._fd, self._path, self._events, self._bytes = fd, path, 0, 0
        self._opened_at = time.monotonic()

    def _close_segment(self):
        fd, path, mapped, self._fd, self._path, self._map = self._fd, self._path, self._map, None, None, None
        if fd is not None:
            if mapped is not None:
                mapped.close()
                os.ftruncate(fd, self._bytes)  # the reserved space past the last line goes
            os.close(fd)  # releases the lock: the segment is now a batch any sender may claim
            self._closed.append(path)

    def take_closed(self) -> list:
        """Paths of the segments this spool sealed since the last call."""
        closed = []
        while self._closed:  # deque pops are atomic: safe against the writer's appends
            closed.append(self._closed.popleft())
        return closed

    def append(self, line: bytes) -> None:
        """Write one event (without its newline) to the active segment: one system call."""
        self.append_line(line + b"\n")

    def append_line(self, data: bytes) -> None:
        """Write one event line (ending in a newline) to the active segment: a copy into its mapping (in the
        kernel's page cache once copied, as a write would be), or one system call."""
        with self._lock:
            start = self._bytes
            end = start + len(data)
            if self._map is not None and end <= self._capacity:
                self._map[start:end] = data
            else:
                if self._fd is None or self._map is not None:  # none yet, or the mapped one is full
                    if self._fd is not None:
                        self._close_segment()
                    self._open_segment(len(data))
                    start, end = 0, len(data)
                if self._map is not None:
                    self._map[start:end] = data
                else:
                    written = os.write(self._fd, data)
                    while written < len(data):  # a short write (disk nearly full, signal): finish the line
                        written += os.write(self._fd, data[written:])
            self._events += 1
            self._bytes = end
            if self._events >= self.batch_events or self._bytes >= self.batch_bytes:
                self._close_segment()

    def seal(self, older_than=0.0, timeout=None) -> bool:
        """Close the active segment (if it holds events and is older than ``older_than`` seconds) so
        it can be shipped. False when the lock was not available within ``timeout``."""
        if self._fd is None:
            return True
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            return False
        try:
            if self._fd is not None and self._events and time.monotonic() - self._opened_at >= older_than:
                self._close_segment()
        finally:
            self._lock.release()
        return True

    def write_batch(self, lines) -> str:
        """Store ``lines`` (bytes, one JSON object each) as a new sealed segment; returns its path."""
        self._ensure()
        with self._lock:
            name = self._name()
        path = os.path.join(self.directory, name)
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        os.replace(temporary, path)
        return path

    # --- reading: the sender ---------------------------------------------------------------

    def pending(self) -> list:
        """Segment paths, oldest first (including segments still being written by a live process)."""
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
                    total += sum(1 for line in f if line.strip(b" \t\r\n\0"))
            except FileNotFoundError:
                continue
        return total

    @contextmanager
    def claim(self, path):
        """Yield a ``Claim`` of the segment while holding its lock, or None if a writer or another
        sender holds it, or it is gone. A torn last line goes to the dead-letter file."""
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            yield None
            return
        claim = None
        try:
            if not _lock(handle.fileno()):
                yield None
                return
            try:  # deleted or replaced by the sender that held the lock before us
                same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                yield None
                return
            data = handle.read()
            if data.endswith(b"\0"):  # a mapped segment whose writer died: the unwritten reservation
                data = data.rstrip(b"\0")
            end = data.rfind(b"\n") + 1  # 0 when there is no complete line
            tail, data = data[end:], data[:end]  # tail: b"" when the segment ends with a newline
            torn = [tail] if tail.strip() else []
            if b"\0" in data:  # the writer died in the middle of copying these lines (stores in any order)
                lines = data.split(b"\n")[:-1]
                torn = [line for line in lines if b"\0" in line] + torn
                data = b"".join(line + b"\n" for line in lines if b"\0" not in line)
            claim = Claim(self, path, handle, data)
            if torn:
                for line in torn:
                    self.torn += 1
                    self.dead_letter(line, TORN)
                claim.rewrite_data(data)  # the torn part is never read twice
            yield claim
        finally:
            (claim.handle if claim is not None else handle).close()

    def remove(self, path) -> None:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass

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
