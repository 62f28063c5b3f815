"""Data drift between a reference and a current sample, feature by feature.

The engine is an accumulator: ``add(row)`` for every row in any chunking, ``result()`` once.
Statistics (pinned so they can be checked against scipy/numpy):

* bins: edges ``[-inf, q10, ..., q90, +inf]`` from the reference deciles (``numpy.quantile``,
  linear), repeated edges collapsed, value v in bin i when ``edge[i] <= v < edge[i+1]``;
  numeric features with at most 10 distinct reference values get one bin per value instead;
* ``psi`` on those bins (empty shares -> 0.0001) and ``js``, the Jensen-Shannon distance, base 2;
* ``ks_d`` and its asymptotic p-value (``kstwobign``), ``wasserstein_norm`` = W1 / max(std_ref, 0.001);
* chi-square on the 2 x k table of category (or value) counts, no continuity correction.

Test selection follows Evidently's defaults: a reference of at most 1000 rows uses KS for numeric
features with more than 5 distinct values (reference and current together) and chi-square
otherwise, drift when p < 0.05; a larger reference uses the normalised Wasserstein distance for
numeric and Jensen-Shannon for categorical features, drift when the distance >= 0.1.
"""

import math
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter

from ...errors import ModelOpsError
from ...stats import twosample
from ...values import MISSING, NUMBER, classify, format_category

SMALL_REFERENCE_ROWS = 1000
FEW_DISTINCT_VALUES = 5
PER_VALUE_BINS_UP_TO = 10
DEFAULT_DRIFT_SHARE = 0.5
DATASET_ROW = "_dataset_"

STATTESTS = {
    # name: (kind of statistic, default threshold, needs numeric)
    "ks": ("p_value", 0.05, True),
    "chisquare": ("p_value", 0.05, False),
    "wasserstein": ("distance", 0.1, True),
    "jensenshannon": ("distance", 0.1, False),
    "psi": ("distance", 0.2, False),
}

OUTPUT_FIELDS = (
    "model", "feature", "kind", "n_ref", "n_cur", "n_null_ref", "n_null_cur", "test", "statistic",
    "p_value", "threshold", "drift", "psi", "psi_level", "js", "wasserstein_norm", "ks_d",
    "drift_share", "n_drifted",
)


def psi_level(value: float) -> str:
    """The usual reading of PSI: below 0.1 none, 0.1 to 0.2 moderate, 0.2 and above significant."""
    if value < 0.1:
        return "none"
    if value < 0.2:
        return "moderate"
    return "significant"


class _Sample:
    """One feature on one side: numbers in a compact array until a non-number appears."""

    __slots__ = ("numbers", "categories", "n_null")

    def __init__(self):
        self.numbers = array("d")
        self.categories = None  # Counter once the feature turned out categorical
        self.n_null = 0

    def add(self, raw) -> None:
        kind, value = classify(raw)
        if kind == MISSING:
            self.n_null += 1
        elif kind == NUMBER and self.categories is None:
            self.numbers.append(value)
        else:
            self.make_categorical()
            self.categories[format_category(value) if kind == NUMBER else value] += 1

    def make_categorical(self) -> None:
        if self.categories is None:
            self.categories = Counter(format_category(v) for v in self.numbers)
            self.numbers = array("d")

    def __len__(self):
        return len(self.numbers) if self.categories is None else sum(self.categories.values())


