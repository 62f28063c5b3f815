"""``paired.delong`` given numpy score arrays (notebooks) gives EXACTLY the pure path's result, bit for bit
(compared by ``repr``), on seeded random data with many ties, untied scores, tiny and degenerate inputs and
200,000 rows. Why exact and not 1e-12: the vectorised placements are the tie-group loop's integer counts in
the same IEEE expressions, and every sum is ``math.fsum`` (correctly rounded, so the grouping of its terms
does not matter). scikit-learn and the O(m*n) definition are the independent checks of the numbers.
"""

import os
import random
import subprocess
import sys
from array import array

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from modelops.stats import paired
from tests.compare_builders import reference_delong

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def numpy_calls(monkeypatch):
    """Counts ``_placements_numpy`` calls, and makes the pure placements refuse numpy input: proof the
    vectorised path is the one that ran."""
    calls = []
    original = paired._placements_numpy
    monkeypatch.setattr(paired, "_placements_numpy", lambda *a: calls.append(1) or original(*a))
    for name in ("_placement_groups", "_placements_sorted"):
        pure = getattr(paired, name)

        def guarded(truth, scores, m, n, _pure=pure, _name=name):
            if isinstance(scores, np.ndarray):
                raise AssertionError("%s ran on numpy input" % _name)
            return _pure(truth, scores, m, n)

        monkeypatch.setattr(paired, name, guarded)
    return calls


def both(truth, s1, s2, truth_kind="bytes"):
    """(pure result, numpy result): the pure path on lists / ``array('d')`` and bytes or booleans, the numpy
    twin on float64 arrays and the truth as ``truth_kind``."""
    flags = [bool(t) for t in truth]
    pure_truth = bytes(flags) if truth_kind in ("bytes", "uint8") else flags
    pure = paired.delong(pure_truth, array("d", s1), list(s2))
    as_numpy = {"bytes": lambda: bytes(flags), "bool": lambda: np.array(flags, dtype=bool),
                "uint8": lambda: np.array(flags, dtype=np.uint8), "list": lambda: flags}[truth_kind]()
    return pure, paired.delong(as_numpy, np.array(s1, dtype=np.float64), np.array(s2, dtype=np.float64))


def random_case(seed):
    """Rows, positive share and rounding drawn per seed: few distinct scores (0-2 decimals: the per-score
    path), many (3-4 decimals, or full precision: the sorted path), clipped ends, signed zeros."""
    g = random.Random(seed)
    n = g.choice([2, 3, 7, 30, 200, 1000, 3000])
    share = g.choice([0.05, 0.3, 0.5, 0.9])
    truth = [g.random() < share for _ in range(n)]
    truth[0], truth[-1] = True, False  # both classes present
    decimals = g.choice([0, 1, 2, 3, 4, None])

    def scores(lift):
        raw = [min(1.0, max(0.0, (lift if t else 0.0) + g.gauss(0.4, 0.3))) for t in truth]
        raw = raw if decimals is None else [round(x, decimals) for x in raw]
        return [-0.0 if x == 0 and g.random() < 0.5 else x for x in raw]

    return truth, scores(0.2), scores(0.35), g.choice(["bytes", "bool", "uint8", "list"])


@pytest.mark.parametrize("seed", range(40))
def test_random_cases_equal_the_pure_path_to_the_last_bit(seed, numpy_calls):
    truth, s1, s2, kind = random_case(seed)
    pure, vectorised = both(truth, s1, s2, kind)
    assert repr(vectorised) == repr(pure)
    assert numpy_calls == [1, 1]


@pytest.mark.parametrize("kind", ["ties", "untied"])
def test_200000_rows_equal_the_pure_path_to_the_last_bit(kind, numpy_calls):
    g = random.Random(200000)
    truth = [g.random() < 0.3 for _ in range(200000)]
    s1 = [g.random() + (0.2 if t else 0.0) for t in truth]
    s2 = [g.random() + (0.3 if t else 0.0) for t in truth]
    if kind == "ties":
        s1, s2 = [round(x, 3) for x in s1], [round(x, 2) for x in s2]
    else:
        assert len(set(s1)) == len(set(s2)) == len(truth)
    pure, vectorised = both(truth, s1, s2, "bool")
    assert repr(vectorised) == repr(pure)
    assert numpy_calls == [1, 1]


