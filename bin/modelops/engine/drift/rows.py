"""Raw-row intake: route each row to the reference or the current side, keep each feature's values
(numbers in a compact array until a non-number appears), then compare feature by feature."""

import json
import math
from array import array
from collections import Counter
from itertools import compress

from ...errors import ModelOpsError
from ...values import MISSING, NUMBER, classify, format_category
from .. import partials
from ..segments import NO_SEGMENT, Segments, segment_key
from .decision import DEFAULT_DRIFT_SHARE, check_options, dataset_row, decide, empty_row
from .stattests import CATEGORICAL, NUMERIC, STATTESTS, counts_evidence, numeric_evidence, select_stattest

try:
    import numpy
except ImportError:  # Splunk's Python: the commands never vectorise
    numpy = None

# --- map-phase partials --------------------------------------------------------------------------
# The map phase (on the indexers) parses rows and emits, per chunk, one row per segment, feature,
# side and block of at most PARTIAL_BLOCK values: the block's finite floats sorted and packed
# (float64, little-endian, zlib level 1, base64: about 6.3 bytes a value), plus that side's
# missing count and category counts. The reduce phase merges them: sorting the concatenated sorted
# blocks gives exactly the array a single pass over the raw rows would have sorted, so every number
# is unchanged to the last digit.
PARTIAL = "mo_drift_part"
PARTIAL_VERSION = "1"
PARTIAL_FIELDS = (PARTIAL, "mo_segment", "mo_feature", "mo_side", "mo_null", "mo_absent", "mo_numbers",
                  "mo_categories", "mo_skipped", "mo_without_by")
PARTIAL_BLOCK = 8192
_INT_LIMIT = 2.0 ** 1023


def pack_numbers(numbers) -> str:
    return partials.pack(numbers)


def unpack_numbers(text) -> array:
    return partials.unpack(text)


def partial_row(**values) -> dict:
    return partials.partial_row(PARTIAL_FIELDS, PARTIAL, PARTIAL_VERSION, **values)


class _Sample:
    """One feature on one side: numbers in a compact array until a non-number appears."""

    __slots__ = ("numbers", "categories", "n_null", "n_absent")

    def __init__(self):
        self.numbers = array("d")
        self.categories = None  # Counter once the feature turned out categorical
        self.n_null = 0
        self.n_absent = 0  # rows without the field at all (a subset of n_null)

    def add(self, raw) -> None:
        if raw is None:
            self.n_absent += 1
            self.n_null += 1
            return
        kind, value = classify(raw)
        if kind == MISSING:
            self.n_null += 1
        elif kind == NUMBER and self.categories is None:
            self.numbers.append(value)
        else:
            self.make_categorical()
            self.categories[format_category(value) if kind == NUMBER else value] += 1

    def add_column(self, values) -> None:
        """``add`` for every value of a list; one C-level conversion when all of them are numbers.

        A numpy array of numbers or booleans (``modelops.drift`` in a notebook) is taken as a whole: its
        finite values as floats (what ``classify`` gives each), the rest missing."""
        if (self.categories is None and numpy is not None and isinstance(values, numpy.ndarray)
                and values.ndim == 1 and values.dtype.kind in "biuf" and values.dtype.itemsize <= 8):
            floats = values.astype(numpy.float64)
            finite = floats[numpy.isfinite(floats)]
            self.numbers.frombytes(finite.tobytes())
            self.n_null += len(floats) - len(finite)
            return
        if numpy is not None and isinstance(values, numpy.ndarray):
            values = values.tolist()
        if self.categories is None:
            try:
                numbers = list(map(float, values))
            except (TypeError, ValueError, OverflowError):
                numbers = None
            if numbers is not None:
                finite = list(filter(math.isfinite, numbers))
                # classify() calls int magnitudes from 2**1023 missing; keep its rule exactly
                if not finite or (max(finite) < _INT_LIMIT and min(finite) > -_INT_LIMIT):
                    self.numbers.extend(finite)
                    self.n_null += len(numbers) - len(finite)
                    return
        for value in values:
            self.add(value)

    def add_texts(self, cells) -> None:
        """``add_column`` for cells that are all texts (a Table's column). A text that ``float`` reads
        is the number ``classify`` gives it (finite) or missing (nan, inf), so a column of numbers is
        converted and checked in C; the integer limit of ``add_column`` applies to ints only."""
        if self.categories is None:
            try:
                numbers = array("d", map(float, cells))
            except ValueError:
                numbers = None
            if numbers is not None:
                if partials.all_finite(numbers):
                    self.numbers.extend(numbers)
                else:
                    finite = list(filter(math.isfinite, numbers))
                    self.numbers.extend(finite)
                    self.n_null += len(numbers) - len(finite)
                return
        for value in cells:
            self.add(value)

    def make_categorical(self) -> None:
        if self.categories is None:
            self.categories = Counter(format_category(v) for v in self.numbers)
            self.numbers = array("d")

    def __len__(self):
        return len(self.numbers) if self.categories is None else sum(self.categories.values())

    def partials(self, **keys):
        """This sample as partial rows (numbers sorted, in blocks); none when it saw no row."""
        numbers = sorted(self.numbers)
        categories = json.dumps(self.categories, sort_keys=True) if self.categories is not None else ""
        if not numbers and not self.n_null and self.categories is None:
            return
        for start in range(0, max(len(numbers), 1), PARTIAL_BLOCK):
            first = start == 0
            yield partial_row(mo_null=self.n_null if first else 0, mo_absent=self.n_absent if first else 0,
                              mo_numbers=pack_numbers(numbers[start:start + PARTIAL_BLOCK]),
                              mo_categories=categories if first else "", **keys)

    def merge(self, row) -> None:
        """Add one partial row of this feature and side (ValueError when it is malformed)."""
        numbers = unpack_numbers(row.get("mo_numbers") or "")
        categories = row.get("mo_categories")
        null, absent = int(row.get("mo_null") or 0), int(row.get("mo_absent") or 0)
        if categories:
            categories = json.loads(categories)
            if not isinstance(categories, dict) or not all(isinstance(v, int) and v >= 0
                                                           for v in categories.values()):
                raise ValueError("categories")
        if null < 0 or absent < 0 or absent > null or not partials.all_finite(numbers):
            raise ValueError("counts")
        self.n_null += null
        self.n_absent += absent
        if categories:
            self.make_categorical()
            self.categories.update(categories)
        if self.categories is None:
            self.numbers.extend(numbers)
        else:
            self.categories.update(format_category(v) for v in numbers)