class DriftAccumulator:
    """Collects reference and current rows and computes drift per feature.

    Rows are routed by ``split_field`` (values ``reference_value``/``current_value``) or by
    ``reference_until`` (``_time`` before it is reference). Rows that fit neither are counted in
    ``skipped_rows`` and reported as a warning.
    """

    def __init__(self, features, split_field=None, reference_until=None, reference_value="reference",
                 current_value="current", stattest=None, threshold=None,
                 drift_share=DEFAULT_DRIFT_SHARE, model=""):
        features = [f for f in dict.fromkeys(features) if f]
        if not features:
            raise ModelOpsError("name the features to compare, e.g. fields=\"temp,pressure\"")
        if (split_field is None) == (reference_until is None):
            raise ModelOpsError("say how to tell reference rows from current rows: split=<field> "
                                "or reference_until=<time>, not both")
        if split_field is not None and split_field in features:
            raise ModelOpsError("the split field %r cannot also be a feature" % split_field)
        if stattest is not None and stattest not in STATTESTS:
            raise ModelOpsError("stattest must be one of %s, not %r"
                                % (", ".join(sorted(STATTESTS)), stattest))
        if threshold is not None and not (math.isfinite(threshold) and threshold > 0):
            raise ModelOpsError("threshold must be a positive number")
        if not 0 < drift_share <= 1:
            raise ModelOpsError("drift_share must be greater than 0 and at most 1")
        self.features = features
        self.split_field = split_field
        self.reference_until = reference_until
        self.reference_value = reference_value
        self.current_value = current_value
        self.stattest = stattest
        self.threshold = threshold
        self.drift_share = drift_share
        self.model = model or ""
        self.reference = {f: _Sample() for f in features}
        self.current = {f: _Sample() for f in features}
        self.skipped_rows = 0
        self.seen_features = set()

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
        side = self._side(row)
        if side is None:
            self.skipped_rows += 1
            return
        for feature, sample in side.items():
            sample.add(row.get(feature))

    def add_rows(self, rows) -> None:
        for row in rows:
            self.add(row)

    def warnings(self) -> list:
        found = []
        if self.skipped_rows:
            if self.split_field is not None:
                how = "%s is neither %r nor %r" % (self.split_field, self.reference_value, self.current_value)
            else:
                how = "they have no _time"
            found.append("%d rows were skipped because %s" % (self.skipped_rows, how))
        return found

    def result(self) -> list:
        """One row per feature plus a ``_dataset_`` row; raises ModelOpsError when nothing compares."""
        n_reference_rows = max(len(s) + s.n_null for s in self.reference.values())
        n_current_rows = max(len(s) + s.n_null for s in self.current.values())
        if n_reference_rows == 0:
            raise ModelOpsError("no reference rows: %s" % self._routing_hint("reference"))
        if n_current_rows == 0:
            raise ModelOpsError("no current rows: %s" % self._routing_hint("current"))
        rows = [self._feature_row(f, self.reference[f], self.current[f]) for f in self.features]
        return rows + [dataset_row(self.model, rows, n_reference_rows, n_current_rows, self.drift_share)]

    def _routing_hint(self, side):
        if self.split_field is not None:
            value = self.reference_value if side == "reference" else self.current_value
            return "no row has %s=%s" % (self.split_field, value)
        return "no row has a _time %s reference_until" % ("before" if side == "reference" else "at or after")

    def _feature_row(self, feature, reference: _Sample, current: _Sample) -> dict:
        row = dict.fromkeys(OUTPUT_FIELDS, "")
        row.update(model=self.model, feature=feature, n_null_ref=reference.n_null, n_null_cur=current.n_null)
        if reference.categories is not None or current.categories is not None:
            reference.make_categorical()
            current.make_categorical()
        row.update(n_ref=len(reference), n_cur=len(current))
        if len(reference) == 0 or len(current) == 0:
            row.update(kind="numeric" if reference.categories is None else "categorical",
                       test="insufficient_data")
            return row
        if reference.categories is None:
            self._numeric(row, sorted(reference.numbers), sorted(current.numbers))
        else:
            self._categorical(row, reference.categories, current.categories)
        return row

    def _numeric(self, row, ref, cur) -> None:
        row["kind"] = "numeric"
        distinct_ref = _count_distinct_sorted(ref)
        if distinct_ref <= PER_VALUE_BINS_UP_TO:
            values = sorted(set(ref).union(cur))
            ref_counts = _value_counts_sorted(ref, values)
            cur_counts = _value_counts_sorted(cur, values)
        else:
            edges = twosample.decile_edges(ref)
            ref_counts = twosample.bin_counts_sorted(ref, edges)
            cur_counts = twosample.bin_counts_sorted(cur, edges)
        ref_shares, cur_shares = twosample.shares(ref_counts), twosample.shares(cur_counts)
        ks_d = twosample.ks_statistic_sorted(ref, cur)
        _, std_ref = twosample.mean_and_population_std(ref)
        wasserstein_norm = twosample.wasserstein_sorted(ref, cur) / max(std_ref, 0.001)
        row.update(psi=twosample.psi(ref_shares, cur_shares),
                   js=twosample.jensenshannon_distance(ref_shares, cur_shares),
                   ks_d=ks_d, wasserstein_norm=wasserstein_norm)
        stattest = self.stattest
        if stattest is None:
            if len(ref) <= SMALL_REFERENCE_ROWS:
                distinct_all = _count_distinct_sorted(sorted(set(ref).union(cur)))
                stattest = "ks" if distinct_all > FEW_DISTINCT_VALUES else "chisquare"
            else:
                stattest = "wasserstein"
        if stattest == "ks":
            self._decide(row, "ks", ks_d, twosample.ks_asymptotic_pvalue(ks_d, len(ref), len(cur)))
        elif stattest == "chisquare":
            values = sorted(set(ref).union(cur))
            statistic, p_value, _ = twosample.chi2_contingency_2xk(
                _value_counts_sorted(ref, values), _value_counts_sorted(cur, values))
            self._decide(row, "chisquare", statistic, p_value)
        else:
            self._decide(row, stattest, {"wasserstein": wasserstein_norm, "jensenshannon": row["js"],
                                         "psi": row["psi"]}[stattest], None)

    def _categorical(self, row, ref: Counter, cur: Counter) -> None:
        row["kind"] = "categorical"
        stattest = self.stattest
        if stattest is not None and STATTESTS[stattest][2]:
            raise ModelOpsError("stattest=%s needs numeric values, but feature %r has text values"
                                % (stattest, row["feature"]))
        categories = sorted(set(ref).union(cur))
        ref_counts = [ref.get(c, 0) for c in categories]
        cur_counts = [cur.get(c, 0) for c in categories]
        ref_shares, cur_shares = twosample.shares(ref_counts), twosample.shares(cur_counts)
        row.update(psi=twosample.psi(ref_shares, cur_shares),
                   js=twosample.jensenshannon_distance(ref_shares, cur_shares))
        if stattest is None:
            stattest = "chisquare" if sum(ref_counts) <= SMALL_REFERENCE_ROWS else "jensenshannon"
        if stattest == "chisquare":
            statistic, p_value, _ = twosample.chi2_contingency_2xk(ref_counts, cur_counts)
            self._decide(row, "chisquare", statistic, p_value)
        else:
            self._decide(row, stattest, row["js"] if stattest == "jensenshannon" else row["psi"], None)

    def _decide(self, row, test, statistic, p_value) -> None:
        decide(row, test, statistic, p_value, self.threshold)


