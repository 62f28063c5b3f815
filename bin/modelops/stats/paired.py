"""Tests for comparing two models, each pinned to the scipy/statsmodels call it reproduces.

All p-values are two-sided. Inputs are plain sequences; ``None`` results mean "not defined for
this data" (the caller says why).

``delong`` given ``numpy`` score arrays instead (notebooks, where numpy is importable) runs vectorised
and returns the SAME floats as its pure path, bit for bit: the placements' integer counts per tie group
come from an argsort and cumulative counts instead of a Counter or a loop, each placement is the same
IEEE expression on the same integers, and every sum is ``math.fsum`` (correctly rounded: the same float
whatever the order or grouping of its terms).
"""

import math
from array import array
from collections import Counter, namedtuple
from itertools import accumulate, compress, repeat
from operator import add, mul, not_, sub, truediv

from .ranks import average_ranks
from .special import chi2_sf, norm_sf, t_two_sided_pvalue

try:
    import numpy
    _NDARRAY = numpy.ndarray
except ImportError:  # Splunk's Python: the pure path below
    numpy = None
    _NDARRAY = ()


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
    auc_b, z, p, se of auc_b - auc_a) or None when a class is missing. With both scores ``numpy`` arrays
    of one dimension and the rows' length (the truth then may also be a numpy array) it runs vectorised,
    with the same result to the last bit."""
    truth = y_true_positive
    if isinstance(scores_a, _NDARRAY) and isinstance(scores_b, _NDARRAY):
        if not isinstance(truth, _NDARRAY):
            truth = _truth_bytes(truth)
        if _vectorisable(truth, scores_a, scores_b):
            return _delong_numpy(truth, scores_a, scores_b)
    truth = _truth_bytes(truth)
    m = truth.count(1)
    n = len(truth) - m
    if m == 0 or n == 0:
        return None
    v10a, v01a = _placement_groups(truth, scores_a, m, n)
    v10b, v01b = _placement_groups(truth, scores_b, m, n)
    sum10a, sum10b = _fsum_repeated(v10a.place, v10a.counts), _fsum_repeated(v10b.place, v10b.counts)
    auc_a, auc_b = sum10a / m, sum10b / m
    s10 = _covariances(v10a, v10b, sum10a / m, sum10b / m, m)
    s01 = _covariances(v01a, v01b, _fsum_repeated(v01a.place, v01a.counts) / n,
                       _fsum_repeated(v01b.place, v01b.counts) / n, n)
    return _delong_test(auc_a, auc_b, s10, s01, m, n)


def _truth_bytes(truth):
    """The truth as ``bytes`` of 0 and 1 (taken as they are when they already are)."""
    if isinstance(truth, bytes) and not truth.translate(None, b"\0\1"):
        return truth
    return bytes(map(bool, truth))


def _delong_test(auc_a, auc_b, s10, s01, m, n):
    """(auc_a, auc_b, z, p, se) from the covariances (var a, var b, cov a b) of each class's placements."""
    s10a, s10b, s10ab = s10
    s01a, s01b, s01ab = s01
    var_a = s10a / m + s01a / n
    var_b = s10b / m + s01b / n
    cov = s10ab / m + s01ab / n
    variance = var_a + var_b - 2 * cov
    if variance <= 0:
        return auc_a, auc_b, None, None, 0.0
    se = math.sqrt(variance)
    z = (auc_a - auc_b) / se
    return auc_a, auc_b, z, 2.0 * norm_sf(abs(z)), se


def _vectorisable(truth, scores_a, scores_b):
    """Whether ``_delong_numpy`` takes these (else the pure path does): real scores of one dimension, as
    many as the truth's rows, the truth bytes or a one-dimensional array."""
    return (scores_a.ndim == 1 and scores_b.ndim == 1 and scores_a.dtype.kind in "fiu"
            and scores_b.dtype.kind in "fiu" and (not isinstance(truth, _NDARRAY) or truth.ndim == 1)
            and len(truth) == len(scores_a) == len(scores_b))


def _delong_numpy(truth, scores_a, scores_b):
    """``delong``'s vectorised twin, the same floats: ``truth`` bytes of 0 and 1 or a numpy array (its
    elements' truth values, as ``bool`` takes them), the scores one-dimensional real numpy arrays."""
    if isinstance(truth, _NDARRAY):
        positive = truth.astype(bool)
    else:
        positive = numpy.frombuffer(truth, dtype=numpy.bool_)  # bytes of 0 and 1: a view
    m = int(numpy.count_nonzero(positive))
    n = len(positive) - m
    if m == 0 or n == 0:
        return None
    negative = ~positive
    v10a, v01a = _placements_numpy(positive, negative, scores_a, m, n)
    v10b, v01b = _placements_numpy(positive, negative, scores_b, m, n)
    sum10a, sum10b = _fsum_numpy(v10a), _fsum_numpy(v10b)
    auc_a, auc_b = sum10a / m, sum10b / m
    s10 = _covariances_numpy(v10a, v10b, sum10a / m, sum10b / m, m)
    s01 = _covariances_numpy(v01a, v01b, _fsum_numpy(v01a) / n, _fsum_numpy(v01b) / n, n)
    return _delong_test(auc_a, auc_b, s10, s01, m, n)


def _placements_numpy(positive, negative, scores, m, n):
    """``_placements`` vectorised, as float64 arrays in row order: the tie-group loop's integer counts per
    group of equal scores (one argsort, group starts where the sorted score changes, positives before and
    within each group from a cumulative count) in the loop's expressions, each placement spread back to
    its row. int64 and float64 operations round as Python's int and float ones, and an untied score's
    ``0.5 * 0`` adds 0.0 as the sorted path's ``+ 0.0``: the same floats."""
    order = numpy.argsort(scores)  # any order within a tie: its rows share one placement
    ordered = scores[order]
    is_positive = positive[order]
    total = len(ordered)
    starts_group = numpy.empty(total, dtype=bool)
    starts_group[0] = True
    numpy.not_equal(ordered[1:], ordered[:-1], out=starts_group[1:])
    starts = numpy.flatnonzero(starts_group)
    ends = numpy.append(starts[1:], total)
    positives_up_to = numpy.zeros(total + 1, dtype=numpy.int64)
    numpy.cumsum(is_positive, out=positives_up_to[1:])
    pos_before = positives_up_to[starts]
    pos_in = positives_up_to[ends] - pos_before
    neg_before = starts - pos_before
    neg_in = ends - starts - pos_in
    beat_neg = (neg_before + 0.5 * neg_in) / n
    beaten_by = (m - pos_before - pos_in + 0.5 * pos_in) / m
    group = numpy.cumsum(starts_group) - 1
    place = numpy.empty(total)
    place[order] = numpy.where(is_positive, beat_neg[group], beaten_by[group])
    return place[positive], place[negative]


def _covariances_numpy(x, y, mean_x, mean_y, k):
    """``_covariances`` of two models' per-row placements (float64 arrays in row order): the same
    deviations and products, each sum an fsum over the rows (the pure path's sums of the same terms)."""
    if k < 2:
        return 0.0, 0.0, 0.0
    dx = x - mean_x
    dy = y - mean_y
    return _fsum_numpy(dx * dx) / (k - 1), _fsum_numpy(dy * dy) / (k - 1), _fsum_numpy(dx * dy) / (k - 1)


def _fsum_numpy(values):
    """``math.fsum`` of a float64 array's elements (read as Python floats through a memoryview: no list)."""
    return math.fsum(memoryview(values))
