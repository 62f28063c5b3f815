"""Sensor data quality of current rows against reference rows, the engine of ``| modelquality``.

Per feature (and per chunk of current rows with ``chunk=``), counted as NannyML 0.13's data-quality
calculators count them:

- ``missing``: current cells that are missing by ``values.classify`` (empty, ``nan``, ``null``,
  non-finite, multivalue), as ``MissingValuesCalculator``; ``missing_band`` is that calculator's
  band, 3 sampling errors, ``3 * sqrt(p_ref * (1 - p_ref) / n_cur)`` with ``p_ref`` the reference's
  missing share.
- numeric features: ``out_of_range``, current values outside the reference's [min, max], as
  ``NumericalRangeCalculator`` (a text value in a numeric feature counts as out of range too).
- categorical features: ``unseen``, current values the reference never had, as
  ``UnseenValuesCalculator`` (missing cells are counted in ``missing``, never as unseen).
- ``max_run``: the longest run of identical consecutive non-missing current values in time order
  (``_time`` ascending when every current row has one: Splunk returns newest first); ``stuck`` = 1
  when it reaches ``max_run=``.

``alert`` = 1 when the missing share exceeds the reference's by more than the band, when the
out-of-range or unseen share of current rows exceeds ``unexpected_share``, or when stuck.
Rows can arrive in any chunking: the reference is kept as running min/max/category set, the
current values are buffered and ordered once in ``result``.
"""

import math

from ...errors import ModelOpsError
from ...values import MISSING, NUMBER, classify, format_category

DEFAULT_MAX_RUN = 60
SAMPLING_ERROR_RANGE = 3  # NannyML's band: 3 sampling errors
MAX_CHUNKS = 1000
NUMERIC, CATEGORICAL, INSUFFICIENT = "numeric", "categorical", "insufficient_data"


class _Reference:
    """What quality needs of one feature's reference values: counts, min, max, the category set."""

    __slots__ = ("n", "missing", "low", "high", "categories", "texts")

    def __init__(self):
        self.n = self.missing = self.texts = 0
        self.low = self.high = None
        self.categories = set()

    def add(self, raw):
        self.n += 1
        kind, value = classify(raw)
        if kind == MISSING:
            self.missing += 1
            return
        if kind == NUMBER:
            self.low = value if self.low is None or value < self.low else self.low
            self.high = value if self.high is None or value > self.high else self.high
            self.categories.add(format_category(value))
        else:
            self.texts += 1
            self.categories.add(value)

    @property
    def kind(self):
        if self.n == self.missing:
            return INSUFFICIENT
        return CATEGORICAL if self.texts else NUMERIC


def check_options(max_run, chunk, unexpected_share):
    if isinstance(max_run, bool) or not isinstance(max_run, int) or max_run < 2:
        raise ModelOpsError("max_run must be a whole number of rows of at least 2, not %r" % (max_run,))
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ModelOpsError("chunk must be a whole number of rows of at least 1, not %r" % (chunk,))
    if not isinstance(unexpected_share, (int, float)) or not 0 <= unexpected_share < 1:
        raise ModelOpsError("unexpected_share must be a share from 0 up to (not including) 1, not %r"
                            % (unexpected_share,))