def decide(row, test, statistic, p_value, threshold=None) -> None:
    """Fill the test columns of ``row`` and its drift flag (p below, or distance at or above, threshold)."""
    kind, default_threshold, _ = STATTESTS[test]
    threshold = threshold if threshold is not None else default_threshold
    drift = p_value < threshold if kind == "p_value" else statistic >= threshold
    row.update(test=test, statistic=statistic, p_value="" if p_value is None else p_value,
               threshold=threshold, drift=int(drift), psi_level=psi_level(row["psi"]))


def dataset_row(model, rows, n_ref, n_cur, drift_share):
    """The ``_dataset_`` row: the share of compared features that drift, flagged at ``drift_share``."""
    compared = [r for r in rows if r["drift"] != ""]
    drifted = sum(r["drift"] for r in compared)
    share = drifted / len(compared) if compared else 0.0
    dataset = dict.fromkeys(OUTPUT_FIELDS, "")
    dataset.update(model=model, feature=DATASET_ROW, n_ref=n_ref, n_cur=n_cur, test="drift_share", statistic=share,
                   threshold=drift_share, drift=int(bool(compared) and share >= drift_share), drift_share=share,
                   n_drifted=drifted)
    return dataset


def _count_distinct_sorted(values_sorted) -> int:
    count = 0
    previous = None
    for value in values_sorted:
        if value != previous:
            count += 1
            previous = value
    return count


def _value_counts_sorted(values_sorted, values) -> list:
    return [bisect_right(values_sorted, v) - bisect_left(values_sorted, v) for v in values]


# --- profile mode -------------------------------------------------------------------------------


def _as_list(value):
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