def _timestamp(cell):
    """``float(cell)``, or None where ``_side`` finds no time."""
    try:
        return float(cell)
    except (TypeError, ValueError):
        return None


class DriftAccumulator:
    """Collects reference and current rows and computes drift per feature.

    Rows are routed by ``split_field`` (values ``reference_value``/``current_value``) or by
    ``reference_until`` (``_time`` before it is reference). Rows that fit neither are counted in
    ``skipped_rows`` and reported as a warning.
    """

    partial_fields = (PARTIAL,)  # a chunk with one of these is map output: read as rows, not a Table

    def __init__(self, features, split_field=None, reference_until=None, reference_value="reference",
                 current_value="current", stattest=None, threshold=None,
                 drift_share=DEFAULT_DRIFT_SHARE, model="", vectorise=False):
        features = [f for f in dict.fromkeys(features) if f]
        if not features:
            raise ModelOpsError("name the features to compare, e.g. fields=\"temp,pressure\"")
        if (split_field is None) == (reference_until is None):
            raise ModelOpsError("say how to tell reference rows from current rows: split=<field> "
                                "or reference_until=<time>, not both")
        if reference_until is not None and not math.isfinite(reference_until):
            raise ModelOpsError("reference_until must be a finite epoch time")
        if split_field is not None and split_field in features:
            raise ModelOpsError("the split field %r cannot also be a feature" % split_field)
        check_options(STATTESTS, stattest, threshold, drift_share)
        self.features = features
        self.split_field = split_field
        self.reference_until = reference_until
        self.reference_value = reference_value
        self.current_value = current_value
        self.stattest = stattest
        self.threshold = threshold
        self.drift_share = drift_share
        self.model = model or ""
        # numpy for sorting and the statistics at result() time (notebooks only; same numbers)
        self.vectorise = bool(vectorise) and numpy is not None
        self.reference = {f: _Sample() for f in features}
        self.current = {f: _Sample() for f in features}
        self.skipped_rows = 0
        self.bad_partials = 0

    def _side(self, row):
        if self.split_field is not None:
            label = row.get(self.split_field)
            if label == self.reference_value:
                return self.reference
            if label == self.current_value:
                return self.current
            return None
        try:
            timestamp = float(row.get("_time"))
        except (TypeError, ValueError):
            return None
        return self.reference if timestamp < self.reference_until else self.current

    def add(self, row) -> None:
        self.add_rows((row,))

    def add_partial(self, row) -> None:
        """Merge one map-phase partial row; a malformed one is counted, not trusted."""
        try:
            if row.get(PARTIAL) != PARTIAL_VERSION:
                raise ValueError("version")
            feature = row.get("mo_feature")
            if not feature:
                self.skipped_rows += int(row.get("mo_skipped") or 0)
                return
            side = {"reference": self.reference, "current": self.current}[row.get("mo_side")]
            side[feature].merge(row)
        except partials.DECODE_ERRORS:
            self.bad_partials += 1

    def partial_rows(self, segment="", without_by=0):
        """What this accumulator holds, as map-phase partial rows (see PARTIAL)."""
        if self.skipped_rows or without_by:
            yield partial_row(mo_segment=segment, mo_skipped=self.skipped_rows, mo_without_by=without_by)
        for side_name, side in (("reference", self.reference), ("current", self.current)):
            for feature, sample in side.items():
                yield from sample.partials(mo_segment=segment, mo_feature=feature, mo_side=side_name)

    def add_rows(self, rows) -> None:
        """``add`` for every row, column by column (the fast path for chunks of rows)."""
        sides = {id(self.reference): [], id(self.current): []}
        for row in rows:
            side = self._side(row)
            if side is None:
                if PARTIAL in row:
                    self.add_partial(row)
                else:
                    self.skipped_rows += 1
            else:
                sides[id(side)].append(row)
        for side in (self.reference, self.current):
            routed = sides[id(side)]
            if routed:
                for feature, sample in side.items():
                    sample.add_column([row.get(feature) for row in routed])

    def add_table(self, table) -> None:
        """``add_rows`` for a ``Table`` of raw rows: routed and converted column by column, in C."""
        if PARTIAL in table.columns or not isinstance(self.reference_value, str) or not isinstance(
                self.current_value, str):
            self.add_rows(table.rows())
            return
        n = table.n_rows
        if self.split_field is not None:
            labels = table.columns.get(self.split_field)
            if labels is None:
                reference = current = [False] * n
            else:
                reference = list(map(self.reference_value.__eq__, labels))
                current = ([False] * n if self.current_value == self.reference_value
                           else list(map(self.current_value.__eq__, labels)))
        else:
            stamps = [_timestamp(t) for t in table.column("_time")]
            reference = [t is not None and t < self.reference_until for t in stamps]
            current = [t is not None and not t < self.reference_until for t in stamps]
        n_reference, n_current = sum(reference), sum(current)
        self.skipped_rows += n - n_reference - n_current
        for side, mask, count in ((self.reference, reference, n_reference), (self.current, current, n_current)):
            if not count:
                continue
            for feature, sample in side.items():
                cells = table.columns.get(feature)
                if cells is None:
                    sample.add_column([None] * count)
                else:
                    sample.add_texts(cells if count == n else list(compress(cells, mask)))

    def add_columns(self, side, columns) -> None:
        """Rows given column by column: ``columns`` maps every feature to its values on ``side``
        ("reference" or "current"), all of one length; the same as ``add_rows`` of those rows."""
        samples = {"reference": self.reference, "current": self.current}[side]
        for feature, sample in samples.items():
            sample.add_column(columns[feature])

    def _sorted(self, numbers):
        if self.vectorise:
            return numpy.sort(numpy.frombuffer(numbers, dtype=numpy.float64))
        return sorted(numbers)

    def warnings(self) -> list:
        found = []
        if self.skipped_rows:
            if self.split_field is not None:
                how = "%s is neither %r nor %r" % (self.split_field, self.reference_value, self.current_value)
            else:
                how = "they have no _time"
            found.append("%d rows were skipped because %s" % (self.skipped_rows, how))
        if self.bad_partials:
            found.append("%d malformed map-phase rows (%s) were skipped" % (self.bad_partials, PARTIAL))
        absent = [f for f in self.features if self._rows(self.reference[f]) + self._rows(self.current[f])
                  and self.reference[f].n_absent + self.current[f].n_absent
                  == self._rows(self.reference[f]) + self._rows(self.current[f])]
        if absent:
            found.append("no row has the field%s %s (check the names in fields=): reported as insufficient_data"
                         % ("s" if len(absent) > 1 else "", ", ".join(absent)))
        return found

    @staticmethod
    def _rows(sample):
        return len(sample) + sample.n_null

    def result(self) -> list:
        """One row per feature plus a ``_dataset_`` row; raises ModelOpsError when nothing compares."""
        n_reference_rows = max(self._rows(s) for s in self.reference.values())
        n_current_rows = max(self._rows(s) for s in self.current.values())
        if n_reference_rows == 0:
            raise ModelOpsError("no reference rows: %s" % self._routing_hint("reference"))
        if n_current_rows == 0:
            raise ModelOpsError("no current rows: %s" % self._routing_hint("current"))
        rows = [self._feature_row(f, self.reference[f], self.current[f]) for f in self.features]
        return rows + [dataset_row(self.model, rows, n_reference_rows, n_current_rows, self.drift_share)]

    def insufficient_result(self) -> list:
        """The rows of a segment that cannot be compared: every feature ``insufficient_data``."""
        rows = []
        for feature in self.features:
            row = empty_row(self.model, feature)
            row.update(test="insufficient_data", n_ref=len(self.reference[feature]),
                       n_cur=len(self.current[feature]), n_null_ref=self.reference[feature].n_null,
                       n_null_cur=self.current[feature].n_null)
            rows.append(row)
        n_ref = max(self._rows(s) for s in self.reference.values())
        n_cur = max(self._rows(s) for s in self.current.values())
        return rows + [dataset_row(self.model, rows, n_ref, n_cur, self.drift_share)]

    def _routing_hint(self, side):
        if self.split_field is not None:
            value = self.reference_value if side == "reference" else self.current_value
            return "no row has %s=%s" % (self.split_field, value)
        return "no row has a _time %s reference_until" % ("before" if side == "reference" else "at or after")

    def _feature_row(self, feature, reference: _Sample, current: _Sample) -> dict:
        row = empty_row(self.model, feature)
        row.update(n_null_ref=reference.n_null, n_null_cur=current.n_null)
        if reference.categories is not None or current.categories is not None:
            reference.make_categorical()
            current.make_categorical()
        row.update(n_ref=len(reference), n_cur=len(current))
        if len(reference) == 0 or len(current) == 0:
            row.update(kind=NUMERIC if reference.categories is None else CATEGORICAL, test="insufficient_data")
            return row
        if reference.categories is None:
            evidence = numeric_evidence(self._sorted(reference.numbers), self._sorted(current.numbers))
            row.update(ks_d=evidence.ks_d, wasserstein_norm=evidence.wasserstein_norm)
        else:
            categories = sorted(set(reference.categories).union(current.categories))
            evidence = counts_evidence(CATEGORICAL, [reference.categories.get(c, 0) for c in categories],
                                       [current.categories.get(c, 0) for c in categories])
        row.update(kind=evidence.kind, psi=evidence.psi, js=evidence.js)
        test = select_stattest(evidence, self.stattest, feature)
        decide(row, test, *test.function(evidence), self.threshold)
        return row


