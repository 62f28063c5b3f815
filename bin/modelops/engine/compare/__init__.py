"""A/B comparison of two model versions, as ``| modelcompare`` and ``modelops.compare`` compute it.

Two modes, each an accumulator fed row by row (any chunking gives the same result) and finalised once:

* **runs**: ``fit_run``/``apply_run`` events; ``version_a``/``version_b`` match ``model_version`` or
  ``model_name``. Per metric present for both: counts, means, delta (b - a), Welch's t-test across
  runs, Holm-adjusted p-values, bootstrap CI of the difference of means (runs resampled per version).
* **predictions**: two prediction fields on the same rows and a label field. Classification:
  accuracy (McNemar), precision/recall/f1 (binary for two classes, else macro; bootstrap test),
  roc_auc (DeLong) when scores are given. Regression: mae (paired t-test on absolute errors),
  rmse/r2/mape (bootstrap test) and abs_error (Wilcoxon signed-rank on absolute errors).
  Confidence intervals of every delta come from a paired bootstrap over blocks of consecutive rows
  (one row per block up to 500 rows, then 500 blocks; block k holds rows floor(k*n/500) to
  floor((k+1)*n/500) - 1), resampled ``bootstrap`` times with ``seed``.

A winner needs a Holm-adjusted p-value below ``alpha`` and a known metric direction.
"""

import math
import random
from array import array

from ... import metrics as m
from ...errors import ModelOpsError
from ...schema import MAX_INTEGER_CLASSES
from ...stats import paired
from ...stats.twosample import quantile_linear
from ...values import finite_or_none

SUMMARY = "_summary_"
MAX_BLOCKS = 500
MAX_CLASSES = 1000
ROW_FIELDS = ("metric", "model_a", "model_b", "value_a", "value_b", "delta", "delta_pct", "ci_low", "ci_high",
              "test", "statistic", "p_value", "p_holm", "n_a", "n_b", "winner")
PRIMARY_ORDER = ("f1", "accuracy", "roc_auc", "r2", "mae", "rmse", "mape", "log_loss", "val_loss", "loss",
                 "silhouette", "precision", "recall", "mse", "anomaly_rate")


def _winner(metric, delta, p_holm, alpha, name_a, name_b):
    if p_holm is None or delta is None:
        return "insufficient_data"
    way = m.direction(metric)
    if way is None or p_holm >= alpha or delta == 0:
        return "tie"
    better_b = delta > 0 if way == "higher" else delta < 0
    return name_b if better_b else name_a


def _percentile_ci(deltas, alpha):
    if not deltas:
        return "", ""
    ordered = sorted(deltas)
    return quantile_linear(ordered, alpha / 2.0), quantile_linear(ordered, 1.0 - alpha / 2.0)


def _bootstrap_p(deltas):
    """Two-sided bootstrap p-value of "no difference": 2 (1 + k) / (B + 1), k the resampled deltas on
    the far side of 0 (the +1 keeps a finite B from claiming p = 0)."""
    if not deltas:
        return None
    below = sum(1 for d in deltas if d <= 0)
    above = sum(1 for d in deltas if d >= 0)
    return min(1.0, 2.0 * (1 + min(below, above)) / (len(deltas) + 1))


def _finish(rows, alpha, name_a, name_b, primary):
    """Holm across the rows' p-values, winners, and the summary row."""
    adjusted = paired.holm([r["p_value"] if r["p_value"] != "" else None for r in rows])
    for row, p_holm in zip(rows, adjusted):
        row["p_holm"] = "" if p_holm is None else p_holm
        delta = row["delta"] if row["delta"] != "" else None
        row["winner"] = _winner(row["metric"], delta, p_holm, alpha, name_a, name_b)
    present = [r["metric"] for r in rows]
    chosen = primary if primary else next((p for p in PRIMARY_ORDER if p in present), present[0] if present else "")
    summary = dict.fromkeys(ROW_FIELDS, "")
    summary.update(metric=SUMMARY, model_a=name_a, model_b=name_b, test="primary=%s" % chosen)
    match = next((r for r in rows if r["metric"] == chosen), None)
    if match is None:
        summary["winner"] = "insufficient_data"
    else:
        for key in ("value_a", "value_b", "delta", "delta_pct", "ci_low", "ci_high", "p_value", "p_holm", "n_a", "n_b",
                    "winner"):
            summary[key] = match[key]
    return rows + [summary]