class ProfileDrift:
    """Profile mode: for each model and feature, the latest ``current`` profile against the latest
    ``reference`` profile of the same model (``profile`` telemetry events, as Splunk extracts them:
    ``counts{}``, ``edges{}``, ``categories{}`` multivalue fields, or plain lists from notebooks).

    Binned numeric features are compared on the reference's bins (PSI, drift when PSI >= 0.2 by
    default); categorical and per-value features on the union of categories (chi-square for a
    reference of at most 1000 values, else Jensen-Shannon >= 0.1, as in raw mode)."""

    def __init__(self, stattest=None, threshold=None, drift_share=DEFAULT_DRIFT_SHARE, history=False):
        if stattest is not None and stattest not in STATTESTS:
            raise ModelOpsError("stattest must be one of %s, not %r" % (", ".join(sorted(STATTESTS)), stattest))
        if stattest is not None and STATTESTS[stattest][2]:
            raise ModelOpsError("stattest=%s needs raw values; profiles hold binned counts (use psi, "
                                "jensenshannon or chisquare)" % stattest)
        self.stattest, self.threshold, self.drift_share = stattest, threshold, drift_share
        self.history = history  # every current profile against the reference, not only the latest
        self.currents = []  # (model, feature, time, profile), with history
        self.latest = {}  # (model, feature, role) -> (time, profile)
        self.order = {}  # (model, feature) -> first-seen position
        self.skipped = 0
        self.mismatched = []

    def add(self, row):
        role, model, feature = row.get("role"), row.get("model_name"), row.get("feature")
        if role not in ("reference", "current") or not model or not feature or isinstance(feature, list):
            self.skipped += 1
            return
        try:
            when = float(row.get("_time") or row.get("time") or 0)
            counts = [int(float(c)) for c in _as_list(row.get("counts{}", row.get("counts")))]
            edges = [float(e) for e in _as_list(row.get("edges{}", row.get("edges")))]
        except (TypeError, ValueError):
            self.skipped += 1
            return
        categories = [str(c) for c in _as_list(row.get("categories{}", row.get("categories")))]
        if not counts or (edges and len(edges) != len(counts) + 1) or (categories and len(categories) != len(counts)):
            self.skipped += 1
            return
        profile = {"kind": row.get("kind") or ("numeric" if edges else "categorical"), "counts": counts,
                   "edges": edges, "categories": categories, "n_null": int(float(row.get("n_null") or 0))}
        key = (model, feature, role)
        self.order.setdefault((model, feature), len(self.order))
        if self.history and role == "current":
            self.currents.append((model, feature, when, profile))
        if key not in self.latest or when > self.latest[key][0]:
            self.latest[key] = (when, profile)

    def add_rows(self, rows):
        for row in rows:
            self.add(row)

    def warnings(self):
        found = []
        if self.skipped:
            found.append("%d rows were skipped: not a profile event with role, model_name, feature and counts"
                         % self.skipped)
        for model, feature in self.mismatched:
            found.append("%s %s: the current profile was binned on other edges than the reference; fit again"
                         % (model, feature))
        return found

    def result(self):
        if not self.order:
            raise ModelOpsError("no profile events in the input: search `modelops_events(profile)`, or give "
                                "split=/reference_until= and fields= to compare raw rows")
        if self.history:
            return self._history_rows()
        rows_by_model = {}
        for (model, feature) in sorted(self.order, key=self.order.get):
            reference = self.latest.get((model, feature, "reference"))
            current = self.latest.get((model, feature, "current"))
            row = dict.fromkeys(OUTPUT_FIELDS, "")
            row.update(model=model, feature=feature)
            if reference is None or current is None:
                row.update(kind=(reference or current)[1]["kind"], test="insufficient_data")
            else:
                self._compare(row, reference[1], current[1])
            rows_by_model.setdefault(model, []).append(row)
        out = []
        for model in sorted(rows_by_model):
            rows = rows_by_model[model]
            n_ref = max([r["n_ref"] for r in rows if r["n_ref"] != ""] or [0])
            n_cur = max([r["n_cur"] for r in rows if r["n_cur"] != ""] or [0])
            out.extend(rows + [dataset_row(model, rows, n_ref, n_cur, self.drift_share)])
        return out

    def _history_rows(self):
        """One row per current profile (time order), against its model's latest reference profile."""
        rows = []
        for model, feature, when, profile in sorted(self.currents, key=lambda c: (c[2], c[0], c[1])):
            reference = self.latest.get((model, feature, "reference"))
            row = dict.fromkeys(OUTPUT_FIELDS, "")
            row.update(model=model, feature=feature)
            if reference is None:
                row.update(kind=profile["kind"], test="insufficient_data")
            else:
                self._compare(row, reference[1], profile)
            rows.append(dict({"_time": when}, **row))
        return rows

    def _compare(self, row, reference, current):
        row.update(kind=reference["kind"], n_null_ref=reference["n_null"], n_null_cur=current["n_null"],
                   n_ref=sum(reference["counts"]), n_cur=sum(current["counts"]))
        if reference["edges"]:
            if current["edges"] != reference["edges"]:
                self.mismatched.append((row["model"], row["feature"]))
                row["test"] = "insufficient_data"
                return
            ref_counts, cur_counts = reference["counts"], current["counts"]
            default = "psi"
        else:
            categories = list(reference["categories"]) + sorted(set(current["categories"]) -
                                                                set(reference["categories"]))
            ref_map = dict(zip(reference["categories"], reference["counts"]))
            cur_map = dict(zip(current["categories"], current["counts"]))
            ref_counts = [ref_map.get(c, 0) for c in categories]
            cur_counts = [cur_map.get(c, 0) for c in categories]
            default = "chisquare" if sum(ref_counts) <= SMALL_REFERENCE_ROWS else "jensenshannon"
        if not sum(ref_counts) or not sum(cur_counts):
            row["test"] = "insufficient_data"
            return
        ref_shares, cur_shares = twosample.shares(ref_counts), twosample.shares(cur_counts)
        row.update(psi=twosample.psi(ref_shares, cur_shares),
                   js=twosample.jensenshannon_distance(ref_shares, cur_shares))
        test = self.stattest or default
        if test == "chisquare":
            statistic, p_value, _ = twosample.chi2_contingency_2xk(ref_counts, cur_counts)
            decide(row, "chisquare", statistic, p_value, self.threshold)
        else:
            decide(row, test, row["js"] if test == "jensenshannon" else row["psi"], None, self.threshold)