class QualityAccumulator:
    """Rows in (``add_rows``), one row per feature (and chunk) out (``result``), ``warnings``."""

    def __init__(self, features, split_field=None, reference_until=None, reference_value="reference",
                 current_value="current", chunk=None, max_run=DEFAULT_MAX_RUN, unexpected_share=0.0, model=""):
        features = [f for f in dict.fromkeys(features or ()) if f]
        if not features:
            raise ModelOpsError("name the features to check, e.g. fields=\"o2,temp\"")
        if (split_field is None) == (reference_until is None):
            raise ModelOpsError("say how to tell reference rows from current rows: split=<field> "
                                "or reference_until=<time>, not both")
        if reference_until is not None and (isinstance(reference_until, bool) or not isinstance(
                reference_until, (int, float)) or not math.isfinite(reference_until)):
            raise ModelOpsError("reference_until must be a finite epoch time")
        if split_field is not None and split_field in features:
            raise ModelOpsError("the split field %r cannot also be a feature" % split_field)
        check_options(max_run, chunk, unexpected_share)
        self.features, self.split_field, self.reference_until = features, split_field, reference_until
        self.reference_value, self.current_value = reference_value, current_value
        self.chunk, self.max_run, self.unexpected_share, self.model = chunk, max_run, unexpected_share, model or ""
        self.reference = [_Reference() for _ in features]
        self.current = []  # (time or None, [raw value per feature])
        self.absent = [0] * len(features)
        self.skipped_rows = 0
        self.n_reference_rows = 0

    def _is_reference(self, row):
        """True, False, or None (the row is neither)."""
        if self.split_field is not None:
            label = row.get(self.split_field)
            if label == self.reference_value:
                return True
            return False if label == self.current_value else None
        timestamp = _time(row)
        return None if timestamp is None else timestamp < self.reference_until

    def add(self, row):
        side = self._is_reference(row)
        if side is None:
            self.skipped_rows += 1
            return
        for i, feature in enumerate(self.features):
            if feature not in row:
                self.absent[i] += 1
        if side:
            self.n_reference_rows += 1
            for reference, feature in zip(self.reference, self.features):
                reference.add(row.get(feature))
        else:
            self.current.append((_time(row), [row.get(f) for f in self.features]))

    def add_rows(self, rows):
        for row in rows:
            self.add(row)

    def warnings(self):
        found = []
        if self.skipped_rows:
            how = ("%s is neither %r nor %r" % (self.split_field, self.reference_value, self.current_value)
                   if self.split_field is not None else "they have no _time")
            found.append("%d rows were skipped because %s" % (self.skipped_rows, how))
        total = self.n_reference_rows + len(self.current)
        absent = [f for f, n in zip(self.features, self.absent) if total and n == total]
        if absent:
            found.append("no row has the field%s %s (check the names in fields=): every value counts as missing"
                         % ("s" if len(absent) > 1 else "", ", ".join(absent)))
        empty = [f for f, r in zip(self.features, self.reference) if r.n and r.kind == INSUFFICIENT]
        if empty:
            found.append("the reference has no value of %s: out_of_range and unseen cannot be judged"
                         % ", ".join(empty))
        timed = sum(1 for t, _ in self.current if t is not None)
        if 0 < timed < len(self.current):
            found.append("%d current rows have no _time: runs and chunks follow the order rows arrived in"
                         % (len(self.current) - timed))
        texts = self._texts_in_numeric()
        if texts:
            found.append("text values in numeric features count as out of range: %s"
                         % ", ".join("%s (%d)" % item for item in texts))
        return found

    def _texts_in_numeric(self):
        found = []
        for i, (feature, reference) in enumerate(zip(self.features, self.reference)):
            if reference.kind == NUMERIC:
                n = sum(1 for _, values in self.current if classify(values[i])[0] not in (MISSING, NUMBER))
                if n:
                    found.append((feature, n))
        return found

    def _ordered_current(self):
        if all(t is not None for t, _ in self.current):
            return [values for _, values in sorted(self.current, key=lambda item: item[0])]  # stable: ties keep order
        return [values for _, values in self.current]

    def result(self):
        if self.n_reference_rows == 0:
            raise ModelOpsError("no reference rows: %s" % self._hint(True))
        if not self.current:
            raise ModelOpsError("no current rows: %s" % self._hint(False))
        ordered = self._ordered_current()
        times = sorted(t for t, _ in self.current) if all(t is not None for t, _ in self.current) else None
        size = self.chunk or len(ordered)
        n_chunks = -(-len(ordered) // size)
        if n_chunks > MAX_CHUNKS:
            raise ModelOpsError("chunk=%d cuts %d current rows into %d chunks; at most %d: use a larger chunk="
                                % (size, len(ordered), n_chunks, MAX_CHUNKS))
        rows = []
        for index in range(n_chunks):
            block = ordered[index * size:(index + 1) * size]
            for i, (feature, reference) in enumerate(zip(self.features, self.reference)):
                row = {"model": self.model} if self.model else {}
                if self.chunk:
                    row["chunk"] = index
                    if times is not None:
                        row["chunk_start"] = times[index * size]
                        row["chunk_end"] = times[min((index + 1) * size, len(times)) - 1]
                row.update(feature_quality(feature, reference, [values[i] for values in block], self.max_run,
                                           self.unexpected_share))
                rows.append(row)
        return rows

    def _hint(self, reference):
        if self.split_field is not None:
            return "no row has %s=%s" % (self.split_field, self.reference_value if reference else self.current_value)
        return "no row has a _time %s reference_until" % ("before" if reference else "at or after")


def feature_quality(feature, reference: _Reference, values, max_run, unexpected_share) -> dict:
    """The quality row of one feature over one block of current values (in time order)."""
    kind = reference.kind
    n_cur = len(values)
    missing = out_of_range = unseen = 0
    longest = run = 0
    previous = None
    for raw in values:
        value_kind, value = classify(raw)
        if value_kind == MISSING:
            missing += 1
            run, previous = 0, None  # a gap breaks a run
            continue
        label = format_category(value) if value_kind == NUMBER else value
        if kind == NUMERIC and (value_kind != NUMBER or value < reference.low or value > reference.high):
            out_of_range += 1
        elif kind == CATEGORICAL and label not in reference.categories:
            unseen += 1
        run = run + 1 if label == previous else 1
        previous = label
        longest = max(longest, run)
    share_ref = reference.missing / reference.n if reference.n else 0.0
    share = missing / n_cur if n_cur else 0.0
    band = SAMPLING_ERROR_RANGE * math.sqrt(share_ref * (1 - share_ref) / n_cur) if n_cur else 0.0
    reasons = []
    if n_cur and share - share_ref > band:
        reasons.append("missing")
    row = {"feature": feature, "kind": kind, "n_ref": reference.n, "n_cur": n_cur, "missing": missing,
           "missing_share": share, "missing_share_ref": share_ref, "missing_band": band}
    if kind == NUMERIC:
        row.update(ref_min=reference.low, ref_max=reference.high, out_of_range=out_of_range,
                   out_of_range_share=out_of_range / n_cur if n_cur else 0.0)
        if n_cur and out_of_range / n_cur > unexpected_share:
            reasons.append("out_of_range")
    elif kind == CATEGORICAL:
        row.update(ref_categories=len(reference.categories), unseen=unseen,
                   unseen_share=unseen / n_cur if n_cur else 0.0)
        if n_cur and unseen / n_cur > unexpected_share:
            reasons.append("unseen")
    stuck = int(longest >= max_run)
    if stuck:
        reasons.append("stuck")
    row.update(max_run=longest, stuck=stuck, alert=int(bool(reasons)), reasons=",".join(reasons))
    return row


def _time(row):
    """A row's ``_time`` as a finite float, or ``None``."""
    kind, value = classify(row.get("_time"))
    return value if kind == NUMBER else None


def quality_engine(features=(), **options):
    return QualityAccumulator(features, **options)
