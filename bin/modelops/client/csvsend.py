"""Move a local CSV into a Splunk index through HEC: streaming, pipelined, resumable.

The file is read in blocks cut at line ends (quoted newlines respected); each block becomes HEC
batches that a worker thread gzips and posts while the next block is parsed. For large files the
blocks can be encoded and gzipped by worker processes instead (``workers``; the same code, so
the same bytes); the main process then only posts. After a block is
delivered, a checkpoint (``<file>.modelops-progress.json``: byte offset, rows) is written, so an
interrupted run resumes where it stopped. Events HEC refuses as malformed go to
``<file>.modelops-rejected.jsonl``.
"""

import csv
import io
import json
import os
import queue
import re
import sys
import threading
import time
from collections import deque

from ..errors import ModelOpsError
from .telemetry.transport import backoff_delay, gzip_body
from .timeparse import TimeParser

BLOCK_BYTES = 4 << 20
BATCH_BYTES = 4 << 20
_COMMA_NUMBER = re.compile(r"^[+-]?\d+(,\d+)?([eE][+-]?\d+)?$")


def checkpoint_path(path):
    return path + ".modelops-progress.json"


def read_blocks(handle, start, block_bytes=BLOCK_BYTES):
    """(end offset, bytes) blocks from ``start``, each ending at a line end outside quotes."""
    handle.seek(start)
    offset = start
    carry = b""
    while True:
        chunk = handle.read(block_bytes)
        data = carry + chunk
        if not chunk:
            if data:
                yield offset + len(data), data
            return
        cut = data.rfind(b"\n")
        while cut >= 0 and data.count(b'"', 0, cut + 1) % 2:
            cut = data.rfind(b"\n", 0, cut)
        if cut < 0:
            carry = data
            continue
        block, carry = data[: cut + 1], data[cut + 1:]
        offset += len(block)
        yield offset, block


