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
