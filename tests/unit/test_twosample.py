"""Two-sample statistics against numpy/scipy on awkward samples (ties, sizes, constants)."""

import math
import random

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from modelops.stats import binning
from modelops.stats import twosample as ts


def samples():
    rng = random.Random(7)
    yield [rng.gauss(0, 1) for _ in range(50)], [rng.gauss(0.3, 1.2) for _ in range(80)]
    yield [rng.randint(0, 4) * 1.0 for _ in range(200)], [rng.randint(1, 5) * 1.0 for _ in range(31)]
    yield [1.0] * 10, [1.0, 2.0, 2.0]
    yield [rng.expovariate(1.0) for _ in range(1001)], [rng.expovariate(0.8) for _ in range(999)]
    yield [3.5], [3.5, 7.0]


@pytest.mark.parametrize("q", [0.0, 0.1, 0.25, 0.5, 0.73, 0.9, 1.0])
def test_quantile_matches_numpy(q):
    for a, _ in samples():
        assert ts.quantile_linear(sorted(a), q) == pytest.approx(np.quantile(a, q), rel=1e-12, abs=1e-15)


def test_ks_statistic_and_pvalue_match_scipy():
    for a, b in samples():
        d = ts.ks_statistic_sorted(sorted(a), sorted(b))
        assert d == pytest.approx(stats.ks_2samp(a, b).statistic, rel=1e-12)
        expected_p = stats.kstwobign.sf(d * math.sqrt(len(a) * len(b) / (len(a) + len(b))))
        assert ts.ks_asymptotic_pvalue(d, len(a), len(b)) == pytest.approx(expected_p, rel=1e-9)


def test_wasserstein_matches_scipy():
    for a, b in samples():
        assert ts.wasserstein_sorted(sorted(a), sorted(b)) == pytest.approx(
            stats.wasserstein_distance(a, b), rel=1e-10, abs=1e-15)


def test_jensenshannon_matches_scipy():
    pairs = [([0.2, 0.3, 0.5], [0.1, 0.1, 0.8]), ([1, 0, 0], [0, 0.5, 0.5]), ([3, 3], [3, 3]), ([5, 1, 0], [1, 1, 9])]
    for p, q in pairs:
        assert ts.jensenshannon_distance(p, q) == pytest.approx(distance.jensenshannon(p, q), abs=1e-12)
        assert ts.jensenshannon_distance(p, q, base=2) == pytest.approx(distance.jensenshannon(p, q, base=2),
                                                                        abs=1e-12)


def test_psi_by_hand():
    # (0.5-0.25)ln(2) + (0.25-0.25)ln(1) + (0.0001-0.5)ln(0.0001/0.5) + (0.25-0.0001)ln(0.25/0.0001)
    expected = 0.25 * math.log(2) + (0.0001 - 0.5) * math.log(0.0001 / 0.5) + (0.25 - 0.0001) * math.log(2500)
    assert ts.psi([0.25, 0.25, 0.5, 0.0], [0.5, 0.25, 0.0, 0.25]) == pytest.approx(expected, rel=1e-12)
    assert ts.psi([0.5, 0.5], [0.5, 0.5]) == 0.0


@pytest.mark.parametrize("table", [
    ([10, 20, 30], [12, 18, 40]),
    ([5, 0, 7, 1], [0, 9, 2, 2]),
    ([100, 1], [90, 11]),
])
def test_chi2_contingency_matches_scipy(table):
    statistic, p_value, dof = ts.chi2_contingency_2xk(*table)
    expected = stats.chi2_contingency(np.array(table), correction=False)
    assert statistic == pytest.approx(expected.statistic, rel=1e-10)
    assert p_value == pytest.approx(expected.pvalue, rel=1e-8)
    assert dof == expected.dof


def test_chi2_contingency_drops_empty_columns_and_handles_one_column():
    statistic, p_value, dof = ts.chi2_contingency_2xk([4, 0, 6], [5, 0, 1])
    expected = stats.chi2_contingency(np.array([[4, 6], [5, 1]]), correction=False)
    assert (statistic, dof) == (pytest.approx(expected.statistic), expected.dof)
    assert p_value == pytest.approx(expected.pvalue)
    assert ts.chi2_contingency_2xk([3], [9]) == (0.0, 1.0, 0)


def test_bins_follow_left_closed_rule():
    edges = binning.decile_edges(sorted(float(i) for i in range(1, 12)))
    assert edges == pytest.approx(np.quantile(np.arange(1, 12), np.arange(11) / 10), rel=1e-12)
    counts = binning.counts_on_edges([0.5, 1.9, 1.9, 2.0, 10.0, 99.0], edges)
    expected, _ = np.histogram([0.5, 1.9, 1.9, 2.0, 10.0, 99.0], bins=[-np.inf, *edges[1:-1], np.inf])
    # numpy's last bin is closed on the right; ours is open at +inf, so equal here (no value is inf).
    assert counts == expected.tolist()


def test_empty_inputs_raise_value_error():
    with pytest.raises(ValueError):
        ts.quantile_linear([], 0.5)
    with pytest.raises(ValueError):
        ts.ks_statistic_sorted([], [1.0])
    with pytest.raises(ValueError):
        ts.chi2_contingency_2xk([0, 0], [1, 2])


def test_reference_bins_per_value_up_to_ten_distinct_values():
    values, edges = binning.reference_bins(sorted([3.0, 1.0, 1.0, 2.0] * 3))
    assert (values, edges) == ([1.0, 2.0, 3.0], None)
    assert binning.value_counts_sorted(sorted([3.0, 1.0, 1.0, 2.0] * 3), values) == [6, 3, 3]
    assert binning.reference_bins(sorted(float(i) for i in range(10)))[0] == [float(i) for i in range(10)]
    values, edges = binning.reference_bins(sorted(float(i) for i in range(11)))
    assert values is None and edges == pytest.approx(np.quantile(np.arange(11.0), np.arange(11) / 10))


def test_mean_and_std_of_huge_numbers_match_numpy():
    values = [3e307, -1.5e308, 1.7e308, 2e300, -4e306]
    mean, std = ts.mean_and_population_std(values)
    scaled = np.array(values) / 2.0 ** 1000
    assert mean == pytest.approx(float(np.mean(scaled)) * 2.0 ** 1000, rel=1e-12)
    assert std == math.inf or std == pytest.approx(float(np.std(scaled)) * 2.0 ** 1000, rel=1e-12)
    mean, std = ts.mean_and_population_std([1e155, 3e155, 2e155])
    assert (mean, std) == (pytest.approx(2e155, rel=1e-12), pytest.approx(float(np.std([1.0, 3.0, 2.0])) * 1e155,
                                                                           rel=1e-12))
