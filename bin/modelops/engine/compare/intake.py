"""Predictions mode: rows in (label, two predictions, optional scores), kept compactly until ``result``,
which picks the task and hands the columns to its statistics module."""

import math
from array import array

from ... import metrics as m
from ...errors import ModelOpsError
from ...schema import MAX_INTEGER_CLASSES
from ...stats import paired
from ...stats.twosample import quantile_linear
from ...values import category, finite_or_none
from .. import partials
from . import classification, forecast, partial, regression
from .bootstrap import BUDGET, affordable, block_count, column_totals, resample_cost, resample_deltas
from .codes import distinct_codes, small_codes, translate_codes
from .report import bootstrap_p, finish, new_row, percentile_ci
from .scaling import scale_exponent, scaled, unscale

try:
    import numpy
except ImportError:  # Splunk's Python: the commands never vectorise
    numpy = None

MAX_CLASSES = 1000
TASKS = (None, "classification", "regression", "forecast")
CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1")
REGRESSION_METRICS = ("mae", "rmse", "r2", "mape")


class Labels:
    """Label values as small integer codes, one dictionary shared by truth and both predictions.

    A value's class is ``values.category``: numbers compare as numbers (``1``, ``1.0`` and ``"1.0"``
    are class ``"1"``), missing texts are missing. ``raw`` caches the code of each raw cell seen."""

    RAW_CACHE = 20 * MAX_CLASSES

    def __init__(self):
        self.codes = {}
        self.labels = []
        self.raw = {}

    def code(self, value):
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.labels)
            self.labels.append(value)
        return code

    def code_of_cell(self, cell):
        """The code of a raw cell, or None when it is missing."""
        name = category(cell)
        if name is None:
            return None
        code = self.code(name)
        if len(self.raw) < self.RAW_CACHE:
            self.raw[cell] = code
        return code

    def numeric(self):
        return all(finite_or_none(v) is not None for v in self.labels)

    def ordered(self, names):
        """``names`` in the stated order: by value when all are numbers, else as text (code points)."""
        if all(finite_or_none(v) is not None for v in names):
            return sorted(names, key=float)
        return sorted(names)


def _and_list(names):
    names = list(names)
    return names[0] if len(names) == 1 else "%s and %s" % (", ".join(names[:-1]), names[-1])


