"""Tests and resampling for comparing two forecasts of the same series (pure functions).

Forecast errors are autocorrelated (an h-step-ahead forecast error is at least MA(h-1)), so tests
that assume independent rows (paired t, Wilcoxon) reject too often; these account for it.
"""

import math

from .special import t_two_sided_pvalue


def autocovariance(d, k, mean):
    """(1/n) sum_{t>=k} (d_t - mean)(d_{t-k} - mean): the biased estimator the DM test uses."""
    n = len(d)
    return math.fsum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n


def diebold_mariano(d, h=1):
    """Diebold-Mariano test of equal predictive accuracy on a loss differential ``d`` (loss of one
    forecast minus the other's, in time order), with the Harvey-Leybourne-Newbold (1997) small-sample
    correction and a Student t reference with n-1 degrees of freedom, two-sided: the same numbers as
    ``dieboldmariano.dm_test(V, P1, P2, loss=..., h=h, harvey_correction=True)`` with ``d = loss(P1) -
    loss(P2)``. The long-run variance of the mean sums the autocovariances up to lag h-1.

    Returns ``(statistic, df, p, variance)``, or ``(None, None, None, variance)`` when the long-run
    variance estimate is not positive (the caller says why)."""
    n = len(d)
    if n < 2 or not 1 <= h <= n:
        return None, None, None, None
    mean = math.fsum(d) / n
    variance = (autocovariance(d, 0, mean) + 2.0 * math.fsum(autocovariance(d, k, mean) for k in range(1, h))) / n
    if not variance > 0:
        return None, None, None, variance
    correction = math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    statistic = correction * mean / math.sqrt(variance)
    return statistic, n - 1, t_two_sided_pvalue(statistic, n - 1), variance


def block_length(n, h):
    """Moving-block bootstrap block length: max(h, round(n ** (1/3))) (at least the horizon, so a block
    keeps the MA(h-1) dependence of h-step errors; n^(1/3) is the usual rate), at most n."""
    return max(1, min(n, max(h, int(round(n ** (1.0 / 3.0))))))


def moving_block_means(prefix, n, length, starts):
    """Mean of the series resampled from blocks ``[s, s + length)`` for each start in ``starts``,
    concatenated and cut to n values, from the prefix sums of the series (prefix[i] = sum of the
    first i values)."""
    total = 0.0
    left = n
    for s in starts:
        take = length if left >= length else left
        total += prefix[s + take] - prefix[s]
        left -= take
        if not left:
            break
    return total / n
