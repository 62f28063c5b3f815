"""Drive a custom search command exactly as splunkd does with search command protocol v2.

The command runs as ``python bin/<name>.py`` with no arguments; the SPL arguments travel in
``searchinfo.args``. The harness sends ``getinfo``, then ``execute`` chunks of CSV rows
(``chunk_size`` rows each, CRLF line ends, ``__mv_`` columns for multivalues), reads exactly one
reply per request, and decodes the reply rows. When the getinfo reply asks for a
``streaming_preop`` (a reporting command's map phase), the rows first go through that map command,
split across ``map_partitions`` processes as indexers would, and the concatenated map output feeds
the reduce phase.
"""

import csv
import io
import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, "bin")
# The interpreter that runs the commands, as Splunk's own Python would (3.9 on 9.x, 3.13 on 10.2+).
COMMAND_PYTHON = os.environ.get("MODELOPS_COMMAND_PYTHON") or sys.executable


@dataclass
class Phase:
    """What one process said: its getinfo reply, every execute reply, its exit status."""

    getinfo: dict = field(default_factory=dict)
    replies: list = field(default_factory=list)  # (metadata, rows) per execute request
    exit_code: int = None
    stderr: str = ""

    @property
    def messages(self):
        found = list(self.getinfo.get("inspector", {}).get("messages", []))
        for metadata, _ in self.replies:
            found.extend(metadata.get("inspector", {}).get("messages", []))
        return [tuple(m) for m in found]

    @property
    def rows(self):
        return [row for _, rows in self.replies for row in rows]


@dataclass
class Run:
    """The whole search: the map phase (if any) and the final phase."""

    final: Phase
    map_phases: list = field(default_factory=list)

    @property
    def rows(self):
        return self.final.rows

    @property
    def messages(self):
        found = [m for p in self.map_phases for m in p.messages]
        return found + self.final.messages

    def errors(self):
        return [text for level, text in self.messages if level == "ERROR"]

    def warnings(self):
        return [text for level, text in self.messages if level == "WARN"]

    @property
    def exit_code(self):
        return self.final.exit_code


# --- wire format -----------------------------------------------------------------------------


def encode_chunk(metadata: dict, body: str = "") -> bytes:
    meta = json.dumps(metadata).encode("utf-8")
    data = body.encode("utf-8")
    return b"chunked 1.0,%d,%d\n" % (len(meta), len(data)) + meta + data


def read_chunk(stream):
    """One ``(metadata, body)`` from a binary stream, or None at end of stream."""
    header = stream.readline()
    if not header:
        return None
    text = header.decode("ascii").strip()
    if not text.startswith("chunked 1.0,"):
        raise AssertionError("bad transport header from command: %r" % header[:200])
    meta_len, body_len = (int(x) for x in text[len("chunked 1.0,"):].split(","))
    metadata = json.loads(stream.read(meta_len).decode("utf-8")) if meta_len else {}
    body = stream.read(body_len).decode("utf-8") if body_len else ""
    return metadata, body


def encode_mv(values) -> str:
    return ";".join("$%s$" % str(v).replace("$", "$$") for v in values)


def decode_mv(text: str) -> list:
    values, current, i = [], [], 0
    while i < len(text):
        if text[i] != "$":
            raise AssertionError("malformed multivalue %r" % text)
        i += 1
        current = []
        while True:
            if text[i] == "$" and i + 1 < len(text) and text[i + 1] == "$":
                current.append("$")
                i += 2
            elif text[i] == "$":
                i += 1
                break
            else:
                current.append(text[i])
                i += 1
        values.append("".join(current))
        if i < len(text):
            assert text[i] == ";", "malformed multivalue %r" % text
            i += 1
    return values