class SegmentedDrift:
    """Raw-mode drift per value of ``by`` (e.g. per model or kiln); the value fills the model column."""

    def __init__(self, make, by):
        self.make, self.by = make, by
        self.parts = {}

    def add(self, row):
        key = row.get(self.by)
        key = "" if key is None or isinstance(key, list) else str(key)
        part = self.parts.get(key)
        if part is None:
            part = self.parts[key] = self.make(key)
        part.add(row)

    def add_rows(self, rows):
        for row in rows:
            self.add(row)

    def warnings(self):
        return ["%s=%s: %s" % (self.by, key, w) for key in sorted(self.parts) for w in self.parts[key].warnings()]

    def result(self):
        if not self.parts:
            raise ModelOpsError("no input rows")
        rows = []
        for key in sorted(self.parts):
            try:
                rows.extend(self.parts[key].result())
            except ModelOpsError as error:
                raise ModelOpsError("%s=%s: %s" % (self.by, key, error)) from None
        return rows


def drift_engine(features=(), split_field=None, reference_until=None, by=None, **options):
    """Raw mode when features or a split are given, profile mode otherwise (see ``| modeldrift``)."""
    if not features and split_field is None and reference_until is None:
        if by is not None:
            raise ModelOpsError("by= applies to raw mode; profile mode already compares per model")
        return ProfileDrift(**{k: v for k, v in options.items()
                                if k in ("stattest", "threshold", "drift_share", "history")})
    if options.pop("history", False):
        raise ModelOpsError("history=true applies to profile mode (no fields, split or reference_until)")
    if by is None:
        return DriftAccumulator(features, split_field=split_field, reference_until=reference_until, **options)
    return SegmentedDrift(lambda key: DriftAccumulator(features, split_field=split_field,
                                                       reference_until=reference_until,
                                                       **dict(options, model=key)), by)
