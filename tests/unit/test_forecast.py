"""stats/forecast.py: the Diebold-Mariano test against the ``dieboldmariano`` package (oracle, tests
only), and the moving-block bootstrap's definition."""

import random

import pytest
from dieboldmariano import dm_test

from modelops.metrics import smape_term
from modelops.stats import forecast
from tests.compare_builders import autocorrelated

REL = 1e-6




LOSSES = {"abs": lambda u, v: abs(u - v), "squared": lambda u, v: (u - v) ** 2, "smape": smape_term}


@pytest.mark.parametrize("h", [1, 3, 24])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_diebold_mariano_matches_the_dieboldmariano_package(h, loss):
    y, a, b = autocorrelated(400, 0.8, seed=h, scale_b=1.15)
    fn = LOSSES[loss]
    d = [fn(t, p) - fn(t, q) for t, p, q in zip(y, a, b)]
    statistic, df, p, variance = forecast.diebold_mariano(d, h)
    expected_statistic, expected_p = dm_test(y, a, b, loss=fn, h=h, harvey_correction=True)
    assert variance > 0 and df == 399
    assert statistic == pytest.approx(expected_statistic, rel=REL)
    assert p == pytest.approx(expected_p, rel=REL)


def test_non_positive_long_run_variance_is_undefined():
    """An alternating differential: lag-1 autocovariance about -gamma0, so gamma0 + 2 gamma1 < 0."""
    g = random.Random(1)
    d = [(-1) ** t + g.gauss(0, 0.01) for t in range(100)]
    statistic, df, p, variance = forecast.diebold_mariano(d, h=2)
    assert statistic is None and p is None and variance < 0
    y = [0.0] * 100
    with pytest.raises(ArithmeticError):  # the oracle refuses too
        dm_test(y, [max(x, 0) for x in d], [max(-x, 0) for x in d], loss=lambda u, v: abs(u - v), h=2)


@pytest.mark.parametrize("n, h, expected", [(10, 1, 2), (1000, 1, 10), (1000, 24, 24), (5, 24, 5)])
def test_block_length_is_at_least_the_horizon(n, h, expected):
    assert forecast.block_length(n, h) == expected


def test_moving_block_means_follow_the_definition():
    values = [float(v) for v in range(1, 11)]
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
    # blocks of 4 starting at 6, 0 and 2: [7, 8, 9, 10] + [1, 2, 3, 4] + [3, 4] (cut to 10 values)
    assert forecast.moving_block_means(prefix, 10, 4, [6, 0, 2]) == pytest.approx((34 + 10 + 7) / 10)
