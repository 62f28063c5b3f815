"""What every custom search command shares: one-sentence errors, brace-safe messages and knowing
when splunkd's input is finished. The one module that relies on splunklib's private behaviour."""

import csv
import sys
from contextlib import contextmanager
from itertools import repeat

from splunklib.searchcommands.internals import CsvDialect

from ..engine.table import Table
from ..errors import ModelOpsError


def input_finished(command) -> bool:
    """True when the chunk being processed is splunkd's last one.

    splunklib 2.x sets the private ``_finished`` from each chunk's metadata before calling
    ``reduce``/``transform``/``stream``; this is the one place that relies on it.
    """
    return bool(getattr(command, "_finished", True))


def one_line(message) -> str:
    return " ".join(str(message).split())


def _literal(text) -> str:
    return one_line(text).replace("{", "{{").replace("}", "}}")


class SafeMessages:
    """Mixin for every command: splunklib passes each message through ``str.format``, so a brace
    in user input (``model={"$gt": ""}``) would crash it and lose the message, its own
    "Illegal value" ones included. Messages are made literal here."""

    def write_error(self, message, *args):
        super().write_error(message if args else _literal(message), *args)

    def write_warning(self, message, *args):
        super().write_warning(message if args else _literal(message), *args)

    def write_info(self, message, *args):
        super().write_info(message if args else _literal(message), *args)


def write_error(command, text) -> None:
    command.write_error(one_line(text))


def write_warning(command, text) -> None:
    command.write_warning(one_line(text))


@contextmanager
def user_errors(command):
    """Turn a ModelOpsError into one ERROR message and a clean exit; let splunklib report the rest."""
    try:
        yield
    except ModelOpsError as error:
        write_error(command, "%s: %s" % (command.name, error))
        sys.exit(1)


class AccumulateUntilFinished:
    """Mixin for a ReportingCommand whose answer needs every row: each chunk feeds one engine (made
    by ``make_engine``), and the rows are written once, when splunkd says the input is finished, so
    the result cannot depend on how the input was chunked. Engines have ``add_rows``, ``warnings``
    and ``result``."""

    _engine = None

    def make_engine(self):
        raise NotImplementedError

    def _execute_chunk_v2(self, process, chunk):
        # splunklib 2.1.1 reads each chunk through StringIO(body), which holds text at 4 bytes a
        # character: the 63 MB of map-phase partials for 1M rows cost 250 MB there. The same CSV reader
        # fed the body's lines one at a time gives the same records without that copy.
        _metadata, body = chunk
        self._record_writer.write_records(process(ChunkRecords(self, body)))

    def reduce(self, records):
        with user_errors(self):
            if self._engine is None:
                self._engine = self.make_engine()
            table = None
            if hasattr(self._engine, "add_table"):  # raw rows (splunkd skipped the map) in C
                table = chunk_table(records, unless=self._engine.partial_fields)
            if table is not None:
                self._engine.add_table(table)
            else:
                self._engine.add_rows(records)
            if not input_finished(self):
                return
            rows = self._engine.result()
            for warning in self._engine.warnings():
                write_warning(self, warning)
            yield from uniform(rows)


class ChunkRecords:
    """One chunk's records as splunklib reads them (iterate), or as a ``Table`` (``table()``)."""

    __slots__ = ("_command", "_body")

    def __init__(self, command, body):
        self._command, self._body = command, body

    def __iter__(self):
        records = plain_records(self._body)
        return records if records is not None else self._command._read_csv_records(body_lines(self._body))

    def table(self, unless=()):
        return read_table(self._body, unless)


def chunk_table(records, unless=()):
    """The chunk as a ``Table`` when it reads as one and has none of the fields ``unless`` (a map
    phase's partial rows go through the rows path); otherwise None."""
    return records.table(unless) if isinstance(records, ChunkRecords) else None


