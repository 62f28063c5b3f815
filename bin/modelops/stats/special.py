"""Special functions and distribution tails, accurate to about 1e-12 relative in normal use.

Algorithms: series and continued fractions for the regularised incomplete gamma and beta
functions (modified Lentz), the two classic series for the Kolmogorov distribution.
"""

import math

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 10000


def _gamma_series(a: float, x: float) -> float:
    """Lower regularised gamma P(a, x) by its power series; converges fast for x < a + 1."""
    term = 1.0 / a
    total = term
    ap = a
    for _ in range(_MAX_ITER):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_continued_fraction(a: float, x: float) -> float:
    """Upper regularised gamma Q(a, x) by its continued fraction; converges fast for x >= a + 1."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gammaincc(a: float, x: float) -> float:
    """Upper regularised incomplete gamma Q(a, x), as ``scipy.special.gammaincc``."""
    if a <= 0:
        raise ValueError("gammaincc needs a > 0")
    if x <= 0:
        return 1.0
    if x < a + 1.0:
        return 1.0 - _gamma_series(a, x)
    return _gamma_continued_fraction(a, x)


def gammainc(a: float, x: float) -> float:
    """Lower regularised incomplete gamma P(a, x), as ``scipy.special.gammainc``."""
    if a <= 0:
        raise ValueError("gammainc needs a > 0")
    if x <= 0:
        return 0.0
    if x < a + 1.0:
        return _gamma_series(a, x)
    return 1.0 - _gamma_continued_fraction(a, x)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITER):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b), as ``scipy.special.betainc``."""
    if a <= 0 or b <= 0:
        raise ValueError("betainc needs a > 0 and b > 0")
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def norm_sf(z: float) -> float:
    """Standard normal survival function, as ``scipy.stats.norm.sf``."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def norm_cdf(z: float) -> float:
    """Standard normal distribution function, as ``scipy.stats.norm.cdf``."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def chi2_sf(x: float, df: float) -> float:
    """Chi-square survival function, as ``scipy.stats.chi2.sf(x, df)``."""
    if df <= 0:
        raise ValueError("chi-square needs df > 0")
    return gammaincc(df / 2.0, x / 2.0)


def t_sf(t: float, df: float) -> float:
    """Student t survival function, as ``scipy.stats.t.sf(t, df)`` (df may be fractional)."""
    if df <= 0:
        raise ValueError("Student t needs df > 0")
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t > 0 else 1.0 - tail


def t_two_sided_pvalue(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def kolmogorov_sf(x: float) -> float:
    """Survival function of the limiting Kolmogorov distribution, as ``scipy.stats.kstwobign.sf``."""
    if x <= 0:
        return 1.0
    if x < 1.0:
        # P(K <= x) = sqrt(2 pi) / x * sum exp(-(2k-1)^2 pi^2 / (8 x^2)): fast for small x.
        factor = -math.pi * math.pi / (8.0 * x * x)
        total = 0.0
        for k in range(1, 100):
            term = math.exp((2 * k - 1) ** 2 * factor)
            total += term
            if term < 1e-17 * total:
                break
        return 1.0 - math.sqrt(2.0 * math.pi) / x * total
    # Q(x) = 2 sum (-1)^(k-1) exp(-2 k^2 x^2): fast for large x and accurate in the tail.
    total = 0.0
    for k in range(1, 100):
        term = math.exp(-2.0 * k * k * x * x)
        total += term if k % 2 else -term
        if term < 1e-17 * abs(total):
            break
    return 2.0 * total