class SegmentedDrift(Segments):
    """Raw-mode drift per value of ``by`` (e.g. per model or kiln); the value fills the model column
    (segments as ``engine.segments`` decides them).

    A segment that cannot be compared (no reference or no current rows) is reported in a warning and
    as ``insufficient_data`` rows while the other segments answer."""

    partial_fields = (PARTIAL,)

    def __init__(self, make, by):
        super().__init__(by)
        self.make = make

    def make_part(self, key):
        return self.make(key)

    def add(self, row):
        if PARTIAL in row:
            key = row.get("mo_segment")
            key = key if isinstance(key, str) else NO_SEGMENT
            try:
                self.without_by += int(row.get("mo_without_by") or 0)
            except (TypeError, ValueError):
                pass
            self.part_for(key).add_partial(row)
            return
        self.route(row).add(row)

    def add_rows(self, rows):
        groups = {}
        for row in rows:
            if PARTIAL in row:
                self.add(row)
                continue
            key, lacks = segment_key(row, self.by)
            self.rows += 1
            self.without_by += lacks
            groups.setdefault(key, []).append(row)
        for key, group in groups.items():
            self.part_for(key).add_rows(group)

    def add_table(self, table):
        """``add_rows`` for a ``Table`` of raw rows: each segment's rows handed on as a Table."""
        if PARTIAL in table.columns:
            self.add_rows(table.rows())
            return
        for part, rows in self.split_table(table):
            part.add_table(rows)

    def partial_rows(self):
        for key in sorted(self.parts):
            yield from self.parts[key].partial_rows(key, self.without_by if key == NO_SEGMENT else 0)

    def warnings(self):
        # Partial rows carry their rows' counts, so the total comes from the parts.
        self.rows = sum(DriftAccumulator._rows(next(iter(p.reference.values())))
                        + DriftAccumulator._rows(next(iter(p.current.values()))) + p.skipped_rows
                        for p in self.parts.values())
        found = self.segment_warnings()
        return [w + "; its features are reported as insufficient_data" if any(
            w == "%s: %s" % (self.label(k), r) for k, r in self.failed) else w for w in found]

    def result(self):
        return self.segment_results()

    def failed_rows(self, key, part, error):
        return part.insufficient_result()


