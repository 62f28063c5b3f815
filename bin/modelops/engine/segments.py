"""``by=`` for every engine: which segment a row belongs to, and how segments answer and fail.

A row's segment is its ``by`` value as a category (``values.category``: ``1`` and ``1.0`` are one
segment, ``nan`` is missing). Rows with no single value (missing, multivalue) form the segment ``""``
and are counted in one warning. A segment that cannot be answered is reported in a warning while
the others answer; only when every segment fails does the command fail, with the first reason.
"""

from ..errors import ModelOpsError
from ..values import category

NO_SEGMENT = ""


def segment_key(row, by):
    """``(segment, lacks_by)`` of a row; everything is one segment ``""`` without ``by``."""
    if by is None:
        return NO_SEGMENT, False
    key = category(row.get(by))
    return (NO_SEGMENT, True) if key is None else (key, False)


def table_segment_keys(table, by):
    """``segment_key`` of every row of a ``Table``: (keys, lacks), one of each per row; each distinct
    cell is categorised once."""
    n = table.n_rows
    cells = table.columns.get(by) if by is not None else None
    if cells is None:
        return [NO_SEGMENT] * n, [by is not None] * n
    try:
        of_value = {value: segment_key({by: value}, by) for value in set(cells)}
        found = list(map(of_value.__getitem__, cells))
    except TypeError:  # unhashable cells (lists in a notebook's frame)
        found = [segment_key({by: value}, by) for value in cells]
    return [key for key, _ in found], [lacks for _, lacks in found]


def split_by_key(keys):
    """(key, mask) for each distinct key in order of first appearance; the mask is None when every row
    has that key."""
    distinct = list(dict.fromkeys(keys))
    if len(distinct) == 1:
        return [(distinct[0], None)]
    return [(key, list(map(key.__eq__, keys))) for key in distinct]


class Segments:
    """One engine part per segment. Subclasses make the parts (``make_part``) and say what a failed
    segment answers (``failed_rows``); this class keeps the keys, the counts and the sentences."""

    def __init__(self, by):
        self.by = by
        self.parts = {}
        self.rows = 0
        self.without_by = 0
        self.failed = []  # (segment, reason)

    def make_part(self, key):
        raise NotImplementedError

    def failed_rows(self, key, part, error) -> list:
        """Rows for a segment whose result failed; by default the whole command fails with its reason."""
        raise ModelOpsError("%s: %s" % (self.label(key), error)) from None

    def segment_row(self, key, row):
        """A result row as the command writes it (e.g. prefixed with its segment); as it is by default."""
        return row

    def part_for(self, key):
        part = self.parts.get(key)
        if part is None:
            part = self.parts[key] = self.make_part(key)
        return part

    def route(self, row):
        """The part a raw row goes to (counting it, and whether it lacks ``by``)."""
        key, lacks = segment_key(row, self.by)
        self.rows += 1
        self.without_by += lacks
        return self.part_for(key)

    def split_table(self, table):
        """``route`` for every row of a ``Table``: (part, its rows as a Table) per segment, counting the
        rows and those without ``by``."""
        keys, lacks = table_segment_keys(table, self.by)
        self.rows += table.n_rows
        self.without_by += sum(lacks)
        return [(self.part_for(key), table if mask is None else table.select(mask))
                for key, mask in split_by_key(keys)]

    def label(self, key):
        return "%s=%s" % (self.by, key)

    def segment_warnings(self) -> list:
        found = []
        if self.by is not None and self.without_by:
            if self.without_by == self.rows:
                found.append("no row has a single value of by=%s (check the field name): all rows were compared "
                             "as one segment" % self.by)
            else:
                found.append("%d rows have no single value of by=%s: they form the segment %s=\"\""
                             % (self.without_by, self.by, self.by))
        found.extend("%s: %s" % (self.label(key), reason) for key, reason in self.failed)
        for key in sorted(self.parts):
            for warning in self.parts[key].warnings():
                found.append(warning if self.by is None else "%s: %s" % (self.label(key), warning))
        return found

    def segment_results(self, empty_message="no input rows") -> list:
        """Every segment's rows in segment order, failed segments answered by ``failed_rows``."""
        if not self.parts:
            raise ModelOpsError(empty_message)
        rows, self.failed = [], []
        for key in sorted(self.parts):
            part = self.parts[key]
            try:
                found = part.result()
            except ModelOpsError as error:
                if self.by is None:
                    raise
                self.failed.append((key, str(error)))
                found = self.failed_rows(key, part, error)
            rows.extend(self.segment_row(key, row) for row in found)
        if self.failed and len(self.failed) == len(self.parts):
            key, reason = self.failed[0]
            raise ModelOpsError("%s: %s" % (self.label(key), reason))
        return rows
