"""Tests for comparing two models, each pinned to the scipy/statsmodels call it reproduces.

All p-values are two-sided. Inputs are plain sequences; ``None`` results mean "not defined for
this data" (the caller says why).
"""

import math
from array import array
from collections import Counter, namedtuple
from itertools import accumulate, compress, repeat
from operator import add, mul, not_, sub, truediv

from .ranks import average_ranks
from .special import chi2_sf, norm_sf, t_two_sided_pvalue


def mean_var(values):
    """(n, mean, sample variance with ddof=1 or None for n < 2)."""
    n = len(values)
    if n == 0:
        return 0, None, None
    mean = math.fsum(values) / n
    if n < 2:
        return n, mean, None
    return n, mean, math.fsum((v - mean) ** 2 for v in values) / (n - 1)


def welch_ttest(a, b):
    """``scipy.stats.ttest_ind(a, b, equal_var=False)``: (t, df, p). None when a side has < 2 values
    or both variances are zero."""
    na, ma, va = mean_var(a)
    nb, mb, vb = mean_var(b)
    if va is None or vb is None:
        return None
    se2 = va / na + vb / nb
    if se2 == 0:
        return None
    t = (ma - mb) / math.sqrt(se2)
    df = se2 ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    return t, df, t_two_sided_pvalue(t, df)


def ttest_rel(a, b):
    """``scipy.stats.ttest_rel(a, b)``: (t, df, p) on the differences a - b; None when undefined."""
    d = [x - y for x, y in zip(a, b)]
    n, mean, var = mean_var(d)
    if var is None or var == 0:
        return None
    t = mean / math.sqrt(var / n)
    return t, n - 1, t_two_sided_pvalue(t, n - 1)


def holm(p_values):
    """Holm step-down adjusted p-values (``statsmodels multipletests(method="holm")``); None stays None."""
    indexed = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(indexed)
    adjusted = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(indexed):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def binom_cdf_half(k, n):
    """P(X <= k) for X ~ Binomial(n, 1/2), exactly."""
    if k < 0:
        return 0.0
    return math.fsum(math.comb(n, i) for i in range(0, min(k, n) + 1)) / 2.0 ** n


def mcnemar(b, c):
    """``statsmodels.stats.contingency_tables.mcnemar(table, exact=(b + c < 25), correction=True)`` on the
    discordant counts b (only A right) and c (only B right): (statistic, p, exact)."""
    n = b + c
    if n < 25:
        statistic = min(b, c)
        return float(statistic), min(1.0, 2.0 * binom_cdf_half(statistic, n)), True
    statistic = (abs(b - c) - 1.0) ** 2 / n
    return statistic, chi2_sf(statistic, 1), False


def _wilcoxon_null(n):
    """Counts of each W+ value for n untied, non-zero differences (2**n outcomes)."""
    counts = [1]
    for k in range(1, n + 1):
        new = counts + [0] * k
        for s, c in enumerate(counts):
            new[s + k] += c
        counts = new
    return counts


def wilcoxon(d, exact_up_to=50):
    """``scipy.stats.wilcoxon(d, zero_method="wilcox", correction=False, method=...)`` with
    ``method="exact"`` for n <= 50 without ties or zeros, else ``"approx"``:
    (statistic = min(W+, W-), p, method). None when every difference is zero."""
    nonzero = [x for x in d if x != 0]
    n = len(nonzero)
    if n == 0:
        return None
    ranks = average_ranks([abs(x) for x in nonzero])
    r_plus = math.fsum(r for r, x in zip(ranks, nonzero) if x > 0)
    r_minus = math.fsum(r for r, x in zip(ranks, nonzero) if x < 0)
    ties = Counter(abs(x) for x in nonzero)
    has_ties = any(c > 1 for c in ties.values())
    statistic = min(r_plus, r_minus)
    if n <= exact_up_to and not has_ties and n == len(d):
        counts = _wilcoxon_null(n)
        total = 2.0 ** n
        k = int(round(r_plus))
        sf = math.fsum(counts[k:]) / total
        cdf = math.fsum(counts[: k + 1]) / total
        return statistic, min(1.0, 2.0 * min(sf, cdf)), "exact"
    mean = n * (n + 1) / 4.0
    tie_term = math.fsum(c ** 3 - c for c in ties.values())
    se = math.sqrt((n * (n + 1) * (2 * n + 1) - tie_term / 2.0) / 24.0)
    z = (r_plus - mean) / se
    return statistic, 2.0 * norm_sf(abs(z)), "approx"


