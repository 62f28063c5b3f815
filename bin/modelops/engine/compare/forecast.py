"""Forecast statistics: rows in time order, per-row losses, Diebold-Mariano tests and moving-block
bootstrap intervals.

Each metric has a per-row loss (mae: |e|, rmse: e^2, smape: sktime's symmetric term); its test is
Diebold-Mariano on the loss differential (b - a) with the long-run variance up to lag horizon-1 and
the Harvey-Leybourne-Newbold correction. Intervals resample blocks of ``block_length(n, horizon)``
consecutive rows (at least the horizon) with replacement."""

import math
import random
from collections import namedtuple

from ... import metrics as m
from ...errors import ModelOpsError
from ...stats.forecast import block_length, diebold_mariano, moving_block_means

METRICS = ("mae", "rmse", "smape")
# the work of the long-run variances (rows x horizon x metrics) a comparison may spend
MAX_VARIANCE_WORK = 30_000_000
# one metric's per-row losses for each model, and how a mean loss becomes the metric
Losses = namedtuple("Losses", "metric a b finish")


def losses(y, a, b, eps):
    """``Losses`` of each metric, rows in time order (values possibly scaled, ``eps`` with them)."""
    abs_a = [abs(t - p) for t, p in zip(y, a)]
    abs_b = [abs(t - p) for t, p in zip(y, b)]
    smape_a = [e / (max(abs(t) + abs(p), eps) / 2) for e, t, p in zip(abs_a, y, a)]
    smape_b = [e / (max(abs(t) + abs(p), eps) / 2) for e, t, p in zip(abs_b, y, b)]
    squared_a, squared_b = [e * e for e in abs_a], [e * e for e in abs_b]
    return (Losses("mae", abs_a, abs_b, float), Losses("rmse", squared_a, squared_b, math.sqrt),
            Losses("smape", smape_a, smape_b, float))


def check_work(n, horizon):
    if horizon > n - 1:
        raise ModelOpsError("horizon=%d needs more than %d rows in time order (found %d)" % (horizon, horizon, n))
    if n * horizon * len(METRICS) > MAX_VARIANCE_WORK:
        raise ModelOpsError("horizon=%d over %d rows is too much work for the long-run variance; compare a shorter "
                            "period or a smaller horizon" % (horizon, n))


def _prefix(values):
    out = [0.0]
    total = 0.0
    for v in values:
        total += v
        out.append(total)
    return out


def block_bootstrap(per_metric, n, horizon, resamples, seed):
    """Deltas (b - a) of each metric over ``resamples`` moving-block resamples of the rows (the same
    blocks for every metric and both models, so the pairing and the time dependence survive)."""
    length = block_length(n, horizon)
    count = -(-n // length)
    prefixes = [(loss, _prefix(loss.a), _prefix(loss.b)) for loss in per_metric]
    rng = random.Random(seed)
    deltas = {loss.metric: [] for loss in per_metric}
    last = n - length
    for _ in range(resamples):
        starts = [rng.randint(0, last) for _ in range(count)]
        for loss, prefix_a, prefix_b in prefixes:
            mean_a = moving_block_means(prefix_a, n, length, starts)
            mean_b = moving_block_means(prefix_b, n, length, starts)
            deltas[loss.metric].append(loss.finish(max(mean_b, 0.0)) - loss.finish(max(mean_a, 0.0)))
    return length, deltas


def resample_cost(n, horizon):
    """Cost units (see ``bootstrap.BUDGET``) of one moving-block resample."""
    return 10 * -(-n // block_length(n, horizon)) * (1 + 2 * len(METRICS))


def dm_row_test(loss, horizon, notes):
    """(statistic, p) of Diebold-Mariano on ``loss.b - loss.a``; None with a note when undefined."""
    d = [lb - la for la, lb in zip(loss.a, loss.b)]
    statistic, _, p, variance = diebold_mariano(d, horizon)
    if statistic is None:
        notes.append("%s: the long-run variance of the loss differential is not positive (%s) at horizon=%d; "
                     "no Diebold-Mariano test" % (loss.metric, "%.3g" % variance if variance is not None else "n/a",
                                                  horizon))
        return None
    return statistic, p


def smape_eps(k):
    return max(math.ldexp(m.FLOAT_EPS, -k), math.ulp(0.0))