def read_table(body, unless=()):
    """The chunk's CSV body as a ``Table`` holding exactly the cells splunklib's reader gives, or None
    where only that reader gets them right (a multivalue cell, a row of another width, a repeated
    field name, a NUL, text it refuses) or where the header names a field of ``unless``. Bodies
    without quotes are split in C (one ``split`` for every cell); the rest go through the same
    ``csv`` reader, transposed by ``zip``."""
    if not body or "\0" in body:
        return None
    if '"' in body:
        reader = csv.reader(body_lines(body), dialect=CsvDialect)
        try:
            names = next(reader, [])
            if not set(unless).isdisjoint(names):
                return None
            rows = list(reader)
        except csv.Error:  # splunklib's reader raises it too, in the rows path
            return None
        width = len(names)
        if any(len(row) != width for row in rows):
            return None
        columns = list(zip(*rows)) if rows else [()] * width
    else:
        end = body.find("\n")
        if not set(unless).isdisjoint((body if end < 0 else body[:end]).rstrip("\r").split(",")):
            return None
        lines = _plain_lines(body)
        if lines is None:
            return None
        names = lines[0].split(",")
        width = len(names)
        rows = lines[1:]
        if rows and set(map(str.count, rows, repeat(",", len(rows)))) != {width - 1}:
            return None
        cells = ",".join(rows).split(",") if rows else []
        columns = [cells[k::width] for k in range(width)]
    if len(set(names)) != width:
        return None
    table = dict(zip(names, columns))
    for name in names:
        if name.startswith("__mv_") and any(table.pop(name)):
            return None
    return Table(table, len(rows))


def plain_records(body):
    """The chunk's records, each a dict of the cells splunklib's reader gives, from one C ``split`` per
    line; None where that reader has rules a split lacks (quotes, multivalue columns, a lone CR or LF,
    an empty line, a NUL). Lazy, a line at a time: a chunk of map-phase partials is 63 MB for 1M rows,
    and the csv reader walking it character by character was a tenth of the drift reduce."""
    if not body or '"' in body or "\0" in body:
        return None
    end = _line_end(body)
    if end is None:
        return None
    stop = body.find(end)
    names = (body if stop < 0 else body[:stop]).split(",")
    if any(name.startswith("__mv_") for name in names):
        return None
    return _split_records(body, end, names, len(body) if stop < 0 else stop + len(end))


def _split_records(body, end, names, start):
    # a row of another width is zipped short, as splunklib's reader zips it
    size, step = len(body), len(end)
    while start < size:
        stop = body.find(end, start)
        if stop < 0:
            stop = size
        yield dict(zip(names, body[start:stop].split(",")))
        start = stop + step


def _line_end(body):
    """``"\r\n"`` or ``"\n"`` when every line of the body ends in it (the last may lack it) and none is
    empty; None when a CR or LF stands alone or a line is empty (the csv reader's line rules apply)."""
    crlf = body.count("\r\n")
    if crlf and body.count("\r") == crlf == body.count("\n"):
        end = "\r\n"
    elif "\r" not in body:
        end = "\n"
    else:
        return None
    return None if body.startswith(end) or end + end in body else end


def _plain_lines(body):
    """The lines of a body ``_line_end`` accepts, without their ends; None when it refuses the body."""
    end = _line_end(body)
    if end is None:
        return None
    lines = body.split(end)
    if lines[-1] == "":
        lines.pop()
    return lines or None


def body_lines(text):
    """The lines of a chunk's CSV body, each with its own line end, split at ``\n`` only (a quoted
    field may hold ``\r``, form feeds or U+2028; the CSV reader joins a quoted field's lines)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def parse_list(value) -> list:
    """``"a, b,c"`` -> ``["a", "b", "c"]``; empty items dropped."""
    if not value:
        return []
    return [item.strip() for item in str(value).split(",") if item.strip()]


def uniform(rows) -> list:
    """Rows with the same fields in the same order (splunklib writes the first row's fields only)."""
    fields = list(dict.fromkeys(k for row in rows for k in row))
    return [{k: row.get(k, "") for k in fields} for row in rows]
