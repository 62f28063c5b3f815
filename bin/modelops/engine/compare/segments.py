"""``by=`` segments and the entry point: one accumulator per segment, rows prefixed with the segment."""

from ...errors import ModelOpsError
from .intake import PredictionsAccumulator
from .runs import RunsAccumulator

RUNS_OPTIONS = ("alpha", "bootstrap", "seed", "primary")


class SegmentedComparison:
    """One accumulator per value of ``by`` (or one for everything), rows prefixed with the segment."""

    def __init__(self, make, by=None):
        self.make, self.by = make, by
        self.parts = {}

    def add(self, row):
        key = "" if self.by is None else row.get(self.by)
        if isinstance(key, list) or key is None:
            key = ""
        part = self.parts.get(key)
        if part is None:
            part = self.parts[key] = self.make()
        part.add(row)

    def add_rows(self, rows):
        for row in rows:
            self.add(row)

    def warnings(self):
        found = []
        for key in sorted(self.parts, key=str):
            for warning in self.parts[key].warnings():
                found.append(warning if self.by is None else "%s=%s: %s" % (self.by, key, warning))
        skipped = sum(getattr(p, "skipped", 0) for p in self.parts.values())
        if skipped and isinstance(next(iter(self.parts.values()), None), RunsAccumulator):
            found.append("%d rows belong to neither version and were ignored" % skipped)
        return found

    def result(self):
        if not self.parts:
            raise ModelOpsError("no input rows to compare")
        rows = []
        for key in sorted(self.parts, key=str):
            try:
                part_rows = self.parts[key].result()
            except ModelOpsError as error:
                if self.by is None:
                    raise
                raise ModelOpsError("%s=%s: %s" % (self.by, key, error)) from None
            for row in part_rows:
                rows.append(row if self.by is None else dict({self.by: key}, **row))
        return rows


def compare_rows(rows, model_a, model_b, label=None, by=None, **options):
    """The engine behind ``| modelcompare`` and ``modelops.compare``: rows in, result rows out."""
    if label is not None:
        make = lambda: PredictionsAccumulator(label, model_a, model_b, **options)  # noqa: E731
    else:
        runs_options = {k: v for k, v in options.items() if k in RUNS_OPTIONS}
        unknown = set(options) - set(runs_options)
        if unknown:
            raise ModelOpsError("%s only apply with label= (predictions mode)" % ", ".join(sorted(unknown)))
        make = lambda: RunsAccumulator(model_a, model_b, **runs_options)  # noqa: E731
    comparison = SegmentedComparison(make, by)
    comparison.add_rows(rows)
    return comparison
