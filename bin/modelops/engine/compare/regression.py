"""Regression statistics: per-block sums of errors, metrics from summed sums."""

import math
from array import array
from collections import namedtuple

from ... import metrics as m
from .bootstrap import block_bounds

# One block's sums: |e| and e^2 and |e|/max(|y|, eps) per model, y, y^2, and the row count.
RegressionSums = namedtuple("RegressionSums", "abs_a abs_b sq_a sq_b pct_a pct_b y y2 rows")


def block_sums(columns, blocks, eps=m.FLOAT_EPS):
    """``RegressionSums`` per block, and every row's absolute error of a and of b. ``eps`` guards
    MAPE's denominator as scikit-learn does (scaled with the values, see ``scaling``)."""
    y, a, b = columns
    n = len(y)
    sums = []
    abs_a, abs_b = array("d"), array("d")
    for start, stop in block_bounds(n, blocks):
        s_abs_a = s_abs_b = s_sq_a = s_sq_b = s_pct_a = s_pct_b = s_y = s_y2 = 0.0
        for row in range(start, stop):
            t = y[row]
            ea, eb = abs(t - a[row]), abs(t - b[row])
            scale = max(abs(t), eps)
            s_abs_a += ea
            s_abs_b += eb
            s_sq_a += ea * ea
            s_sq_b += eb * eb
            s_pct_a += ea / scale
            s_pct_b += eb / scale
            s_y += t
            s_y2 += t * t
            abs_a.append(ea)
            abs_b.append(eb)
        sums.append(RegressionSums(s_abs_a, s_abs_b, s_sq_a, s_sq_b, s_pct_a, s_pct_b, s_y, s_y2, float(stop - start)))
    return sums, abs_a, abs_b


def metric_values(stat):
    """mae, rmse, mape and r2 of both models from summed ``RegressionSums`` (a plain list works too)."""
    s = RegressionSums._make(stat)
    ss_total = s.y2 - s.y * s.y / s.rows
    out = []
    for abs_sum, sq_sum, pct_sum in ((s.abs_a, s.sq_a, s.pct_a), (s.abs_b, s.sq_b, s.pct_b)):
        r2 = (1.0 - sq_sum / ss_total) if ss_total > 1e-12 * max(s.y2, 1e-300) else (1.0 if sq_sum == 0 else 0.0)
        out.append({"mae": abs_sum / s.rows, "rmse": math.sqrt(sq_sum / s.rows), "mape": pct_sum / s.rows, "r2": r2})
    return out
