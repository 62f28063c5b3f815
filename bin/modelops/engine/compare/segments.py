"""``by=`` segments and the entry point: one accumulator per segment, rows prefixed with the segment."""

from itertools import compress

from ...errors import ModelOpsError
from .. import partials
from ..segments import NO_SEGMENT, Segments, split_by_key, table_segment_keys
from ..table import Table
from . import partial
from .bootstrap import BUDGET
from .intake import PredictionsAccumulator
from .report import ROW_FIELDS, SUMMARY
from .runs import RunsAccumulator

RUNS_OPTIONS = ("alpha", "bootstrap", "seed", "primary")


class SegmentedComparison(Segments):
    """One accumulator per value of ``by`` (or one for everything), rows prefixed with the segment
    (segments as ``engine.segments`` decides them).

    The resampling budget is shared: each of k segments gets 1/k of it. A segment that cannot be
    compared (one class only, no complete row) gets a ``_summary_`` row with ``test=insufficient_data``
    and a warning saying why, while the other segments answer."""

    partial_fields = (partial.PARTIAL,)  # a chunk with one of these is map output: read as rows

    def __init__(self, make, by=None, names=("", "")):
        super().__init__(by)
        self.make, self.names = make, names
        self.predictions = isinstance(make(), PredictionsAccumulator)
        self.bad_partials = 0

    def make_part(self, key):
        return self.make()

    def add(self, row):
        if partial.PARTIAL in row:
            self.add_partial(row)
            return
        self.route(row).add(row)

    def add_rows(self, rows):
        for row in rows:
            self.add(row)

    def add_table(self, table):
        """``add_rows`` for a ``Table``: predictions mode takes each segment's rows column by column."""
        if partial.PARTIAL in table.columns or not self.predictions:
            self.add_rows(table.rows())
            return
        for part, rows in self.split_table(table):
            part.add_table(rows)

    def add_partial(self, row):
        """Merge one map-phase partial row (see ``partial``); a malformed one is counted, not trusted."""
        try:
            key = partial.segment_of(row)
            if self.by is None and key != NO_SEGMENT:
                raise ValueError("a segment without by=")
            part = self.parts.get(key)
            fresh = part is None
            if fresh:
                part = self.make()
            if not isinstance(part, PredictionsAccumulator):
                raise ValueError("runs mode has no partials")
            read = partial.read(row, part)
        except partials.DECODE_ERRORS:
            self.bad_partials += 1
            return
        part.merge(read)
        if fresh:
            self.parts[key] = part
        self.rows += read.rows
        self.without_by += read.without_by

    def map_rows(self, rows):
        """The map phase over one chunk of ``rows`` (or a ``Table``): predictions mode gives one partial row
        per segment and run of at most ``partial.PARTIAL_ROWS`` rows; runs mode, and a chunk whose labels
        are too many classes, give the rows as they are (all of them: splunkd takes a chunk's fields from
        its first row, so partial and raw rows never share one)."""
        if isinstance(rows, Table):
            table, as_they_are = rows, rows.rows
        else:
            rows = list(rows)
            table, as_they_are = Table.of_rows(rows), lambda: rows
        if not self.predictions:
            return as_they_are()
        keys, lacks = table_segment_keys(table, self.by)
        mapped = []
        for key, mask in sorted(split_by_key(keys), key=lambda pair: pair[0]):
            group, group_lacks = (table, lacks) if mask is None else (table.select(mask), list(compress(lacks, mask)))
            for start in range(0, len(group), partial.PARTIAL_ROWS):
                run = group[start:start + partial.PARTIAL_ROWS]
                accumulator = self.make()
                accumulator.skipped_rows = []
                accumulator.add_table(run)
                if accumulator.too_many_classes:
                    return as_they_are()  # the reduce phase says so, from the raw rows
                without_by = sum(group_lacks[start:start + partial.PARTIAL_ROWS]) if key == NO_SEGMENT else 0
                mapped.append(partial.write(accumulator, key, len(run), without_by))
        return mapped

    def warnings(self):
        found = self.segment_warnings()
        if self.bad_partials:
            found.append("%d malformed map-phase rows (%s) were skipped" % (self.bad_partials, partial.PARTIAL))
        skipped = sum(getattr(p, "skipped", 0) for p in self.parts.values())
        if skipped and isinstance(next(iter(self.parts.values()), None), RunsAccumulator):
            found.append("%d rows belong to neither version and were ignored" % skipped)
        return found

    def result(self):
        for part in self.parts.values():
            part.budget = BUDGET / max(1, len(self.parts))
        return self.segment_results("no input rows to compare")

    def segment_row(self, key, row):
        return row if self.by is None else dict({self.by: key}, **row)

    def failed_rows(self, key, part, error):
        row = dict.fromkeys(ROW_FIELDS, "")
        row.update(metric=SUMMARY, model_a=self.names[0], model_b=self.names[1], test="insufficient_data",
                   winner="insufficient_data")
        return [row]


def compare_map(rows, model_a, model_b, label=None, by=None, **options):
    """The map phase of ``| modelcompare`` over one chunk (rows or a ``Table``; the other arguments as
    ``compare_rows``): compact partial rows for the reduce phase to merge (see ``partial``). Bad
    options: the rows go on as they are, and the reduce phase says what is wrong, once."""
    try:
        comparison = compare_rows([], model_a, model_b, label=label, by=by, **options)
    except ModelOpsError:
        yield from rows.rows() if isinstance(rows, Table) else rows
        return
    yield from comparison.map_rows(rows)


def compare_rows(rows, model_a, model_b, label=None, by=None, **options):
    """The engine behind ``| modelcompare`` and ``modelops.compare``: rows in, result rows out."""
    if model_a == model_b:
        raise ModelOpsError("name two different %s to compare (both are %s)"
                            % ("prediction fields" if label is not None else "versions", model_a))
    if label is not None:
        make = lambda: PredictionsAccumulator(label, model_a, model_b, **options)  # noqa: E731
    else:
        runs_options = {k: v for k, v in options.items() if k in RUNS_OPTIONS}
        unknown = set(options) - set(runs_options)
        if unknown:
            raise ModelOpsError("%s only apply with label= (predictions mode)" % ", ".join(sorted(unknown)))
        make = lambda: RunsAccumulator(model_a, model_b, **runs_options)  # noqa: E731
    comparison = SegmentedComparison(make, by, (model_a, model_b))
    comparison.add_rows(rows)
    return comparison
