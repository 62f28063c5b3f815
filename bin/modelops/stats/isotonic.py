"""Isotonic regression, increasing, predictions clipped to the fitted range:
``sklearn.isotonic.IsotonicRegression(increasing=True, out_of_bounds="clip")``.

Ties in x are handled as scikit-learn does: points are ordered by (x, y), x values closer than
``1e-15`` (float64 resolution) to the first x of a run are one point whose y is the mean of the run
and whose weight is the run's length; the pooled-adjacent-violators pass then merges blocks whose
means are not strictly increasing. Prediction interpolates linearly between the fitted points
(``scipy.interpolate.interp1d``) after clipping x into ``[min x, max x]``.
"""

from bisect import bisect_left

_X_RESOLUTION = 1e-15  # numpy.finfo(float64).resolution, scikit-learn's _make_unique eps


def _unique_runs(pairs):
    """(x, mean y, weight) per run of equal x over (x, y) pairs sorted by x then y
    (``sklearn.isotonic._make_unique``)."""
    ux, uy, uw = [], [], []
    current_x = None
    for x, y in pairs:
        if current_x is None or x - current_x >= _X_RESOLUTION:
            ux.append(x)
            uy.append(y)
            uw.append(1.0)
            current_x = x
        else:
            uy[-1] += y
            uw[-1] += 1.0
    return ux, [s / w for s, w in zip(uy, uw)], uw


def pava(ys, weights):
    """Weighted least-squares non-decreasing fit (``sklearn.isotonic.isotonic_regression``):
    pool adjacent blocks while a block's mean is not below the next one's."""
    means, sums, counts, lengths = [], [], [], []
    for y, w in zip(ys, weights):
        total, count, length = y * w, w, 1
        while means and means[-1] >= y:
            means.pop()
            total += sums.pop()
            count += counts.pop()
            length += lengths.pop()
            y = total / count
        means.append(y)
        sums.append(total)
        counts.append(count)
        lengths.append(length)
    out = []
    for mean, n in zip(means, lengths):
        out.extend([mean] * n)
    return out


class IsotonicRegression:
    """``fit(x, y)`` then ``predict(values)``; the same numbers as scikit-learn's clip mode."""

    def __init__(self):
        self.x_ = []
        self.y_ = []

    def fit(self, xs, ys):
        xs = [float(x) for x in xs]
        ys = [float(y) for y in ys]
        if not xs or len(xs) != len(ys):
            raise ValueError("isotonic regression needs equally long, non-empty x and y")
        return self.fit_sorted(sorted(zip(xs, ys)))

    def fit_sorted(self, pairs):
        """``fit`` on (x, y) float pairs already sorted by x then y (callers that fit many subsets
        of one sample sort it once)."""
        if not pairs:
            raise ValueError("isotonic regression needs a non-empty sample")
        ux, uy, uw = _unique_runs(pairs)
        fitted = pava(uy, uw)
        # Keep the first and last point and every point where the fitted step changes (as
        # scikit-learn's trim_duplicates): interpolation between the kept points is unchanged.
        keep = [i for i in range(len(ux))
                if i == 0 or i == len(ux) - 1 or fitted[i] != fitted[i - 1] or fitted[i] != fitted[i + 1]]
        self.x_ = [ux[i] for i in keep]
        self.y_ = [fitted[i] for i in keep]
        return self

    def predict_one(self, value: float) -> float:
        xs, ys = self.x_, self.y_
        if len(xs) == 1 or value <= xs[0]:
            return ys[0]
        if value > xs[-1]:
            return ys[-1]
        j = bisect_left(xs, value)  # xs[j-1] < value <= xs[j], as numpy.searchsorted in interp1d
        x0, x1, y0, y1 = xs[j - 1], xs[j], ys[j - 1], ys[j]
        # interp1d's formula: slope times the distance from the left point, plus the left value
        return (y1 - y0) / (x1 - x0) * (value - x0) + y0

    def predict(self, values):
        return [self.predict_one(float(v)) for v in values]