def rows_to_csv(rows) -> str:
    """Rows as splunkd sends them: a header, CRLF line ends, ``__mv_f`` beside multivalue fields."""
    if not rows:
        return ""
    names = list(dict.fromkeys(name for row in rows for name in row))
    multivalue = {n for row in rows for n, v in row.items() if isinstance(v, (list, tuple))}
    header = []
    for name in names:
        header.append(name)
        if name in multivalue:
            header.append("__mv_" + name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        line = []
        for name in names:
            value = row.get(name)
            if isinstance(value, (list, tuple)):
                line.append("\n".join(str(v) for v in value))
                line.append(encode_mv(value))
            else:
                line.append("" if value is None else str(value))
                if name in multivalue:
                    line.append("")
        writer.writerow(line)
    return out.getvalue()


def csv_to_rows(body: str) -> list:
    if not body.strip():
        return []
    reader = csv.reader(io.StringIO(body))
    header = next(reader)
    rows = []
    for values in reader:
        row = {}
        for name, value in zip(header, values):
            if name.startswith("__mv_"):
                if value:
                    row[name[5:]] = decode_mv(value)
            elif name not in row:
                row[name] = value
        rows.append(row)
    return rows


# --- running ---------------------------------------------------------------------------------


def searchinfo(args, dispatch_dir, command, **overrides):
    info = {
        "args": list(args),
        "raw_args": list(args),
        "dispatch_dir": dispatch_dir,
        "sid": "1700000000.1",
        "app": "dsdl_modelops",
        "owner": "admin",
        "username": "admin",
        "session_key": "",
        "splunkd_uri": "",
        "splunk_version": "9.4.0",
        "search": "| %s %s" % (command, " ".join(args)),
        "command": command,
        "earliest_time": "0",
        "latest_time": "0",
        "maxresultrows": 50000,
    }
    info.update(overrides)
    return info


def _chunks(rows, chunk_size, trailing_empty_chunk):
    size = max(1, chunk_size or len(rows) or 1)
    pieces = [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1 and not trailing_empty_chunk
        yield piece, last
    if trailing_empty_chunk:
        yield [], True


def run_phase(script, args, rows, chunk_size=None, trailing_empty_chunk=False, env=None, timeout=300,
              searchinfo_overrides=None, getinfo_only=False, python_flags=(), python=None) -> Phase:
    """Start ``bin/<script>`` with no argv, send getinfo and the rows, return what it said."""
    command = os.path.splitext(os.path.basename(script))[0]
    path = script if os.path.isabs(script) else os.path.join(BIN, script)
    child_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    child_env.pop("SPLUNK_HOME", None)
    child_env.update(env or {})
    phase = Phase()
    with tempfile.TemporaryDirectory(prefix="dispatch-") as dispatch_dir:
        process = subprocess.Popen([python or COMMAND_PYTHON, *python_flags, path], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=dispatch_dir, env=child_env)
        try:
            info = searchinfo(args, dispatch_dir, command, **(searchinfo_overrides or {}))
            process.stdin.write(encode_chunk({"action": "getinfo", "preview": False, "searchinfo": info}))
            process.stdin.flush()
            reply = read_chunk(process.stdout)
            if reply is not None:
                phase.getinfo = reply[0]
                chunks = [] if getinfo_only else _chunks(rows, chunk_size, trailing_empty_chunk)
                for piece, last in chunks:
                    try:
                        process.stdin.write(encode_chunk({"action": "execute", "finished": last},
                                                         rows_to_csv(piece)))
                        process.stdin.flush()
                    except BrokenPipeError:
                        break
                    reply = read_chunk(process.stdout)
                    if reply is None:
                        break
                    phase.replies.append((reply[0], csv_to_rows(reply[1])))
                    if reply[0].get("finished") and last:
                        break
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
            phase.exit_code = process.wait(timeout=timeout)
            phase.stderr = process.stderr.read().decode("utf-8", "replace")
        finally:
            if process.poll() is None:
                process.kill()
            process.stdout.close()
            process.stderr.close()
    return phase


def run(script, args=(), rows=(), chunk_size=None, map_partitions=1, trailing_empty_chunk=False, env=None,
        searchinfo_overrides=None, python=None, timeout=300) -> Run:
    """Run a command over ``rows`` like a search would, including a map phase when it asks for one."""
    rows = list(rows)
    kwargs = dict(chunk_size=chunk_size, trailing_empty_chunk=trailing_empty_chunk, env=env,
                  searchinfo_overrides=searchinfo_overrides, python=python, timeout=timeout)
    probe = run_phase(script, args, [], getinfo_only=True, **kwargs)
    preop = probe.getinfo.get("streaming_preop")
    if probe.exit_code != 0:
        return Run(final=probe)
    if not preop:
        return Run(final=run_phase(script, args, rows, **kwargs))
    map_args = shlex.split(preop)[1:]
    size = -(-len(rows) // map_partitions) if rows else 0
    parts = [rows[i * size:(i + 1) * size] for i in range(map_partitions)] if size else [[]]
    map_phases = [run_phase(script, map_args, part, **kwargs) for part in parts]
    mapped = [row for phase in map_phases for row in phase.rows]
    return Run(final=run_phase(script, args, mapped, **kwargs), map_phases=map_phases)