def _row(metric, name_a, name_b, value_a, value_b, n_a, n_b):
    row = dict.fromkeys(ROW_FIELDS, "")
    delta = value_b - value_a if value_a is not None and value_b is not None else None
    row.update(metric=metric, model_a=name_a, model_b=name_b, n_a=n_a, n_b=n_b,
               value_a="" if value_a is None else value_a, value_b="" if value_b is None else value_b,
               delta="" if delta is None else delta,
               delta_pct="" if delta is None or not value_a else 100.0 * delta / abs(value_a))
    return row


# --- runs mode -------------------------------------------------------------------------------


class RunsAccumulator:
    def __init__(self, version_a, version_b, alpha=0.05, bootstrap=1000, seed=0, primary=None):
        self.names = (version_a, version_b)
        self.alpha, self.bootstrap, self.seed, self.primary = alpha, bootstrap, seed, primary
        self.values = ({}, {})  # metric -> list, per version
        self.rows_seen = [0, 0]
        self.skipped = 0
        self.notes = []

    def _side(self, row):
        for i, name in enumerate(self.names):
            if name in (row.get("model_version"), row.get("model_name")):
                return i
        return None

    def add(self, row):
        side = self._side(row)
        if side is None:
            self.skipped += 1
            return
        self.rows_seen[side] += 1
        for field, value in row.items():
            if field.startswith("metrics."):
                name = m.canonical_name(field[len("metrics."):])
            else:
                name = m.canonical_name(field)
                if name not in m.HIGHER_IS_BETTER and name not in m.LOWER_IS_BETTER:
                    continue
            number = finite_or_none(value)
            if number is not None:
                self.values[side].setdefault(name, []).append(number)

    def warnings(self):
        return list(self.notes)

    def result(self):
        name_a, name_b = self.names
        for i, name in enumerate(self.names):
            if not self.rows_seen[i]:
                raise ModelOpsError("no run of %s in the input (looked in model_version and model_name)" % name)
        shared = sorted(set(self.values[0]) & set(self.values[1]))
        if not shared:
            raise ModelOpsError("%s and %s have no metric in common" % (name_a, name_b))
        rng = random.Random(self.seed)
        rows = []
        for metric in shared:
            a, b = self.values[0][metric], self.values[1][metric]
            row = _row(metric, name_a, name_b, math.fsum(a) / len(a), math.fsum(b) / len(b), len(a), len(b))
            test = paired.welch_ttest(a, b)
            row["test"] = "welch_t"
            if test is not None:
                row["statistic"], row["p_value"] = test[0], test[2]
            elif min(len(a), len(b)) < 2:
                self.notes.append("%s: a t-test needs at least 2 runs of each version (%d and %d)"
                                  % (metric, len(a), len(b)))
            else:
                self.notes.append("%s: no variation across runs of either version; no t-test" % metric)
            deltas = []
            if self.bootstrap and len(a) > 1 and len(b) > 1:
                for _ in range(self.bootstrap):
                    sa = [a[rng.randrange(len(a))] for _ in a]
                    sb = [b[rng.randrange(len(b))] for _ in b]
                    deltas.append(math.fsum(sb) / len(sb) - math.fsum(sa) / len(sa))
            row["ci_low"], row["ci_high"] = _percentile_ci(deltas, self.alpha)
            rows.append(row)
        return _finish(rows, self.alpha, name_a, name_b, self.primary)


