"""Map-phase partials of ``| modelcompare`` (predictions mode).

The map phase (on the indexers) runs a fresh ``PredictionsAccumulator`` over each run of at most
``PARTIAL_ROWS`` consecutive rows of a segment and sends what it kept as one partial row: the label
and both predictions as packed columns (class codes with the block's own table of class names, in
first-seen order, or floats for regression and forecasts), both scores and ``_time`` as packed
floats, and each skipped row's five fields verbatim with its position. Nothing is aggregated: the
paired block bootstrap cuts the rows into blocks by their global position and count, DeLong and
Wilcoxon need every value, and forecasts need the time order, so the reduce phase concatenates the
columns in row order and computes exactly what it would have computed from the raw rows (same
numbers to the last digit, whatever the chunking or the number of indexers).

Merging a partial is equal to adding its rows one by one: the fast path (columns appended, class
codes translated to the search head's table, skipped rows counted by the same rule) is taken only
when the outcome is the same as ``add`` row by row; otherwise (a class table crossing ``MAX_CLASSES``
or switching between classes and numbers) the rows are rebuilt from the partial (class names, exact
float reprs, the skipped rows' own cells) and replayed through ``add``. A partial that does not read
back consistently is counted and skipped, never trusted."""

import json
import math
from collections import namedtuple

from ...values import category
from .. import partials
from ..partials import all_finite
from .codes import codes_below

PARTIAL = "mo_compare_part"
PARTIAL_VERSION = "1"
PARTIAL_FIELDS = (PARTIAL, "mo_segment", "mo_rows", "mo_without_by", "mo_fields", "mo_kind", "mo_labels", "mo_y",
                  "mo_a", "mo_b", "mo_score_a", "mo_score_b", "mo_time", "mo_skipped")
PARTIAL_ROWS = 4096  # rows of one segment in one partial row (about 50 KB of scores before zlib)
CODES, NUMBERS = "codes", "numbers"
TYPECODES = {CODES: "i", NUMBERS: "d"}

# what one partial holds, read back and checked: see ``read``
Partial = namedtuple("Partial", "rows without_by kind labels y a b scores times skipped")


def identity(accumulator):
    """What the map and the reduce must agree on (fields and task), as JSON-able list."""
    return list(accumulator.fields) + [accumulator.task]


def write(accumulator, segment, rows, without_by):
    """The partial row of a ``PredictionsAccumulator`` that saw ``rows`` raw rows (map side)."""
    kind = NUMBERS if accumulator.as_numbers else CODES
    typecode = TYPECODES[kind]
    y, a, b = accumulator.columns
    has_scores = accumulator.fields[3] is not None
    return partials.partial_row(
        PARTIAL_FIELDS, PARTIAL, PARTIAL_VERSION, mo_segment=json.dumps(segment), mo_rows=rows,
        mo_without_by=without_by, mo_fields=json.dumps(identity(accumulator)), mo_kind=kind,
        mo_labels=json.dumps(accumulator.labels.labels) if kind == CODES else "",
        mo_y=partials.pack(y, typecode), mo_a=partials.pack(a, typecode), mo_b=partials.pack(b, typecode),
        mo_score_a=partials.pack(accumulator.scores[0]) if has_scores else "",
        mo_score_b=partials.pack(accumulator.scores[1]) if has_scores else "",
        mo_time=partials.pack(accumulator.times) if accumulator.times is not None else "",
        mo_skipped=json.dumps(accumulator.skipped_rows, separators=(",", ":")))


def segment_of(row):
    """The segment key a partial row names (ValueError when it is not a plain key)."""
    key = json.loads(row.get("mo_segment"))
    if not isinstance(key, (str, int, float)) or isinstance(key, bool):
        raise ValueError("segment")
    return key


def _cell(value):
    return value is None or isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value))


def read(row, accumulator):
    """The ``Partial`` in ``row`` for ``accumulator`` (ValueError, or another of
    ``partials.DECODE_ERRORS``, when anything in it is inconsistent)."""
    if row.get(PARTIAL) != PARTIAL_VERSION or json.loads(row.get("mo_fields")) != identity(accumulator):
        raise ValueError("version or fields")
    rows, without_by = int(row.get("mo_rows")), int(row.get("mo_without_by") or 0)
    kind = row.get("mo_kind")
    typecode = TYPECODES[kind]
    limit = PARTIAL_ROWS
    y, a, b = (partials.unpack(row.get(name) or "", typecode, limit) for name in ("mo_y", "mo_a", "mo_b"))
    kept = len(y)
    if len(a) != kept or len(b) != kept:
        raise ValueError("columns")
    labels = None
    if kind == CODES:
        labels = json.loads(row.get("mo_labels"))
        if not isinstance(labels, list) or len(set(labels)) != len(labels) or not all(
                isinstance(name, str) and category(name) == name for name in labels):
            raise ValueError("labels")
        if not (codes_below(y, len(labels)) and codes_below(a, len(labels)) and codes_below(b, len(labels))):
            raise ValueError("codes")
    elif not (all_finite(y) and all_finite(a) and all_finite(b)):
        raise ValueError("numbers")
    scores = ()
    if accumulator.fields[3] is not None:
        scores = tuple(partials.unpack(row.get(name), "d", limit) for name in ("mo_score_a", "mo_score_b"))
        if len(scores[0]) != kept or len(scores[1]) != kept or not (all_finite(scores[0]) and all_finite(scores[1])):
            raise ValueError("scores")
    times = None
    if accumulator.times is not None:
        times = partials.unpack(row.get("mo_time"), "d", limit)
        if len(times) != kept or any(math.isinf(t) for t in times):
            raise ValueError("times")
    skipped = json.loads(row.get("mo_skipped") or "[]")
    width = len(accumulator.fields)
    last = -1
    for entry in skipped:
        position, cells = entry
        if not (isinstance(position, int) and last < position < rows and isinstance(cells, list)
                and len(cells) == width and all(map(_cell, cells))):
            raise ValueError("skipped rows")
        last = position
    if kept + len(skipped) != rows or not 0 <= without_by <= rows:
        raise ValueError("counts")
    return Partial(rows, without_by, kind, labels, y, a, b, scores, times, skipped)


def replay_rows(partial, fields):
    """The partial's rows rebuilt in their order, for ``add``: kept rows from class names or exact float
    reprs (each reads back as the same class or number as the raw cell), skipped rows verbatim."""
    label, field_a, field_b, score_a, score_b = fields
    if partial.kind == CODES:
        names = partial.labels
        cell = names.__getitem__
    else:
        cell = repr
    skipped = iter(partial.skipped)
    pending = next(skipped, None)
    kept = 0
    for position in range(partial.rows):
        if pending is not None and pending[0] == position:
            yield {f: v for f, v in zip(fields, pending[1]) if f is not None}
            pending = next(skipped, None)
            continue
        row = {label: cell(partial.y[kept]), field_a: cell(partial.a[kept]), field_b: cell(partial.b[kept])}
        if partial.scores:
            row[score_a], row[score_b] = repr(partial.scores[0][kept]), repr(partial.scores[1][kept])
        if partial.times is not None and partial.times[kept] == partial.times[kept]:
            row["_time"] = repr(partial.times[kept])
        kept += 1
        yield row
