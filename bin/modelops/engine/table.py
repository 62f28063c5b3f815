"""A chunk of rows given column by column: what a map phase reads fastest.

splunklib turns every CSV row into a dict; a map phase that only converts a few columns to floats
spends most of its time building those dicts. A ``Table`` holds the same cells as one sequence per
field, so an engine can route and convert whole columns in C (``itertools.compress``,
``map(float, ...)``). ``rows()`` gives back exactly the dicts splunklib would have made, for the
engines and cases that need rows.
"""

from itertools import compress


class Table:
    """``columns`` maps each field to its cells (texts from a Splunk chunk, any values from a notebook's
    DataFrame), every one ``n_rows`` long; a field that is not in ``columns`` is absent from every row
    (as ``row.get(field)`` is ``None``)."""

    __slots__ = ("columns", "n_rows")

    def __init__(self, columns, n_rows):
        self.columns = columns
        self.n_rows = n_rows

    @classmethod
    def of_rows(cls, rows):
        """Rows (dicts) as a Table; a row without a field holds None there, as ``row.get`` gives."""
        names = list(dict.fromkeys(field for row in rows for field in row))
        return cls({field: [row.get(field) for row in rows] for field in names}, len(rows))

    def __len__(self):
        return self.n_rows

    def column(self, field):
        """The field's cells, or ``None`` for each row when no row has it."""
        cells = self.columns.get(field)
        return cells if cells is not None else [None] * self.n_rows

    def __getitem__(self, rows):
        """The rows of a slice, as a Table."""
        if not isinstance(rows, slice):
            raise TypeError("a Table is indexed by a slice of rows")
        columns = {f: cells[rows] for f, cells in self.columns.items()}
        return Table(columns, len(range(self.n_rows)[rows]))

    def select(self, mask):
        """The rows where ``mask`` (one truth value per row) is true, as a Table."""
        mask = list(mask)
        return Table({f: list(compress(cells, mask)) for f, cells in self.columns.items()}, sum(mask))

    def rows(self):
        """The rows as dicts, in order (what splunklib's reader yields for the same chunk)."""
        names = list(self.columns)
        if not names:
            return [{} for _ in range(self.n_rows)]
        return [dict(zip(names, cells)) for cells in zip(*self.columns.values())]