# --- predictions mode ---------------------------------------------------------------------------


class _Labels:
    """Label values as small integer codes, one dictionary shared by truth and both predictions."""

    def __init__(self):
        self.codes = {}
        self.labels = []

    def code(self, value):
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.labels)
            self.labels.append(value)
        return code

    def numeric(self):
        return all(finite_or_none(v) is not None for v in self.labels)


class PredictionsAccumulator:
    """Rows are kept compactly (label codes, or floats for regression, and scores) until ``result``.

    Labels start as codes of their text; past ``MAX_CLASSES`` distinct numeric values the columns
    turn into floats (regression), so a long float column never fills the code dictionary."""

    def __init__(self, label, field_a, field_b, score_a=None, score_b=None, task=None, pos_label=None, alpha=0.05,
                 bootstrap=1000, seed=0, primary=None):
        if task not in (None, "classification", "regression"):
            raise ModelOpsError("task must be classification or regression, not %r" % task)
        if (score_a is None) != (score_b is None):
            raise ModelOpsError("give both score1= and score2=, or neither")
        self.fields = (label, field_a, field_b, score_a, score_b)
        self.task, self.pos_label = task, pos_label
        self.alpha, self.bootstrap, self.seed, self.primary = alpha, bootstrap, seed, primary
        self.labels = _Labels()
        self.as_numbers = task == "regression"
        self.columns = (array("d"), array("d"), array("d")) if self.as_numbers else (
            array("i"), array("i"), array("i"))
        self.scores = (array("d"), array("d"))
        self.skipped = 0
        self.too_many_classes = False

    def add(self, row):
        label, field_a, field_b, score_a, score_b = self.fields
        get = row.get
        raw = (get(label), get(field_a), get(field_b))
        if None in raw or "" in raw or list in (type(raw[0]), type(raw[1]), type(raw[2])):
            self.skipped += 1
            return
        if score_a is not None:
            try:
                sa, sb = float(get(score_a)), float(get(score_b))
            except (TypeError, ValueError):
                self.skipped += 1
                return
            if sa - sa or sb - sb:  # NaN or infinity
                self.skipped += 1
                return
        if self.as_numbers:
            try:
                values = (float(raw[0]), float(raw[1]), float(raw[2]))
            except (TypeError, ValueError):
                self.skipped += 1
                return
            if values[0] - values[0] or values[1] - values[1] or values[2] - values[2]:
                self.skipped += 1
                return
        else:
            codes = self.labels.codes
            values = (codes.get(raw[0]), codes.get(raw[1]), codes.get(raw[2]))
            if None in values:
                values = tuple(self.labels.code(str(v)) for v in raw)
                if len(self.labels.labels) > MAX_CLASSES and not self._switch_to_numbers():
                    self.skipped += 1
                    return
                if self.as_numbers:
                    values = tuple(float(v) for v in raw)
        for column, value in zip(self.columns, values):
            column.append(value)
        if score_a is not None:
            self.scores[0].append(sa)
            self.scores[1].append(sb)

    def _switch_to_numbers(self):
        """Too many distinct labels for classes: numeric ones become a regression column."""
        if self.task == "classification" or not self.labels.numeric():
            self.too_many_classes = True
            return False
        floats = [float(v) for v in self.labels.labels]
        self.columns = tuple(array("d", (floats[c] for c in column)) for column in self.columns)
        self.as_numbers = True
        return True

    def warnings(self):
        if self.skipped:
            return ["%d rows were skipped: the label, a prediction or a score was missing or not a number"
                    % self.skipped]
        return []

    def _task(self):
        if self.task:
            return self.task
        if self.as_numbers:
            return "regression"
        if not self.labels.numeric():
            return "classification"
        if len(self.labels.labels) <= MAX_INTEGER_CLASSES and all(float(v).is_integer() for v in self.labels.labels):
            return "classification"
        return "regression"

    def result(self):
        label, field_a, field_b, _, _ = self.fields
        n = len(self.columns[0])
        if self.too_many_classes:
            raise ModelOpsError("%s has more than %d distinct text values; is it a class label?" % (label, MAX_CLASSES))
        if n == 0:
            raise ModelOpsError("no row has %s, %s and %s all set" % (label, field_a, field_b))
        task = self._task()
        if task == "classification":
            if self.as_numbers:
                raise ModelOpsError("%s has more than %d distinct values; set task=regression" % (label, MAX_CLASSES))
            rows = self._classification()
        else:
            if not self.as_numbers:
                if not self.labels.numeric():
                    raise ModelOpsError("task=regression needs numbers in %s, %s and %s" % (label, field_a, field_b))
                self._switch_to_numbers()
            rows = self._regression()
        return _finish(rows, self.alpha, field_a, field_b, self.primary)

    # classification

    def _classification(self):
        y, a, b = self.columns
        n = len(y)
        labels = self.labels.labels
        present = sorted(set(y) | set(a) | set(b))
        if len(set(y)) < 2:
            raise ModelOpsError("the label %s has one class only (%s); precision, recall and AUC need two"
                                % (self.fields[0], labels[y[0]]))
        binary = len(present) <= 2
        if binary:
            names = [labels[c] for c in present]
            if self.pos_label is not None:
                positive_name = str(self.pos_label)
                if positive_name not in names:
                    raise ModelOpsError("pos_label=%s is not among the labels (%s)" % (positive_name, ", ".join(names)))
            else:
                positive_name = m.binary_pos_label(names, "1")  # "1" when present, else the larger label
            positive = self.labels.codes[positive_name]
            classes = [positive]
        else:
            classes = present
        # per-row sufficient statistics, aggregated per block for the bootstrap
        blocks = min(n, MAX_BLOCKS)
        if binary:
            sums, (a_only, b_only) = self._binary_block_counts(classes[0], blocks)
        else:
            sums, (a_only, b_only) = self._multiclass_block_counts(classes, blocks)
        total = [sum(column) for column in zip(*sums)]

        def values(stat):
            out = []
            for model in (0, 1):
                base = 2 + model * 3 * len(classes)
                prf = [m._prf_from_counts(stat[base + 3 * k], stat[base + 3 * k + 1], stat[base + 3 * k + 2])
                       for k in range(len(classes))]
                precision, recall, f1 = (math.fsum(x) / len(classes) for x in zip(*prf))
                out.append({"accuracy": stat[model] / stat[-1], "precision": precision, "recall": recall,
                            "f1": f1})
            return out

        point = values(total)
        deltas = self._bootstrap(sums, values, ("accuracy", "precision", "recall", "f1"))
        rows = []
        name_a, name_b = self.fields[1], self.fields[2]
        for metric in ("accuracy", "precision", "recall", "f1"):
            row = _row(metric, name_a, name_b, point[0][metric], point[1][metric], n, n)
            row["ci_low"], row["ci_high"] = _percentile_ci(deltas[metric], self.alpha)
            if metric == "accuracy":
                statistic, p, exact = paired.mcnemar(a_only, b_only)
                row.update(test="mcnemar_exact" if exact else "mcnemar", statistic=statistic, p_value=p)
            else:
                p = _bootstrap_p(deltas[metric])
                row.update(test="bootstrap", p_value="" if p is None else p)
            rows.append(row)
        if self.fields[3] is not None:
            rows.append(self._auc_row(classes[0] if binary else None, n))
        return rows

    def _binary_block_counts(self, positive, blocks):
        """Per block, the same columns as the multi-class case, from 8 row states counted in C:
        state = 4 * (truth is positive) + 2 * (a says positive) + (b says positive)."""
        y, a, b = self.columns
        n = len(y)
        states = bytes([4 * (t == positive) + 2 * (x == positive) + (z == positive) for t, x, z in zip(y, a, b)])
        sums = []
        for k in range(blocks):
            part = states[k * n // blocks:(k + 1) * n // blocks]
            c = [part.count(state) for state in range(8)]
            # a right: truth and prediction agree; tp/fp/fn of the positive class per model
            right_a = c[0] + c[1] + c[6] + c[7]
            right_b = c[0] + c[2] + c[5] + c[7]
            tp_a, fp_a, fn_a = c[6] + c[7], c[2] + c[3], c[4] + c[5]
            tp_b, fp_b, fn_b = c[5] + c[7], c[1] + c[3], c[4] + c[6]
            sums.append([right_a, right_b, tp_a, fp_a, fn_a, tp_b, fp_b, fn_b, len(part)])
        whole = [states.count(state) for state in range(8)]
        a_only = whole[1] + whole[6]  # a right, b wrong: (neg, a neg, b pos) and (pos, a pos, b neg)
        b_only = whole[2] + whole[5]
        return sums, (a_only, b_only)

    def _multiclass_block_counts(self, classes, blocks):
        y, a, b = self.columns
        n = len(y)
        width = 3 + 6 * len(classes)  # right_a, right_b, (tp, fp, fn) per class for a then b, row count
        sums = [[0] * width for _ in range(blocks)]
        index = {c: k for k, c in enumerate(classes)}
        a_only = b_only = 0
        for row, k in _rows_and_blocks(n, blocks):
            block = sums[k]
            t, pa, pb = y[row], a[row], b[row]
            ra, rb = pa == t, pb == t
            block[0] += ra
            block[1] += rb
            block[-1] += 1
            if ra and not rb:
                a_only += 1
            elif rb and not ra:
                b_only += 1
            for model, p in ((0, pa), (1, pb)):
                base = 2 + model * 3 * len(classes)
                if p == t:
                    block[base + 3 * index[t]] += 1  # tp
                else:
                    block[base + 3 * index[p] + 1] += 1  # fp
                    block[base + 3 * index[t] + 2] += 1  # fn
        return sums, (a_only, b_only)

    def _auc_row(self, positive, n):
        name_a, name_b = self.fields[1], self.fields[2]
        if positive is None:
            row = _row("roc_auc", name_a, name_b, None, None, n, n)
            row["test"] = "delong (binary only)"
            return row
        truth = [c == positive for c in self.columns[0]]
        result = paired.delong(truth, self.scores[0], self.scores[1])
        auc_a, auc_b, z, p, se = result
        row = _row("roc_auc", name_a, name_b, auc_a, auc_b, n, n)
        row["test"] = "delong"
        if z is not None:
            # DeLong's z is for auc_a - auc_b; the row's delta is b - a.
            row.update(statistic=-z, p_value=p)
            half = _normal_quantile(1 - self.alpha / 2.0) * se
            row["ci_low"], row["ci_high"] = row["delta"] - half, row["delta"] + half
        return row

    # regression

    def _regression(self):
        y, a, b = self.columns
        n = len(y)
        name_a, name_b = self.fields[1], self.fields[2]
        eps = m.FLOAT_EPS
        blocks = min(n, MAX_BLOCKS)
        # per block: sum|ea|, sum|eb|, sum ea^2, sum eb^2, sum|ea|/|y|, sum|eb|/|y|, sum y, sum y^2, count
        sums = [[0.0] * 9 for _ in range(blocks)]
        abs_a, abs_b = array("d"), array("d")
        for row, k in _rows_and_blocks(n, blocks):
            block = sums[k]
            t = y[row]
            ea, eb = abs(t - a[row]), abs(t - b[row])
            scale = max(abs(t), eps)
            block[0] += ea
            block[1] += eb
            block[2] += ea * ea
            block[3] += eb * eb
            block[4] += ea / scale
            block[5] += eb / scale
            block[6] += t
            block[7] += t * t
            block[8] += 1
            abs_a.append(ea)
            abs_b.append(eb)
        total = [math.fsum(column) for column in zip(*sums)]

        def values(stat):
            count = stat[8]
            ss_total = stat[7] - stat[6] * stat[6] / count
            out = []
            for model in (0, 1):
                sse = stat[2 + model]
                r2 = (1.0 - sse / ss_total) if ss_total > 1e-12 * max(stat[7], 1e-300) else (1.0 if sse == 0 else 0.0)
                out.append({"mae": stat[model] / count, "rmse": math.sqrt(sse / count),
                            "mape": stat[4 + model] / count, "r2": r2})
            return out

        point = values(total)
        # exact point values (fsum over rows) for r2, as scikit-learn computes them
        point[0]["r2"], point[1]["r2"] = m.r2(y, a), m.r2(y, b)
        deltas = self._bootstrap(sums, values, ("mae", "rmse", "r2", "mape"))
        rows = []
        for metric in ("mae", "rmse", "r2", "mape"):
            row = _row(metric, name_a, name_b, point[0][metric], point[1][metric], n, n)
            row["ci_low"], row["ci_high"] = _percentile_ci(deltas[metric], self.alpha)
            if metric == "mae":
                test = paired.ttest_rel(abs_b, abs_a)
                row["test"] = "ttest_rel"
                if test is not None:
                    row["statistic"], row["p_value"] = test[0], test[2]
            else:
                p = _bootstrap_p(deltas[metric])
                row.update(test="bootstrap", p_value="" if p is None else p)
            rows.append(row)
        median_a = quantile_linear(sorted(abs_a), 0.5)
        median_b = quantile_linear(sorted(abs_b), 0.5)
        row = _row("abs_error", name_a, name_b, median_a, median_b, n, n)
        row["test"] = "wilcoxon"
        test = paired.wilcoxon([eb - ea for ea, eb in zip(abs_a, abs_b)])
        if test is not None:
            row["statistic"], row["p_value"] = test[0], test[1]
            row["test"] = "wilcoxon_%s" % test[2]
        rows.append(row)
        return rows

    def _bootstrap(self, sums, values, names):
        """Deltas (b - a) of each metric over ``bootstrap`` resamples of the blocks, with replacement."""
        deltas = {name: [] for name in names}
        if not self.bootstrap:
            return deltas
        rng = random.Random(self.seed)
        blocks = len(sums)
        columns = list(zip(*sums))
        for _ in range(self.bootstrap):
            picks = rng.choices(range(blocks), k=blocks)
            # fsum: exact, so the interval is the same on every Python (3.12 changed float sum())
            stat = [math.fsum(map(column.__getitem__, picks)) for column in columns]
            try:
                pair = values(stat)
            except ZeroDivisionError:
                continue
            for name in names:
                deltas[name].append(pair[1][name] - pair[0][name])
        return deltas


def _rows_and_blocks(n, blocks):
    """(row, block) in row order; block k holds rows floor(k*n/blocks) .. floor((k+1)*n/blocks) - 1."""
    for k in range(blocks):
        for row in range(k * n // blocks, (k + 1) * n // blocks):
            yield row, k


def _normal_quantile(p):
    """Inverse standard normal CDF by bisection on ``norm_cdf`` (only used for CI half-widths)."""
    from ...stats.special import norm_cdf

    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if norm_cdf(mid) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


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
        runs_options = {k: v for k, v in options.items() if k in ("alpha", "bootstrap", "seed", "primary")}
        unknown = set(options) - set(runs_options)
        if unknown:
            raise ModelOpsError("%s only apply with label= (predictions mode)" % ", ".join(sorted(unknown)))
        make = lambda: RunsAccumulator(model_a, model_b, **runs_options)  # noqa: E731
    comparison = SegmentedComparison(make, by)
    comparison.add_rows(rows)
    return comparison