EDGES = {
    "one positive, one negative": ([True, False], [0.7, 0.2], [0.1, 0.9]),
    "one positive, one negative, tied": ([False, True], [0.5, 0.5], [0.3, 0.8]),
    "all scores equal": ([True, False, True, False, False], [0.5] * 5, [0.5] * 5),
    "one model constant": ([True, False, True, False, False, True], [0.5] * 6, [0.9, 0.1, 0.8, 0.3, 0.2, 0.7]),
    "identical models": ([True, False, True, False, True, False], [0.9, 0.1, 0.4, 0.6, 0.6, 0.2]
                         , [0.9, 0.1, 0.4, 0.6, 0.6, 0.2]),
    "perfect separation": ([True, True, False, False, False], [0.9, 0.8, 0.1, 0.2, 0.3],
                           [0.1, 0.8, 0.9, 0.2, 0.3]),
    "signed zeros tie": ([True, False, True, False], [0.0, -0.0, -0.0, 0.0], [-0.0, 0.0, 1.0, 0.5]),
    "one positive among many": ([True] + [False] * 50, [0.5] + [i / 50 for i in range(50)],
                                [0.25] + [round(i / 50, 1) for i in range(50)]),
    "huge and tiny magnitudes": ([True, False, True, False, True, False], [1e300, -1e300, 5e-324, 0.0, 1.0, 1.0],
                                 [-1e-300, 1e-300, 2.0, 3.0, 3.0, -2.0]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
@pytest.mark.parametrize("kind", ["bytes", "bool", "uint8", "list"])
def test_edge_cases_equal_the_pure_path_to_the_last_bit(name, kind, numpy_calls):
    pure, vectorised = both(*EDGES[name], kind)
    assert repr(vectorised) == repr(pure)
    assert numpy_calls == [1, 1]


def test_undefined_without_both_classes(numpy_calls):
    scores = np.array([0.1, 0.2, 0.3])
    assert paired.delong(np.ones(3, dtype=bool), scores, scores) is None
    assert paired.delong(bytes(3), scores, scores) is None
    assert paired.delong([False, False, False], scores, scores) is None


def test_the_constant_model_has_no_z():
    """An all-equal pair has zero variance: no z and no p, se 0.0 (both paths)."""
    assert paired.delong(np.array([True, False, False]), np.full(3, 0.5), np.full(3, 0.5)) == (0.5, 0.5, None,
                                                                                                  None, 0.0)


def test_other_real_dtypes_equal_the_pure_path(numpy_calls):
    """Integer and float32 scores are ranked in their own dtype: the same ties as the pure path on their
    Python values."""
    g = np.random.default_rng(5)
    truth = g.random(500) < 0.4
    s1 = g.integers(-3, 4, 500)
    s2 = g.random(500).astype(np.float32)
    pure = paired.delong(truth.tolist(), s1.tolist(), s2.tolist())
    assert repr(paired.delong(truth, s1, s2)) == repr(pure)
    assert numpy_calls == [1, 1]


def test_truth_values_are_taken_as_bool_takes_them(numpy_calls):
    """A numpy truth of any real dtype means its elements' truth values (2 and -1.5 are positives)."""
    truth = np.array([2, 0, -1.5, 0, 0, 1])
    s1 = np.array([0.9, 0.1, 0.8, 0.3, 0.2, 0.7])
    s2 = np.array([0.5, 0.6, 0.8, 0.3, 0.1, 0.7])
    expected = paired.delong([bool(t) for t in truth], s1.tolist(), s2.tolist())
    assert repr(paired.delong(truth, s1, s2)) == repr(expected)


def test_the_pure_path_takes_everything_else(monkeypatch):
    """Lists, arrays of the standard library, a numpy array for one model only, and shapes the twin does
    not take (2-D, lengths that differ) run the pure path, as before."""
    def refuse(*_):
        raise AssertionError("the numpy path ran")

    monkeypatch.setattr(paired, "_delong_numpy", refuse)
    truth = [True, False, True, False, False]
    s1, s2 = [0.9, 0.2, 0.4, 0.4, 0.1], [0.3, 0.1, 0.8, 0.5, 0.5]
    expected = paired.delong(truth, s1, s2)
    assert paired.delong(bytes(truth), array("d", s1), array("d", s2)) == expected
    assert paired.delong(truth, np.array(s1), s2) == expected
    assert paired.delong(truth, s1, np.array(s2)) == expected
    longer = paired.delong(truth, s1 + [0.3], s2 + [0.7])  # the pure path reads as many rows as the truth has
    assert paired.delong(truth, np.array(s1 + [0.3]), np.array(s2 + [0.7])) == longer
    with pytest.raises(TypeError):
        paired.delong(truth, np.array([s1]), np.array([s2]))  # a 2-D array is no row of scores


@pytest.mark.parametrize("seed", range(6))
def test_against_scikit_learn_and_the_definition(seed):
    """AUCs as ``sklearn.metrics.roc_auc_score``; z and p as DeLong's definition (pairwise placements,
    ``numpy.cov``), on ties and untied scores."""
    g = np.random.default_rng(seed)
    truth = g.random(300) < 0.35
    s1 = g.random(300) + 0.3 * truth
    s2 = g.random(300) + 0.15 * truth
    if seed % 2:
        s1, s2 = np.round(s1, 1), np.round(s2, 2)
    auc_a, auc_b, z, p, se = paired.delong(truth, s1, s2)
    assert auc_a == pytest.approx(roc_auc_score(truth, s1), rel=1e-12)
    assert auc_b == pytest.approx(roc_auc_score(truth, s2), rel=1e-12)
    expected = reference_delong(truth.tolist(), s1.tolist(), s2.tolist())
    assert z == pytest.approx(expected[2], rel=1e-9) and p == pytest.approx(expected[3], rel=1e-9)
    assert se == pytest.approx(abs(auc_a - auc_b) / abs(z), rel=1e-12)


def test_without_numpy_the_pure_path_runs():
    """Splunk's Python has no numpy: the module imports, and numpy-looking input is never assumed."""
    code = ("import sys; sys.modules['numpy'] = None\n"
            "from modelops.stats import paired\n"
            "assert paired.numpy is None and paired._NDARRAY == ()\n"
            "print(repr(paired.delong(bytes([1, 0, 1, 0]), [0.9, 0.1, 0.5, 0.5], [0.2, 0.3, 0.8, 0.1])))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ, PYTHONPATH="bin"),
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == repr(paired.delong(np.array([1, 0, 1, 0]), np.array([0.9, 0.1, 0.5, 0.5]),
                                             np.array([0.2, 0.3, 0.8, 0.1])))