class PredictionsAccumulator:
    """Rows are kept compactly (label codes, or floats for regression, and scores) until ``result``.

    Labels start as codes of their class (``values.category``); past ``MAX_CLASSES`` distinct numeric
    values the columns turn into floats (regression), so a long float column never fills the code
    dictionary."""

    def __init__(self, label, field_a, field_b, score_a=None, score_b=None, task=None, pos_label=None, alpha=0.05,
                 bootstrap=1000, seed=0, primary=None, average=None, horizon=None, vectorise=False):
        if task not in TASKS:
            raise ModelOpsError("task must be classification, regression or forecast, not %r" % task)
        if horizon is not None and task != "forecast":
            raise ModelOpsError("horizon= applies with task=forecast")
        horizon = 1 if horizon is None else horizon
        if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
            raise ModelOpsError("horizon must be a whole number of steps, at least 1, not %r" % (horizon,))
        if (score_a is None) != (score_b is None):
            raise ModelOpsError("give both score1= and score2=, or neither")
        if average not in (None,) + m.AVERAGES:
            raise ModelOpsError("average must be one of %s, not %r" % (", ".join(m.AVERAGES), average))
        self.fields = (label, field_a, field_b, score_a, score_b)
        self.task, self.pos_label, self.average, self.horizon = task, pos_label, average, horizon
        self.alpha, self.bootstrap, self.seed, self.primary = alpha, bootstrap, seed, primary
        self.vectorise = bool(vectorise) and numpy is not None  # DeLong with numpy (notebooks; same numbers)
        self.budget = BUDGET
        self.labels = Labels()
        self.as_numbers = task in ("regression", "forecast")
        self.times = array("d") if task == "forecast" else None
        self.columns = (array("d"), array("d"), array("d")) if self.as_numbers else (
            array("i"), array("i"), array("i"))
        self.scores = (array("d"), array("d"))
        self.skipped = 0
        self.missing = dict.fromkeys(f for f in self.fields if f is not None)
        self.notes = []
        self.too_many_classes = False
        self.skipped_rows = None  # the map phase keeps [position, cells] of each skipped row here

    BATCH = 256

    def add_rows(self, rows):
        """``add`` on each row, in order. Classes: runs of ``BATCH`` rows whose cells all hit the raw-cell
        cache (no new class, nothing missing) and whose scores are finite are taken column by column
        (the same codes and floats ``add`` appends); any other run goes row by row."""
        rows = rows if isinstance(rows, list) else list(rows)
        label, field_a, field_b, score_a, score_b = self.fields
        for start in range(0, len(rows), self.BATCH):
            run = rows[start:start + self.BATCH]
            if not self.as_numbers and self.times is None and len(self.labels.labels) <= MAX_CLASSES:
                cache = self.labels.raw
                try:
                    codes = [array("i", map(cache.get, [row.get(f) for row in run])) for f in (label, field_a, field_b)]
                    if score_a is not None:
                        scores = [array("d", map(float, [row.get(f) for row in run])) for f in (score_a, score_b)]
                        if not all(map(math.isfinite, scores[0])) or not all(map(math.isfinite, scores[1])):
                            raise ValueError("not finite")
                except (TypeError, ValueError):  # a missing cell, a new class, a bad score: row by row
                    pass
                else:
                    for column, values in zip(self.columns, codes):
                        column.extend(values)
                    if score_a is not None:
                        self.scores[0].extend(scores[0])
                        self.scores[1].extend(scores[1])
                    continue
            for row in run:
                self.add(row)

    def add_table(self, table):
        """``add_rows`` for a ``Table`` (the same state): each run of ``BATCH`` rows that ``add_rows``
        would take column by column, or whose cells are all finite numbers (regression, forecasts), is
        taken so; any other run row by row."""
        label, field_a, field_b, score_a, score_b = self.fields
        truth_and_predictions = [table.column(f) for f in (label, field_a, field_b)]
        scores = [table.column(f) for f in (score_a, score_b)] if score_a is not None else ()
        times = table.column("_time") if self.times is not None else None
        names = list(table.columns)
        for start in range(0, table.n_rows, self.BATCH):
            end = start + self.BATCH
            if not self._add_batch([c[start:end] for c in truth_and_predictions], [c[start:end] for c in scores],
                                   times[start:end] if times is not None else None):
                for cells in zip(*(table.columns[name][start:end] for name in names)) if names else (
                        () for _ in range(start, min(end, table.n_rows))):
                    self.add(dict(zip(names, cells)))

    def _add_batch(self, columns, scores, times):
        """Append a run given column by column when every one of its rows is kept and ``add`` would append
        these very codes or floats; False (nothing appended) otherwise."""
        try:
            if self.as_numbers:
                values = [array("d", map(float, column)) for column in columns]
                if not all(map(partials.all_finite, values)):
                    return False
            elif self.times is None and len(self.labels.labels) <= MAX_CLASSES:
                values = [array("i", map(self.labels.raw.get, column)) for column in columns]  # None: TypeError
            else:
                return False
            floats = [array("d", map(float, column)) for column in scores]
        except (TypeError, ValueError, OverflowError):  # a missing cell, a new class, a bad number
            return False
        if not all(map(partials.all_finite, floats)):
            return False
        for column, new in zip(self.columns, values):
            column.extend(new)
        for column, new in zip(self.scores, floats):
            column.extend(new)
        if times is not None:
            stamps = map(finite_or_none, times)
            self.times.extend(math.nan if t is None else t for t in stamps)
        return True

    def add(self, row):
        label, field_a, field_b, score_a, score_b = self.fields
        get = row.get
        raw = (get(label), get(field_a), get(field_b))
        try:
            incomplete = None in raw or "" in raw or list in (type(raw[0]), type(raw[1]), type(raw[2]))
        except TypeError:  # pandas' NA compares as NA, which has no truth value: a missing cell
            incomplete = True
        if incomplete:
            self._skip(row)
            return
        if score_a is not None:
            try:
                sa, sb = float(get(score_a)), float(get(score_b))
            except (TypeError, ValueError):
                self._skip(row)
                return
            if sa - sa or sb - sb:  # NaN or infinity
                self._skip(row)
                return
        if self.as_numbers:
            try:
                values = (float(raw[0]), float(raw[1]), float(raw[2]))
            except (TypeError, ValueError):
                self._skip(row)
                return
            if values[0] - values[0] or values[1] - values[1] or values[2] - values[2]:
                self._skip(row)
                return
        else:
            cache = self.labels.raw
            values = (cache.get(raw[0]), cache.get(raw[1]), cache.get(raw[2]))
            if None in values:
                values = tuple(map(self.labels.code_of_cell, raw))
                if None in values:
                    self._skip(row)
                    return
                if len(self.labels.labels) > MAX_CLASSES and not self._switch_to_numbers():
                    self._skip(row)
                    return
                if self.as_numbers:
                    values = tuple(float(self.labels.labels[v]) for v in values)
        for column, value in zip(self.columns, values):
            column.append(value)
        if self.times is not None:
            time = finite_or_none(get("_time"))
            self.times.append(math.nan if time is None else time)
        if score_a is not None:
            self.scores[0].append(sa)
            self.scores[1].append(sb)

    def _skip(self, row):
        """Count a skipped row, and which of its fields were missing or not numbers."""
        self.skipped += 1
        if self.skipped_rows is not None:
            self.skipped_rows.append([len(self.columns[0]) + self.skipped - 1, [row.get(f) for f in self.fields]])
        for i, field in enumerate(self.fields):
            if field is None:
                continue
            value = row.get(field)
            needs_number = i >= 3 or self.as_numbers
            bad = finite_or_none(value) is None if needs_number else category(value) is None
            if bad:
                self.missing[field] = (self.missing[field] or 0) + 1

    def merge(self, part):
        """Add the rows of a map-phase ``partial.Partial`` (already read and checked): the same state as
        ``add`` on each of its rows, in order (see ``partial``)."""
        if part.kind == partial.NUMBERS and self.as_numbers:
            for column, values in zip(self.columns, (part.y, part.a, part.b)):
                column.extend(values)
        elif part.kind == partial.CODES and not self.as_numbers and not self.too_many_classes and len(
                self.labels.labels) + sum(name not in self.labels.codes for name in part.labels) <= MAX_CLASSES:
            codes = [self.labels.code(name) for name in part.labels]
            same = codes == list(range(len(codes)))
            for column, values in zip(self.columns, (part.y, part.a, part.b)):
                column.extend(values if same else translate_codes(values, codes))
        else:
            for row in partial.replay_rows(part, self.fields):
                self.add(row)
            return
        if part.scores:
            self.scores[0].extend(part.scores[0])
            self.scores[1].extend(part.scores[1])
        if self.times is not None:
            self.times.extend(part.times)
        for _, cells in part.skipped:
            self._skip(dict(zip(self.fields, cells)))

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
        found = []
        if self.skipped:
            counts = ", ".join("%s in %d" % (f, c) for f, c in self.missing.items() if c)
            found.append("%d rows were skipped: a value was missing or not a number (%s)"
                         % (self.skipped, counts or "too many classes"))
        return found + self.notes

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
            fields = [f for f in self.fields if f is not None]
            never = [f for f in fields if self.missing[f] and self.missing[f] == self.skipped]
            raise ModelOpsError("no row has %s all set%s" % (
                _and_list(fields), " (missing or not a number in every row: %s)" % ", ".join(never) if never else ""))
        task = self._task()
        if task == "forecast":
            rows = self._forecast()
        elif task == "classification":
            if self.as_numbers:
                raise ModelOpsError("%s has more than %d distinct values; set task=regression" % (label, MAX_CLASSES))
            rows = self._classification()
        else:
            if not self.as_numbers:
                if not self.labels.numeric():
                    raise ModelOpsError("task=regression needs numbers in %s, %s and %s" % (label, field_a, field_b))
                self._switch_to_numbers()
            rows = self._regression()
        return finish(rows, self.alpha, field_a, field_b, self.primary, self.notes)

    # classification

    def _classification(self):
        y, a, b = self.columns
        n = len(y)
        labels = self.labels.labels
        truth_codes = distinct_codes(y, len(labels))
        present = sorted(truth_codes | distinct_codes(a, len(labels)) | distinct_codes(b, len(labels)))
        if len(truth_codes) < 2:
            raise ModelOpsError("the label %s has one class only (%s); precision, recall and AUC need two"
                                % (self.fields[0], labels[y[0]]))
        if self.average == "binary" and len(present) > 2:
            raise ModelOpsError("average=binary needs two labels; %s, %s and %s have %d"
                                % (self.fields[0], self.fields[1], self.fields[2], len(present)))
        binary = len(present) <= 2
        blocks = block_count(n)
        positive = None
        if binary:
            names = self.labels.ordered([labels[c] for c in present])
            if self.pos_label is not None:
                positive_name = category(self.pos_label)
                if positive_name not in names:
                    raise ModelOpsError("pos_label=%s is not among the labels (%s)"
                                        % (self.pos_label, ", ".join(names)))
            else:
                positive_name = "1" if "1" in names else names[-1]  # "1" when present, else the larger label
            positive = self.labels.codes[positive_name]
        average = self.average or ("binary" if binary else "macro")
        if average == "binary":
            layout, sums, (a_only, b_only) = classification.binary_block_counts(self.columns, positive, blocks)
            width = None
        else:
            layout, sums, (a_only, b_only) = classification.multiclass_block_counts(self.columns, present, blocks)
            width = layout.width
        values = classification.metric_values(layout, average)
        point = values(column_totals(sums, width))
        resamples = affordable(self.bootstrap, resample_cost(sums, width, 2 * layout.classes), self.budget, self.notes,
                               "precision, recall and f1 (%d rows, %d classes)" % (n, len(present)))
        deltas = resample_deltas(sums, values, CLASSIFICATION_METRICS, resamples, self.seed, width)
        rows = []
        name_a, name_b = self.fields[1], self.fields[2]
        for metric in CLASSIFICATION_METRICS:
            row = new_row(metric, name_a, name_b, point[0][metric], point[1][metric], n, n)
            row["ci_low"], row["ci_high"] = percentile_ci(deltas[metric], self.alpha)
            if metric == "accuracy":
                statistic, p, exact = paired.mcnemar(a_only, b_only)
                row.update(test="mcnemar_exact" if exact else "mcnemar", statistic=statistic, p_value=p)
            else:
                p = bootstrap_p(deltas[metric])
                row.update(test="bootstrap", p_value="" if p is None else p)
            rows.append(row)
        if self.fields[3] is not None:
            rows.append(self._auc_row(positive, n))
        return rows

    def _auc_row(self, positive, n):
        name_a, name_b = self.fields[1], self.fields[2]
        if positive is None:
            row = new_row("roc_auc", name_a, name_b, None, None, n, n)
            row["test"] = "delong (binary only)"
            return row
        is_positive = bytes(code == positive for code in range(256))
        low = small_codes(self.columns[0])
        truth = low.translate(is_positive) if low is not None else bytes(c == positive for c in self.columns[0])
        scores = self.scores
        if self.vectorise:  # the same buffers, no copy
            scores = [numpy.frombuffer(column, dtype=numpy.float64) for column in scores]
        result = paired.delong(truth, *scores)
        auc_a, auc_b, z, p, se = result
        row = new_row("roc_auc", name_a, name_b, auc_a, auc_b, n, n)
        row["test"] = "delong"
        if z is not None:
            # DeLong's z is for auc_a - auc_b; the row's delta is b - a.
            row.update(statistic=-z, p_value=p)
            half = _normal_quantile(1 - self.alpha / 2.0) * se
            row["ci_low"], row["ci_high"] = row["delta"] - half, row["delta"] + half
        return row

    # regression

    def _regression(self):
        n = len(self.columns[0])
        name_a, name_b = self.fields[1], self.fields[2]
        # |x| beyond ~1e90: computed on values scaled by 2**-k, mae/rmse/abs_error scaled back
        k = scale_exponent(*self.columns)
        y, a, b = (scaled(column, k) for column in self.columns)
        sums, abs_a, abs_b = regression.block_sums((y, a, b), block_count(n),
                                                    max(math.ldexp(m.FLOAT_EPS, -k), math.ulp(0.0)))
        point = regression.metric_values(column_totals(sums))
        # exact point values (fsum over rows) for r2, as scikit-learn computes them
        point[0]["r2"], point[1]["r2"] = m.r2(y, a), m.r2(y, b)
        resamples = affordable(self.bootstrap, resample_cost(sums), self.budget, self.notes,
                               "regression metrics (%d rows)" % n)
        deltas = resample_deltas(sums, regression.metric_values, REGRESSION_METRICS, resamples, self.seed)
        rows = []
        for metric in REGRESSION_METRICS:
            row = new_row(metric, name_a, name_b, point[0][metric], point[1][metric], n, n)
            row["ci_low"], row["ci_high"] = percentile_ci(deltas[metric], self.alpha)
            if metric == "mae":
                test = paired.ttest_rel(abs_b, abs_a)
                row["test"] = "ttest_rel"
                if test is not None:
                    row["statistic"], row["p_value"] = test[0], test[2]
            else:
                p = bootstrap_p(deltas[metric])
                row.update(test="bootstrap", p_value="" if p is None else p)
            rows.append(row)
        median_a = quantile_linear(sorted(abs_a), 0.5)
        median_b = quantile_linear(sorted(abs_b), 0.5)
        row = new_row("abs_error", name_a, name_b, median_a, median_b, n, n)
        row["test"] = "wilcoxon"
        test = paired.wilcoxon([eb - ea for ea, eb in zip(abs_a, abs_b)])
        if test is not None:
            row["statistic"], row["p_value"] = test[0], test[1]
            row["test"] = "wilcoxon_%s" % test[2]
        rows.append(row)
        if k:
            for row in rows:
                if row["metric"] in ("mae", "rmse", "abs_error"):
                    for key in ("value_a", "value_b", "delta", "ci_low", "ci_high"):
                        row[key] = unscale(row[key], k, "the %s of %s or %s" % (row["metric"], name_a, name_b))
        return rows


    # forecast

    def _forecast(self):
        """Rows in time order (``_time`` when present: Splunk returns newest first), then per metric
        the Diebold-Mariano test and a moving-block bootstrap interval."""
        name_a, name_b = self.fields[1], self.fields[2]
        n, horizon = len(self.columns[0]), self.horizon
        order = [i for i in range(n) if self.times[i] == self.times[i]]
        if not order:
            order = list(range(n))  # no _time at all: the input order is the time order
        elif len(order) < n:
            self.notes.append("%d rows without _time were left out: a forecast comparison needs rows in time order"
                              % (n - len(order)))
        order.sort(key=self.times.__getitem__)
        n = len(order)
        forecast.check_work(n, horizon)
        k = scale_exponent(*self.columns)
        y, a, b = ([math.ldexp(column[i], -k) for i in order] for column in self.columns)
        per_metric = forecast.losses(y, a, b, forecast.smape_eps(k))
        resamples = affordable(self.bootstrap, forecast.resample_cost(n, horizon), self.budget, self.notes,
                               "forecast metrics (%d rows, horizon=%d)" % (n, horizon))
        _, deltas = forecast.block_bootstrap(per_metric, n, horizon, resamples, self.seed)
        rows = []
        for loss in per_metric:
            value_a = loss.finish(math.fsum(loss.a) / n)
            value_b = loss.finish(math.fsum(loss.b) / n)
            row = new_row(loss.metric, name_a, name_b, value_a, value_b, n, n)
            row["test"] = "diebold_mariano"
            test = forecast.dm_row_test(loss, horizon, self.notes)
            if test is not None:
                row["statistic"], row["p_value"] = test
            row["ci_low"], row["ci_high"] = percentile_ci(deltas[loss.metric], self.alpha)
            if k and loss.metric != "smape":
                for key in ("value_a", "value_b", "delta", "ci_low", "ci_high"):
                    row[key] = unscale(row[key], k, "the %s of %s or %s" % (loss.metric, name_a, name_b))
            rows.append(row)
        return rows


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
