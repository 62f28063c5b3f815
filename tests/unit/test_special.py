"""Special functions against scipy over their useful range, to a relative 1e-9."""

import math

import pytest
from scipy import special, stats

from modelops.stats import special as ours

REL = 1e-9


def close(a, b, rel=REL, abs_tol=1e-300):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


@pytest.mark.parametrize("a", [0.05, 0.5, 1.0, 2.5, 10.0, 57.5, 400.0])
@pytest.mark.parametrize("x", [1e-6, 0.01, 0.5, 1.0, 3.0, 9.9, 60.0, 450.0])
def test_incomplete_gamma_matches_scipy(a, x):
    assert close(ours.gammaincc(a, x), special.gammaincc(a, x), rel=1e-8)
    assert close(ours.gammainc(a, x), special.gammainc(a, x), rel=1e-8)


@pytest.mark.parametrize("a", [0.1, 0.5, 1.0, 3.7, 25.0, 300.0])
@pytest.mark.parametrize("b", [0.5, 1.0, 4.2, 80.0])
@pytest.mark.parametrize("x", [1e-8, 0.001, 0.2, 0.5, 0.77, 0.999])
def test_incomplete_beta_matches_scipy(a, b, x):
    assert close(ours.betainc(a, b, x), special.betainc(a, b, x), rel=1e-8)


@pytest.mark.parametrize("df", [1, 2, 3.5, 9, 30, 250])
@pytest.mark.parametrize("x", [0.0, 0.3, 1.0, 5.0, 20.0, 120.0, 600.0])
def test_chi2_sf_matches_scipy(df, x):
    assert close(ours.chi2_sf(x, df), stats.chi2.sf(x, df), rel=1e-8)


@pytest.mark.parametrize("df", [1, 2.5, 7, 29.3, 500])
@pytest.mark.parametrize("t", [-40.0, -3.0, -0.2, 0.0, 0.5, 2.0, 8.0, 60.0])
def test_t_tails_match_scipy(df, t):
    assert close(ours.t_sf(t, df), stats.t.sf(t, df), rel=1e-8)
    assert close(ours.t_two_sided_pvalue(t, df), 2 * stats.t.sf(abs(t), df), rel=1e-8)


@pytest.mark.parametrize("x", [0.0, 0.05, 0.2, 0.5, 0.8, 0.99, 1.0, 1.01, 1.5, 2.5, 4.0, 6.0])
def test_kolmogorov_sf_matches_kstwobign(x):
    assert close(ours.kolmogorov_sf(x), stats.kstwobign.sf(x), rel=1e-10)


@pytest.mark.parametrize("z", [-8.0, -1.0, 0.0, 1.96, 5.0, 12.0])
def test_normal_tails_match_scipy(z):
    assert close(ours.norm_sf(z), stats.norm.sf(z), rel=1e-12)
    assert close(ours.norm_cdf(z), stats.norm.cdf(z), rel=1e-12)


def test_domain_errors_are_explicit():
    with pytest.raises(ValueError):
        ours.chi2_sf(1.0, 0)
    with pytest.raises(ValueError):
        ours.betainc(0, 1, 0.5)
    assert ours.t_sf(math.inf, 3) == 0.0
    assert ours.t_sf(-math.inf, 3) == 1.0
