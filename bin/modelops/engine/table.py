"""A chunk of rows given column by column: what a map phase reads fastest.

splunklib turns every CSV row into a dict; a map phase that only converts a few columns to floats
spends most of its time building those dicts. A ``Table`` holds the same cells as one sequence per
field, so an engine can route and convert whole columns in C (``itertools.compress``,
``map(float, ...)``). ``rows()`` gives back exactly the dicts splunklib would have made, for the
engines and cases that need rows.
"""

from itertools import compress


class Table:
    """``columns`` maps each field to its cells (texts), every one ``n_rows`` long; a field that is not
    in ``columns`` is absent from every row (as ``row.get(field)`` is ``None``)."""

    __slots__ = ("columns", "n_rows")

    def __init__(self, columns, n_rows):
        self.columns = columns
        self.n_rows = n_rows

    def __len__(self):
        return self.n_rows

    def column(self, field):
        """The field's cells, or ``None`` for each row when no row has it."""
        cells = self.columns.get(field)
        return cells if cells is not None else [None] * self.n_rows

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
