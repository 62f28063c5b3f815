"""``by=`` segments and the entry point: one accumulator per segment, rows prefixed with the segment."""

from ...errors import ModelOpsError
from .. import partials
from . import partial
from .bootstrap import BUDGET
from .intake import PredictionsAccumulator
from .report import ROW_FIELDS, SUMMARY
from .runs import RunsAccumulator

RUNS_OPTIONS = ("alpha", "bootstrap", "seed", "primary")


class SegmentedComparison:
    """One accumulator per value of ``by`` (or one for everything), rows prefixed with the segment.

    The resampling budget is shared: each of k segments gets 1/k of it. A segment that cannot be
    compared (one class only, no complete row) gets a ``_summary_`` row with ``test=insufficient_data``
    and a warning saying why, while the other segments answer."""

    def __init__(self, make, by=None, names=("", "")):
        self.make, self.by, self.names = make, by, names
        self.parts = {}
        self.without_by = 0
        self.rows = 0
        self.failed = []
        self.bad_partials = 0

    def _key(self, row):
        """The row's segment, and whether it lacks the by= field."""
        key = "" if self.by is None else row.get(self.by)
        if isinstance(key, list) or key is None:
            return "", self.by is not None
        return key, False

    def add(self, row):
        if partial.PARTIAL in row:
            self.add_partial(row)
            return
        self.rows += 1
        key, without = self._key(row)
        self.without_by += without
        part = self.parts.get(key)
        if part is None:
            part = self.parts[key] = self.make()
        part.add(row)

    def add_rows(self, rows):
        for row in rows:
            self.add(row)

    def add_partial(self, row):
        """Merge one map-phase partial row (see ``partial``); a malformed one is counted, not trusted."""
        try:
            key = partial.segment_of(row)
            if self.by is None and key != "":
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
        """The map phase over one chunk of ``rows``: predictions mode gives one partial row per segment and
        run of at most ``partial.PARTIAL_ROWS`` rows; runs mode, and a chunk whose labels are too many
        classes, give the rows as they are (all of them: splunkd takes a chunk's fields from its first
        row, so partial and raw rows never share one)."""
        rows = list(rows)
        if not isinstance(self.make(), PredictionsAccumulator):
            return rows
        groups = {"": rows} if self.by is None else {}
        if self.by is not None:
            for row in rows:
                key = row.get(self.by)
                if key is None or isinstance(key, list):
                    key = ""
                group = groups.get(key)
                if group is None:
                    group = groups[key] = []
                group.append(row)
        mapped = []
        for key in sorted(groups, key=str):
            group = groups[key]
            for start in range(0, len(group), partial.PARTIAL_ROWS):
                run = group[start:start + partial.PARTIAL_ROWS]
                accumulator = self.make()
                accumulator.skipped_rows = []
                accumulator.add_rows(run)
                if accumulator.too_many_classes:
                    return rows  # the reduce phase says so, from the raw rows
                without_by = sum(self._key(row)[1] for row in run) if key == "" else 0
                mapped.append(partial.write(accumulator, key, len(run), without_by))
        return mapped

    def warnings(self):
        found = []
        for key in sorted(self.parts, key=str):
            for warning in self.parts[key].warnings():
                found.append(warning if self.by is None else "%s=%s: %s" % (self.by, key, warning))
        if self.bad_partials:
            found.append("%d malformed map-phase rows (%s) were skipped" % (self.bad_partials, partial.PARTIAL))
        skipped = sum(getattr(p, "skipped", 0) for p in self.parts.values())
        if skipped and isinstance(next(iter(self.parts.values()), None), RunsAccumulator):
            found.append("%d rows belong to neither version and were ignored" % skipped)
        if self.by is not None and self.rows and self.without_by == self.rows:
            found.append("by=%s: no row has this field, so all rows were compared as one segment" % self.by)
        found.extend("%s=%s: %s" % (self.by, key, error) for key, error in self.failed)
        return found

    def result(self):
        if not self.parts:
            raise ModelOpsError("no input rows to compare")
        rows = []
        self.failed = []
        for part in self.parts.values():
            part.budget = BUDGET / len(self.parts)
        for key in sorted(self.parts, key=str):
            try:
                part_rows = self.parts[key].result()
            except ModelOpsError as error:
                if self.by is None:
                    raise
                self.failed.append((key, str(error)))
                part_rows = [self._insufficient()]
            for row in part_rows:
                rows.append(row if self.by is None else dict({self.by: key}, **row))
        if self.failed and len(self.failed) == len(self.parts):
            key, error = self.failed[0]
            raise ModelOpsError("%s=%s: %s" % (self.by, key, error))
        return rows

    def _insufficient(self):
        row = dict.fromkeys(ROW_FIELDS, "")
        row.update(metric=SUMMARY, model_a=self.names[0], model_b=self.names[1], test="insufficient_data",
                   winner="insufficient_data")
        return row


def compare_map(rows, model_a, model_b, label=None, by=None, **options):
    """The map phase of ``| modelcompare`` over one chunk (same arguments as ``compare_rows``): compact
    partial rows for the reduce phase to merge (see ``partial``). Bad options: the rows go on as they
    are, and the reduce phase says what is wrong, once."""
    try:
        comparison = compare_rows([], model_a, model_b, label=label, by=by, **options)
    except ModelOpsError:
        yield from rows
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
