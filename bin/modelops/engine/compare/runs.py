"""Runs mode: ``fit_run``/``apply_run`` events of two versions, compared metric by metric.

Per metric present for both: counts, means, delta (b - a), Welch's t-test across runs, and a
bootstrap CI of the difference of means (runs resampled per version)."""

import math
import random

from ... import metrics as m
from ...errors import ModelOpsError
from ...stats import paired
from ...values import finite_or_none
from .report import finish, new_row, percentile_ci


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
            if self.bootstrap and len(a) > 1 and len(b) > 1:
                for _ in range(self.bootstrap):
                    sa = [a[rng.randrange(len(a))] for _ in a]
                    sb = [b[rng.randrange(len(b))] for _ in b]
                    deltas.append(math.fsum(sb) / len(sb) - math.fsum(sa) / len(sa))
            row["ci_low"], row["ci_high"] = percentile_ci(deltas, self.alpha)
            rows.append(row)
        return finish(rows, self.alpha, name_a, name_b, self.primary)