class CsvSender:
    def __init__(self, client, path, index, sourcetype, time_column, time_format=None, timezone_name="UTC",
                 delimiter=",", decimal=".", host=None, source=None, encoding="utf-8", progress=True,
                 max_attempts=8, out=sys.stderr, block_bytes=BLOCK_BYTES, workers=None):
        self.settings = dict(path=path, index=index, sourcetype=sourcetype, time_column=time_column,
                             time_format=time_format, timezone_name=timezone_name, delimiter=delimiter,
                             decimal=decimal, host=host, source=source, encoding=encoding)
        self.workers = workers
        self.client = client
        self.path = path
        self.index, self.sourcetype = index, sourcetype
        self.time_column = time_column
        self.times = TimeParser(time_format, timezone_name)
        self.delimiter, self.decimal = delimiter, decimal
        self.host = host
        self.source = source or os.path.basename(path)
        self.encoding = encoding
        self.progress = progress
        self.max_attempts = max_attempts
        self.block_bytes = block_bytes
        self.out = out
        self.size = os.path.getsize(path)
        self.rows = 0
        self.rejected = 0
        self._error = None

    # --- checkpoint ----------------------------------------------------------------------

    def _identity(self):
        stat = os.stat(self.path)
        return {"size": stat.st_size, "mtime": int(stat.st_mtime), "index": self.index,
                "sourcetype": self.sourcetype}

    def load_checkpoint(self):
        try:
            with open(checkpoint_path(self.path), encoding="utf-8") as f:
                saved = json.load(f)
        except (OSError, ValueError):
            return None
        if any(saved.get(k) != v for k, v in self._identity().items()):
            return None
        return saved

    def save_checkpoint(self, offset, rows, done=False):
        state = dict(self._identity(), offset=offset, rows=rows, done=done)
        temporary = checkpoint_path(self.path) + ".tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(state, f)
        os.replace(temporary, checkpoint_path(self.path))

    # --- encoding ------------------------------------------------------------------------

    def _prepare_header(self, header):
        if self.time_column not in header:
            raise ModelOpsError("the time column %r is not in the CSV header (%s)"
                                % (self.time_column, ", ".join(header[:10])))
        self.header = header
        self.time_index = header.index(self.time_column)
        self.keys = [json.dumps(name) + ":" for name in header]
        self.envelope_head = ',"index":%s,"sourcetype":%s,"source":%s%s,"event":{' % (
            json.dumps(self.index), json.dumps(self.sourcetype), json.dumps(self.source),
            ',"host":%s' % json.dumps(self.host) if self.host else "")
        self.numeric_comma = None
        special = set(range(32)) | {ord('"'), ord("\\")}
        special -= {ord("\n"), ord("\r")} | set(self.delimiter.encode())
        self._plain_bytes = bytes(b for b in range(256) if b not in special)
        # One %-format per row: time, then every column as a JSON string.
        self.row_format = '{"time":%s' + self.envelope_head.replace("%", "%%") + ",".join(
            k.replace("%", "%%") + '"%s"' for k in self.keys) + "}}"

    def _detect_comma_columns(self, rows):
        found = []
        for i in range(len(self.header)):
            values = [r[i] for r in rows[:200] if i < len(r) and r[i]]
            if values and all(_COMMA_NUMBER.match(v) for v in values) and any("," in v for v in values):
                found.append(i)
        return found

    def needs_care(self, block: bytes) -> bool:
        """True when the block has quotes or characters a JSON string cannot hold as-is."""
        return bool(block.translate(None, self._plain_bytes))

    def _ensure_numeric_comma(self, text):
        if self.decimal == "," and self.numeric_comma is None:
            sample = list(csv.reader(io.StringIO(text[:200_000]), delimiter=self.delimiter))
            self.numeric_comma = self._detect_comma_columns(sample[:-1] or sample)

    def encode_block(self, text, line_base, careful=True):
        """HEC lines for one block of CSV text (every column, empty values as "")."""
        self._ensure_numeric_comma(text)
        if careful:
            # Quoted fields or characters JSON must escape: the careful path.
            rows = list(csv.reader(io.StringIO(text), delimiter=self.delimiter))
            encode = self._encode_careful
        else:
            # No quotes and nothing to escape: split and format each row in one C call.
            rows = [line.split(self.delimiter) for line in text.replace("\r\n", "\n").split("\n")]
            encode = self.row_format.__mod__
        width, time_index, times, comma = len(self.header), self.time_index, self.times, self.numeric_comma
        lines = []
        for n, row in enumerate(rows):
            if len(row) != width:
                if len(row) <= 1 and not "".join(row).strip():
                    continue  # blank line
                raise ModelOpsError("line %d has %d fields, the header has %d (check --delimiter)"
                                    % (line_base + n, len(row), width))
            for i in comma or ():
                row[i] = row[i].replace(",", ".")
            try:
                when = times.parse(row[time_index])
            except ValueError as error:
                raise ModelOpsError("line %d: %s" % (line_base + n, error)) from None
            lines.append(encode(("%.6f" % when, *row)))
        return lines

    def encode_gzipped(self, block: bytes, line_base):
        """(rows, [(lines, gzipped body)]) for one block: what a worker process returns."""
        lines = self.encode_block(block.decode(self.encoding), line_base, careful=self.needs_care(block))
        return len(lines), [(len(batch), gzip_body("\n".join(batch).encode("utf-8")))
                            for batch in split_batches(lines)]

    def _encode_careful(self, values):
        when, row = values[0], values[1:]
        body = ",".join(k + json.dumps(v, ensure_ascii=False) for k, v in zip(self.keys, row))
        return '{"time":%s%s%s}}' % (when, self.envelope_head, body)

    # --- sending -------------------------------------------------------------------------

    def _post(self, lines=None, gzipped=None):
        """Deliver one batch (text lines, or a (count, gzipped body) pair), retrying what HEC asks to."""
        payload = [line.encode("utf-8") for line in lines] if lines is not None else None
        attempt = 0
        while gzipped is not None or payload:
            if gzipped is not None:
                result, gzipped = self.client.send_gzipped(gzipped[1], gzipped[0]), None
            else:
                result = self.client.send(payload)
            if result.dead:
                self.rejected += len(result.dead)
                with open(self.path + ".modelops-rejected.jsonl", "ab") as f:
                    for line, reason in result.dead:
                        f.write(json.dumps({"reason": reason, "event": line.decode("utf-8", "replace")}).encode()
                                + b"\n")
            if result.fatal:
                raise ModelOpsError("HEC refused the data: %s" % result.fatal)
            if result.retry and not result.dead:
                attempt += 1
                if attempt >= self.max_attempts:
                    raise ModelOpsError("HEC kept failing (%s); progress is saved, run the same command to "
                                        "resume" % result.detail)
                time.sleep(backoff_delay(attempt, cap=30.0))
            payload = result.retry

    def _worker(self, work):
        while True:
            item = work.get()
            if item is None:
                return
            batches, offset, rows = item
            try:
                if self._error is None:
                    for batch in batches:  # one join and encode per batch; gzip releases the GIL
                        self._post(gzipped=(len(batch), gzip_body("\n".join(batch).encode("utf-8"))))
                    self.save_checkpoint(offset, rows)
                    self._delivered = (offset, rows)
            except Exception as error:
                self._error = error

    def _report(self, offset, started, final=False):
        if not self.progress:
            return
        now = time.monotonic()
        if not final and now - getattr(self, "_last_report", 0) < 0.2:
            return
        self._last_report = now
        share = offset / self.size if self.size else 1.0
        rate = self.rows / max(now - started, 1e-9)
        bar = "#" * int(share * 30)
        self.out.write("\r[%-30s] %5.1f%%  %s rows  %s rows/s" % (bar, share * 100, format(self.rows, ","),
                                                                   format(int(rate), ",")))
        if final:
            self.out.write("\n")
        self.out.flush()

    def _worker_count(self, start):
        """``workers`` as given, else 0: on the 2-core machine this was measured on (shared with other
        work), two worker processes were slower than one process with a sender thread (README)."""
        return max(0, int(self.workers or 0))

    def _run_processes(self, handle, start, workers):
        """Encode and gzip blocks in ``workers`` processes (at most workers + 1 blocks in flight, so memory
        stays bounded); post them in file order from here, checkpointing after each."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        started = time.monotonic()
        blocks = read_blocks(handle, start, self.block_bytes)
        first = next(blocks, None)
        if first is not None:
            self._ensure_numeric_comma(first[1].decode(self.encoding))
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init,
                                   initargs=(self.settings, self.header, self.numeric_comma))
        in_flight = deque()
        line = self.rows + 2

        def deliver():
            offset, future = in_flight.popleft()
            rows, batches = future.result()
            for count, body in batches:
                self._post(gzipped=(count, body))
            self.rows += rows
            self.save_checkpoint(offset, self.rows)
            self._delivered = (offset, self.rows)
            self._report(offset, started)

        try:
            pending = [first] if first is not None else []
            for offset, block in _chain(pending, blocks):
                in_flight.append((offset, pool.submit(_worker_encode, block, line)))
                line += block.count(b"\n")
                while len(in_flight) > workers:
                    deliver()
            while in_flight:
                deliver()
        finally:
            for _, future in in_flight:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
        self.save_checkpoint(self._delivered[0], self._delivered[1], done=True)
        self._report(self.size, started, final=True)
        return {"rows": self._delivered[1], "already_done": False, "rejected": self.rejected,
                "seconds": time.monotonic() - started}

    def run(self, restart=False):
        """Send the file (or its rest); returns a summary dict. Raises ModelOpsError with one sentence."""
        saved = None if restart else self.load_checkpoint()
        if saved and saved.get("done"):
            return {"rows": saved["rows"], "already_done": True, "rejected": 0, "seconds": 0.0}
        with open(self.path, "rb") as handle:
            header_line = handle.readline()
            header = next(csv.reader([header_line.decode(self.encoding).lstrip("\ufeff")],
                                     delimiter=self.delimiter))
            self._prepare_header([h.strip() for h in header])
            start = saved["offset"] if saved else len(header_line)
            self.rows = saved["rows"] if saved else 0
            self._delivered = (start, self.rows)
            workers = self._worker_count(start)
            if workers:
                return self._run_processes(handle, start, workers)
            work = queue.Queue(maxsize=2)
            worker = threading.Thread(target=self._worker, args=(work,), daemon=True)
            worker.start()
            started = time.monotonic()
            try:
                for offset, block in read_blocks(handle, start, self.block_bytes):
                    if self._error is not None:
                        break
                    lines = self.encode_block(block.decode(self.encoding), self.rows + 2,
                                              careful=self.needs_care(block))
                    self.rows += len(lines)
                    work.put((split_batches(lines), offset, self.rows))
                    self._report(offset, started)
            finally:
                work.put(None)
                worker.join()
        if self._error is not None:
            raise self._error if isinstance(self._error, ModelOpsError) else ModelOpsError(str(self._error))
        self.save_checkpoint(self._delivered[0], self._delivered[1], done=True)
        self._report(self.size, started, final=True)
        return {"rows": self._delivered[1], "already_done": False, "rejected": self.rejected,
                "seconds": time.monotonic() - started}


def split_batches(lines):
    """Consecutive batches of about BATCH_BYTES."""
    batches, batch, size = [], [], 0
    for line in lines:
        batch.append(line)
        size += len(line)
        if size >= BATCH_BYTES:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    return batches


# --- worker processes --------------------------------------------------------------------------

_worker_sender = None


def _worker_init(settings, header, numeric_comma):
    global _worker_sender
    sender = CsvSender(None, progress=False, **settings)
    sender._prepare_header(header)
    sender.numeric_comma = numeric_comma
    _worker_sender = sender


def _worker_encode(block, line_base):
    return _worker_sender.encode_gzipped(block, line_base)


def _chain(first, rest):
    yield from first
    yield from rest