def _placements(truth, scores, m, n):
    """DeLong's placement values: V10 for each positive (share of negatives it beats, ties count one
    half) and V01 for each negative (share of positives that beat it), in row order, so both models'
    placements pair up row by row.

    The floats are those of the textbook loop over tie groups in score order (the same integer counts
    in the same expressions): a positive's (neg_before + 0.5 * neg_in) / n, a negative's
    (m - pos_before - pos_in + 0.5 * pos_in) / m."""
    positives, negatives = _placement_groups(truth, scores, m, n)
    return positives.rows(positives.place), negatives.rows(negatives.place)


# The placements of one class: ``place[j]`` is shared by ``counts[j]`` of its rows (``counts`` None:
# one row each, in row order); ``rows(per_group)`` spreads a value per group onto the rows, in row order.
Placements = namedtuple("Placements", "place counts rows")


def _placement_groups(truth, scores, m, n):
    """``Placements`` of the positives and of the negatives. With few distinct scores (rounded scores,
    the usual case) one group per distinct score, computed in C-level passes and spread onto the rows
    by lookup; otherwise one per row, by one sort and a loop that does the least work for the untied
    scores."""
    scores = scores.tolist() if isinstance(scores, array) else scores  # floats made once, in one C pass
    pos = list(compress(scores, truth))
    neg = list(compress(scores, truth.translate(_FLIP) if isinstance(truth, bytes) else map(not_, truth)))
    pos_counts = Counter(pos)
    if len(pos_counts) > m // FEW_DISTINCT:
        return _sorted_groups(truth, scores, m, n)
    neg_counts = Counter(neg)
    if len(neg_counts) > n // FEW_DISTINCT:
        return _sorted_groups(truth, scores, m, n)
    values = sorted(pos_counts.keys() | neg_counts.keys())
    pos_in = list(map(pos_counts.get, values, repeat(0)))
    neg_in = list(map(neg_counts.get, values, repeat(0)))
    pos_before = accumulate(pos_in, initial=0)
    neg_before = accumulate(neg_in, initial=0)
    half = repeat(0.5)
    beat_neg = map(truediv, map(add, neg_before, map(mul, half, neg_in)), repeat(n))
    beaten_by = map(truediv, map(add, map(sub, map(sub, repeat(m), pos_before), pos_in), map(mul, half, pos_in)),
                    repeat(m))

    def spread(rows):
        return lambda per_value: list(map(dict(zip(values, per_value)).__getitem__, rows))

    return Placements(list(beat_neg), pos_in, spread(pos)), Placements(list(beaten_by), neg_in, spread(neg))


def _sorted_groups(truth, scores, m, n):
    v10, v01 = _placements_sorted(truth, scores, m, n)
    return Placements(v10, None, list), Placements(v01, None, list)


def _fsum_repeated(values, counts):
    """``math.fsum`` of each of ``values`` repeated ``counts`` times (None: once each), exactly that float:
    value * count is summed as the exact terms value * 2**k of the bits k of count (|value| <= 1: no
    overflow), and fsum is the correctly rounded sum of its terms in any order."""
    if counts is None:
        return math.fsum(values)
    values = list(values)
    terms = []
    for k in range(max(counts, default=0).bit_length()):
        terms.extend(map(math.ldexp, compress(values, map((1 << k).__and__, counts)), repeat(k)))
    return math.fsum(terms)


_FLIP = b"\1\0" + bytes(254)  # 0 and 1 swapped
FEW_DISTINCT = 4  # the per-score path when each class has at most a quarter as many distinct scores as rows


