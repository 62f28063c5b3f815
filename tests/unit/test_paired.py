"""Comparison tests against scipy, statsmodels and an independent DeLong implementation."""

import random

import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests

from modelops.stats import paired
from tests.compare_builders import reference_delong

REL = 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_welch_matches_scipy(seed):
    g = random.Random(seed)
    a = [g.gauss(0.8, 0.05) for _ in range(g.randint(2, 30))]
    b = [g.gauss(0.82, 0.08) for _ in range(g.randint(2, 30))]
    t, _, p = paired.welch_ttest(a, b)
    expected = stats.ttest_ind(a, b, equal_var=False)
    assert t == pytest.approx(expected.statistic, rel=REL) and p == pytest.approx(expected.pvalue, rel=REL)


def test_welch_undefined_cases():
    assert paired.welch_ttest([1.0], [1.0, 2.0]) is None
    assert paired.welch_ttest([1.0, 1.0], [2.0, 2.0]) is None


@pytest.mark.parametrize("seed", range(4))
def test_ttest_rel_matches_scipy(seed):
    g = random.Random(seed)
    a = [abs(g.gauss(0, 1)) for _ in range(40)]
    b = [x + g.gauss(0.1, 0.3) for x in a]
    t, _, p = paired.ttest_rel(a, b)
    expected = stats.ttest_rel(a, b)
    assert t == pytest.approx(expected.statistic, rel=REL) and p == pytest.approx(expected.pvalue, rel=REL)


def test_holm_matches_statsmodels():
    p = [0.01, 0.04, 0.03, 0.2, 0.001, 0.5]
    expected = multipletests(p, method="holm")[1]
    assert paired.holm(p) == pytest.approx(list(expected), rel=1e-12)
    assert paired.holm([None, 0.02, 0.04]) == [None, pytest.approx(0.04), pytest.approx(0.04)]


@pytest.mark.parametrize("b, c", [(0, 0), (3, 9), (12, 12), (10, 14), (30, 12), (200, 170), (1, 40)])
def test_mcnemar_matches_statsmodels(b, c):
    statistic, p, exact = paired.mcnemar(b, c)
    expected = sm_mcnemar([[50, b], [c, 60]], exact=(b + c < 25), correction=True)
    assert exact == (b + c < 25)
    assert statistic == pytest.approx(expected.statistic, rel=REL)
    assert p == pytest.approx(expected.pvalue, rel=REL)


@pytest.mark.parametrize("kind", ["exact_small", "exact_50", "ties", "zeros", "large"])
def test_wilcoxon_matches_scipy(kind):
    g = random.Random(kind)
    if kind == "exact_small":
        d = [g.gauss(0.2, 1) for _ in range(12)]
    elif kind == "exact_50":
        d = [g.gauss(0.1, 1) for _ in range(50)]
    elif kind == "ties":
        d = [g.choice([-2, -1, 1, 2, 3]) * 0.5 for _ in range(40)]
    elif kind == "zeros":
        d = [g.choice([0, 0.5, -0.25, 1.5, -1]) for _ in range(60)]
    else:
        d = [g.gauss(0.05, 1) for _ in range(500)]
    statistic, p, method = paired.wilcoxon(d)
    expected = stats.wilcoxon(d, zero_method="wilcox", correction=False,
                              method="exact" if method == "exact" else "approx")
    assert method == ("exact" if kind.startswith("exact") else "approx")
    assert statistic == pytest.approx(expected.statistic, rel=REL)
    assert p == pytest.approx(expected.pvalue, rel=REL)




@pytest.mark.parametrize("seed", range(3))
def test_delong_matches_the_definition(seed):
    g = random.Random(seed)
    y = [g.random() < 0.4 for _ in range(150)]
    s1 = [round(g.gauss(0.6 if t else 0.4, 0.2), 2) for t in y]  # rounded: ties in scores
    s2 = [round(x + g.gauss(0, 0.15), 2) for x in s1]
    auc_a, auc_b, z, p, _ = paired.delong(y, s1, s2)
    expected = reference_delong(y, s1, s2)
    assert (auc_a, auc_b) == (pytest.approx(expected[0], rel=1e-12), pytest.approx(expected[1], rel=1e-12))
    assert z == pytest.approx(expected[2], rel=REL) and p == pytest.approx(expected[3], rel=REL)


