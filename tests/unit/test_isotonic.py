"""stats.isotonic against sklearn.isotonic.IsotonicRegression(out_of_bounds="clip"), and
stats.nprandom against numpy's legacy RandomState and sklearn's StratifiedShuffleSplit."""

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression as SkIsotonic
from sklearn.model_selection import StratifiedShuffleSplit

from modelops.stats.isotonic import IsotonicRegression, pava
from modelops.stats.nprandom import LegacyRandomState, stratified_shuffle_split


@pytest.mark.parametrize("n,decimals", [(1, None), (2, None), (7, 1), (500, None), (3000, 2), (4000, 5)])
def test_predictions_equal_sklearn_including_ties_and_out_of_range(n, decimals):
    rng = np.random.default_rng(n)
    x = rng.random(n)
    if decimals is not None:
        x = np.round(x, decimals)  # many tied x values
    y = (rng.random(n) < x).astype(float)
    expected = SkIsotonic(out_of_bounds="clip").fit(x, y)
    mine = IsotonicRegression().fit(x.tolist(), y.tolist())
    probe = np.concatenate([rng.random(300) * 1.6 - 0.3, x, [x.min(), x.max()]])
    np.testing.assert_allclose(mine.predict(probe.tolist()), expected.predict(probe), rtol=0, atol=1e-12)


def test_pava_pools_equal_neighbours_into_their_weighted_mean():
    # 3, 1 violate; pooled with weights 1 and 3 -> (3 + 3) / 4 = 1.5; then 2 stays
    assert pava([3.0, 1.0, 2.0], [1.0, 3.0, 1.0]) == [1.5, 1.5, 2.0]


def test_x_closer_than_float_resolution_counts_as_one_point():
    x = [0.5, 0.5 + 1e-16, 0.7]
    y = [0.0, 1.0, 1.0]
    expected = SkIsotonic(out_of_bounds="clip").fit(x, y).predict([0.5, 0.6])
    assert IsotonicRegression().fit(x, y).predict([0.5, 0.6]) == pytest.approx(list(expected), abs=1e-15)


@pytest.mark.parametrize("seed", [0, 42, 2**32 - 1])
def test_permutation_equals_numpy_legacy_random_state(seed):
    expected = np.random.RandomState(seed)
    mine = LegacyRandomState(seed)
    for n in (0, 1, 2, 3, 17, 1000, 70000):
        assert mine.permutation(n) == expected.permutation(n).tolist()


@pytest.mark.parametrize("n,share", [(20, 0.5), (21, 0.3), (1234, 0.1), (5001, 0.45)])
def test_stratified_shuffle_split_equals_sklearn(n, share):
    y = (np.random.default_rng(n).random(n) < share).astype(int)
    expected = [(a.tolist(), b.tolist()) for a, b in
                StratifiedShuffleSplit(n_splits=10, test_size=0.1, random_state=42).split(np.zeros(n), y)]
    assert list(stratified_shuffle_split(y.tolist())) == expected