def _placements_sorted(truth, scores, m, n):
    """``_placements`` by one sort of the rows by score and a loop over the tie groups that does the
    least work for an untied score."""
    total = len(truth)
    order = sorted(range(total), key=scores.__getitem__)
    ordered = list(map(scores.__getitem__, order))
    positive = list(map(truth.__getitem__, order))
    place = [0.0] * total
    pos_before = neg_before = 0
    i = 0
    while i < total:
        value = ordered[i]
        j = i + 1
        while j < total and ordered[j] == value:
            j += 1
        if j == i + 1:  # untied: pos_in and neg_in are 1 and 0 or 0 and 1 (0.5 * 0 adds 0.0)
            if positive[i]:
                place[order[i]] = (neg_before + 0.0) / n
                pos_before += 1
            else:
                place[order[i]] = (m - pos_before + 0.0) / m
                neg_before += 1
        else:
            pos_in = sum(positive[i:j])
            neg_in = j - i - pos_in
            beat_neg = (neg_before + 0.5 * neg_in) / n
            beaten_by = (m - pos_before - pos_in + 0.5 * pos_in) / m
            for k, is_positive in zip(order[i:j], positive[i:j]):
                place[k] = beat_neg if is_positive else beaten_by
            pos_before += pos_in
            neg_before += neg_in
        i = j
    return list(compress(place, truth)), list(compress(place, map(not_, truth)))


def _covariances(x, y, mean_x, mean_y, k):
    """(var x, var y, cov x y) with ddof=1 of two models' ``Placements`` of the same ``k`` rows, each the
    ``fsum`` of the products (a - mean_x) * (b - mean_y) over the rows: the variances from each group's
    product repeated over its rows (``_fsum_repeated``), the covariance over the rows, paired in row
    order; fsum is correctly rounded, so the products' order does not matter."""
    if k < 2:
        return 0.0, 0.0, 0.0
    dx = list(map(sub, x.place, repeat(mean_x)))
    dy = list(map(sub, y.place, repeat(mean_y)))
    return (_fsum_repeated(map(mul, dx, dx), x.counts) / (k - 1), _fsum_repeated(map(mul, dy, dy), y.counts) / (k - 1),
            math.fsum(map(mul, x.rows(dx), y.rows(dy))) / (k - 1))


def delong(y_true_positive, scores_a, scores_b):
    """DeLong's test for two correlated ROC AUCs on the same rows.

    ``y_true_positive`` holds booleans (or is ``bytes`` of 0 and 1, taken as they are). Returns (auc_a,
    auc_b, z, p, se of auc_b - auc_a) or None when a class is missing."""
    truth = y_true_positive
    if not (isinstance(truth, bytes) and not truth.translate(None, b"\0\1")):
        truth = bytes(map(bool, truth))
    m = truth.count(1)
    n = len(truth) - m
    if m == 0 or n == 0:
        return None
    v10a, v01a = _placement_groups(truth, scores_a, m, n)
    v10b, v01b = _placement_groups(truth, scores_b, m, n)
    sum10a, sum10b = _fsum_repeated(v10a.place, v10a.counts), _fsum_repeated(v10b.place, v10b.counts)
    auc_a, auc_b = sum10a / m, sum10b / m
    s10a, s10b, s10ab = _covariances(v10a, v10b, sum10a / m, sum10b / m, m)
    s01a, s01b, s01ab = _covariances(v01a, v01b, _fsum_repeated(v01a.place, v01a.counts) / n,
                                     _fsum_repeated(v01b.place, v01b.counts) / n, n)
    var_a = s10a / m + s01a / n
    var_b = s10b / m + s01b / n
    cov = s10ab / m + s01ab / n
    variance = var_a + var_b - 2 * cov
    if variance <= 0:
        return auc_a, auc_b, None, None, 0.0
    se = math.sqrt(variance)
    z = (auc_a - auc_b) / se
    return auc_a, auc_b, z, 2.0 * norm_sf(abs(z)), se