def test_delong_needs_both_classes():
    assert paired.delong([True, True], [0.1, 0.2], [0.3, 0.4]) is None


def _definition_placements(truth, scores):
    """DeLong's placements by their definition, pair by pair: for a positive, the negatives it beats
    (a tie counts one half) over n; for a negative, the positives that beat it over m."""
    pos = [s for s, t in zip(scores, truth) if t]
    neg = [s for s, t in zip(scores, truth) if not t]
    v10 = [(sum(x < s for x in neg) + 0.5 * sum(x == s for x in neg)) / len(neg) for s in pos]
    v01 = [(sum(x > s for x in pos) + 0.5 * sum(x == s for x in pos)) / len(pos) for s in neg]
    return v10, v01


def _tie_group_placements(truth, scores):
    """The textbook loop over tie groups in score order (the implementation before the C-level passes)."""
    m = sum(truth)
    n = len(truth) - m
    order = sorted(range(len(scores)), key=scores.__getitem__)
    place = [0.0] * len(scores)
    pos_before = neg_before = 0
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and scores[order[j]] == scores[order[i]]:
            j += 1
        pos_in = sum(1 for k in order[i:j] if truth[k])
        neg_in = j - i - pos_in
        for k in order[i:j]:
            place[k] = (neg_before + 0.5 * neg_in) / n if truth[k] else (m - pos_before - pos_in + 0.5 * pos_in) / m
        pos_before += pos_in
        neg_before += neg_in
        i = j
    return [p for p, t in zip(place, truth) if t], [p for p, t in zip(place, truth) if not t]


def _textbook_delong(truth, s1, s2):
    """DeLong from the tie-group placements, each covariance an fsum over rows in row order."""
    import math

    def cov(x, y):
        mx, my = math.fsum(x) / len(x), math.fsum(y) / len(y)
        return math.fsum([(a - mx) * (b - my) for a, b in zip(x, y)]) / (len(x) - 1)

    (v10a, v01a), (v10b, v01b) = _tie_group_placements(truth, s1), _tie_group_placements(truth, s2)
    m, n = len(v10a), len(v01a)
    variance = (cov(v10a, v10a) / m + cov(v01a, v01a) / n + cov(v10b, v10b) / m + cov(v01b, v01b) / n
                - 2 * (cov(v10a, v10b) / m + cov(v01a, v01b) / n))
    auc_a, auc_b = math.fsum(v10a) / m, math.fsum(v10b) / m
    se = math.sqrt(variance)
    return auc_a, auc_b, (auc_a - auc_b) / se, se


def _scores(kind, g, truth):
    raw = [min(1.0, max(0.0, (0.3 if t else 0.0) + g.random() * 0.8)) for t in truth]  # clipped: ties at 0 and 1
    if kind == "ties":
        return [round(x, 2) for x in raw]
    if kind == "continuous":
        return [(0.3 if t else 0.0) + g.random() for t in truth]  # no ties
    return raw


@pytest.mark.parametrize("kind", ["ties", "continuous", "clipped"])
def test_placements_are_the_definition_to_the_last_bit(kind):
    g = random.Random(7)
    truth = [g.random() < 0.3 for _ in range(1500)]
    scores = _scores(kind, g, truth)
    m = sum(truth)
    expected = _definition_placements(truth, scores)
    assert paired._placements(truth, scores, m, len(truth) - m) == expected
    assert paired._placements_sorted(truth, scores, m, len(truth) - m) == expected


@pytest.mark.parametrize("kind", ["ties", "continuous", "clipped"])
def test_placements_and_delong_equal_the_tie_group_loop_to_the_last_bit(kind):
    """Both paths (per distinct score, and sorted rows) against the textbook loop, on 20,000 rows:
    the same floats, and DeLong's result from them the same to the last bit."""
    g = random.Random(11)
    truth = [g.random() < 0.3 for _ in range(20000)]
    s1, s2 = _scores(kind, g, truth), _scores(kind, g, truth)
    m = sum(truth)
    expected = _tie_group_placements(truth, s1)
    assert paired._placements(truth, s1, m, len(truth) - m) == expected
    assert paired._placements_sorted(truth, s1, m, len(truth) - m) == expected
    auc_a, auc_b, z, _, se = paired.delong(truth, s1, s2)
    assert (auc_a, auc_b, z, se) == _textbook_delong(truth, s1, s2)
