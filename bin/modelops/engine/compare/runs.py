"""Runs mode: ``fit_run``/``apply_run`` events of two versions, compared metric by metric.

Per metric present for both: counts, means, delta (b - a), Welch's t-test across runs, and a
bootstrap CI of the difference of means (runs resampled per version)."""

import math
import random

from ... import metrics as m
from ...errors import ModelOpsError
from ...stats import paired
from ...values import NUMBER, TEXT, classify
from .bootstrap import BUDGET, VALUE_DRAW_UNIT, affordable
from .report import finish, new_row, percentile_ci
from .scaling import scale_exponent, scaled, unscale


class RunsAccumulator:
    def __init__(self, version_a, version_b, alpha=0.05, bootstrap=1000, seed=0, primary=None):
        self.names = (version_a, version_b)
        self.alpha, self.bootstrap, self.seed, self.primary = alpha, bootstrap, seed, primary
        self.values = ({}, {})  # metric -> list, per version
        self.rows_seen = [0, 0]
        self.skipped = 0
        self.not_numbers = {}  # metric -> count of text values
        self.notes = []
        self.budget = BUDGET

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
            kind, number = classify(value)
            if kind == NUMBER:
                self.values[side].setdefault(name, []).append(number)
            elif kind == TEXT:
                self.not_numbers[field] = self.not_numbers.get(field, 0) + 1

    def warnings(self):
        found = ["%s: %d values were not numbers and were ignored" % (field, count)
                 for field, count in sorted(self.not_numbers.items())]
        return found + self.notes

    def result(self):
        name_a, name_b = self.names
        for i, name in enumerate(self.names):
            if not self.rows_seen[i]:
                raise ModelOpsError("no run of %s in the input (looked in model_version and model_name)" % name)
        shared = sorted(set(self.values[0]) & set(self.values[1]))
        if not shared:
            raise ModelOpsError("%s and %s have no metric in common" % (name_a, name_b))
        rng = random.Random(self.seed)
        cost = VALUE_DRAW_UNIT * sum(len(self.values[0][k]) + len(self.values[1][k]) for k in shared)
        resamples = affordable(self.bootstrap, cost, self.budget, self.notes,
                               "%d metrics over %d and %d runs" % (len(shared), *self.rows_seen))
        rows = []
        for metric in shared:
            a, b = self.values[0][metric], self.values[1][metric]
            # |x| beyond ~1e90: means, deltas and intervals computed on values scaled by 2**-k
            k = scale_exponent(a, b)
            a, b = scaled(a, k), scaled(b, k)
            row = new_row(metric, name_a, name_b, math.fsum(a) / len(a), math.fsum(b) / len(b), len(a), len(b))
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
            if resamples and len(a) > 1 and len(b) > 1:
                for _ in range(resamples):
                    sa = [a[rng.randrange(len(a))] for _ in a]
                    sb = [b[rng.randrange(len(b))] for _ in b]
                    deltas.append(math.fsum(sb) / len(sb) - math.fsum(sa) / len(sa))
            row["ci_low"], row["ci_high"] = percentile_ci(deltas, self.alpha)
            for key in ("value_a", "value_b", "delta", "ci_low", "ci_high"):
                row[key] = unscale(row[key], k, "the %s of %s or %s" % (metric, name_a, name_b))
            rows.append(row)
        return finish(rows, self.alpha, name_a, name_b, self.primary, self.notes)
