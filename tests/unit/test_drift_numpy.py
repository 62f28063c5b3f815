"""``modelops.drift`` with numpy (vectorised conversion, sorting, KS, Wasserstein, std, bin counts) gives
EXACTLY the pure-Python engine's rows, bit for bit (compared by ``repr``), on many seeded datasets; the
pure path runs when numpy cannot be imported. Why exact and not 1e-12: every vectorised step repeats the
pure step's IEEE operations on the same operands (integer counts from ``searchsorted`` = ``bisect``,
``i / n - j / m`` per value, Wasserstein's terms summed in order by ``cumsum``, the std's squares as
``d * d`` summed by ``math.fsum``); PSI and Jensen-Shannon stay pure (at most 11 bins, or a Counter's
categories), so there is nothing to approximate. scipy is the independent check of the numbers themselves.
"""

import math
import os
import random
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import modelops
from modelops.engine.drift import DriftAccumulator
from modelops.stats import binning, twosample

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def exact(rows):
    """Rows compared bit for bit: repr tells 0.1 from its neighbours, -0.0 from 0.0, int from float."""
    return [{k: (type(v).__name__, repr(v)) for k, v in row.items()} for row in rows]


def pure(monkeypatch, *args, **kwargs):
    """``modelops.drift`` with numpy unimportable; fails if a vectorised function runs anyway."""
    def refuse(*_):
        raise AssertionError("the numpy path ran with numpy hidden")

    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "numpy", None)
        patch.setattr(twosample, "_ks_statistic_numpy", refuse)
        patch.setattr(twosample, "_wasserstein_numpy", refuse)
        return modelops.drift(*args, **kwargs)


@pytest.fixture
def numpy_calls(monkeypatch):
    """Counts the vectorised KS and Wasserstein calls (proof the numpy path is the one measured)."""
    calls = []
    for name in ("_ks_statistic_numpy", "_wasserstein_numpy"):
        original = getattr(twosample, name)
        monkeypatch.setattr(twosample, name, lambda *a, _f=original, _n=name: calls.append(_n) or _f(*a))
    return calls


def dataset(seed):
    """Reference and current columns mixing what breaks naive code: ties, few values, categories,
    missing cells of every spelling, huge and tiny magnitudes, signed zeros, shifted features."""
    g = random.Random(seed)
    n_ref, n_cur = g.choice([(40, 60), (900, 700), (1500, 1200), (3000, 2500)])

    def column(n, side):
        shift = 0.0 if side == "ref" else g.choice([0.0, 0.05, 0.4])
        return {
            "gauss": [g.gauss(shift, 1.0) for _ in range(n)],
            "ties": [round(g.gauss(shift, 3.0), 1) for _ in range(n)],
            "few": [g.choice([0, 1, 2, 3] if side == "ref" else [0, 1, 2, 3, 4]) for _ in range(n)],
            "seven": [float(g.randrange(7)) for _ in range(n)],
            "huge": [g.choice([1e300, -1e300, 3.5e299, 2.0 ** 600, 1e-300, 0.0]) * g.random() for _ in range(n)],
            "overflow_std": [g.choice([1.7e308, -1.7e308, 1e308]) for _ in range(n)],
            "zeros": [g.choice([0.0, -0.0, 1.0, -1.0, 2.5]) for _ in range(n)],
            "missing": [g.choice([g.gauss(shift, 2.0), float("nan"), None, float("inf")]) for _ in range(n)],
            "cat": [g.choice(["a", "b", "c"] if side == "ref" else ["a", "b", "c", "d"]) for _ in range(n)],
            "mixed": [g.choice([1.5, 2.0, "x"]) if g.random() < 0.2 else g.random() for _ in range(n)],
            "tiny": [g.gauss(0, 1e-6) for _ in range(n)],
            "const": [5.0] * n,
        }

    return column(n_ref, "ref"), column(n_cur, "cur")


def frames(ref, cur):
    return pd.DataFrame(ref), pd.DataFrame(cur)


def records(columns):
    names = list(columns)
    return [dict(zip(names, values)) for values in zip(*columns.values())]


@pytest.mark.parametrize("seed", range(16))
def test_numpy_path_equals_pure_path_bit_for_bit(monkeypatch, numpy_calls, seed):
    ref, cur = dataset(seed)
    expected = pure(monkeypatch, *frames(ref, cur))
    got = modelops.drift(*frames(ref, cur))
    assert numpy_calls, "the numpy path did not run"
    assert exact(got) == exact(expected)
    # lists of dicts take the list path of the same engine: same rows again
    assert exact(modelops.drift(records(ref), records(cur))) == exact(expected)
    assert exact(pure(monkeypatch, records(ref), records(cur))) == exact(expected)


@pytest.mark.parametrize("stattest", ["ks", "wasserstein", "psi", "jensenshannon", "chisquare"])
@pytest.mark.parametrize("seed", range(3))
def test_forced_tests_equal(monkeypatch, stattest, seed):
    ref, cur = dataset(100 + seed)
    numeric = ["gauss", "ties", "few", "seven", "huge", "zeros", "missing", "tiny", "const", "overflow_std"]
    ref, cur = {f: ref[f] for f in numeric}, {f: cur[f] for f in numeric}
    assert (exact(modelops.drift(*frames(ref, cur), stattest=stattest))
            == exact(pure(monkeypatch, *frames(ref, cur), stattest=stattest)))


def test_dtypes_bool_int_float32_and_nullable(monkeypatch):
    g = np.random.default_rng(7)
    ref = pd.DataFrame({"b": g.random(2000) < 0.3, "i": g.integers(-10 ** 15, 10 ** 15, 2000),
                        "f32": g.normal(size=2000).astype(np.float32),
                        "u": g.integers(0, 2 ** 63, 2000, dtype=np.uint64),
                        "na": pd.array([1.0, None] * 1000, dtype="Float64")})
    cur = pd.DataFrame({"b": g.random(1500) < 0.5, "i": g.integers(-10 ** 15, 10 ** 15, 1500) + 10 ** 14,
                        "f32": g.normal(0.2, size=1500).astype(np.float32),
                        "u": g.integers(0, 2 ** 63, 1500, dtype=np.uint64),
                        "na": pd.array([2.0, None, 1.0] * 500, dtype="Float64")})
    assert exact(modelops.drift(ref, cur)) == exact(pure(monkeypatch, ref, cur))


def test_large_shifted_sample_equals_scipy_and_pure(monkeypatch, numpy_calls):
    g = np.random.default_rng(3)
    ref, cur = g.normal(0, 2, 20000).round(3), g.normal(0.5, 2, 15000).round(3)
    rows = modelops.drift(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), stattest="ks")
    assert "_ks_statistic_numpy" in numpy_calls
    assert rows[0]["ks_d"] == pytest.approx(stats.ks_2samp(ref, cur).statistic, rel=1e-12)
    assert rows[0]["wasserstein_norm"] == pytest.approx(stats.wasserstein_distance(ref, cur) / np.std(ref), rel=1e-9)
    assert rows[0]["drift"] == 1
    assert exact(rows) == exact(pure(monkeypatch, pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), stattest="ks"))


@pytest.mark.parametrize("seed", range(30))
def test_vectorised_functions_equal_their_pure_twins(seed):
    g = random.Random(seed)
    scale = g.choice([1.0, 1e-200, 1e150, 1e300])
    a = sorted(round(g.gauss(0, 1), g.choice([1, 2, 8])) * scale for _ in range(g.randint(1, 400)))
    b = sorted(round(g.gauss(0.3, 1.2), g.choice([1, 2, 8])) * scale for _ in range(g.randint(1, 400)))
    na, nb = np.array(a), np.array(b)
    for function in (twosample.ks_statistic_sorted, twosample.wasserstein_sorted):
        assert repr(function(na, nb)) == repr(function(a, b))
    # the pure one-pass pair against the two separate vectorised passes
    assert repr(twosample.ks_and_wasserstein_sorted(a, b)) == repr(twosample.ks_and_wasserstein_sorted(na, nb))
    assert repr(twosample.mean_and_population_std(na)) == repr(twosample.mean_and_population_std(a))
    edges = binning.decile_edges(a)
    assert binning.decile_edges(na) == edges
    assert binning.counts_on_edges(nb, edges) == binning.counts_on_edges(b, edges)
    values = binning.distinct_sorted(a + b)
    assert binning.distinct_sorted(na) == binning.distinct_sorted(a)
    assert binning.distinct_sorted(na, 5) == binning.distinct_sorted(a, 5)
    assert binning.value_counts_sorted(na, values) == binning.value_counts_sorted(a, values)
    assert binning.reference_bins(na) == binning.reference_bins(a)


def test_squares_are_products_as_numpy_takes_them():
    # x ** 2 (libm pow) and x * x differ in the last bit for about 1 x in 1000, and for about 1 sample of
    # 3 values in 2000 the std differs too; both paths take x * x, as numpy.std does: the same float on
    # samples chosen where pow would differ (the std of 3 values, from numpy, is exact to the last bit
    # up to its pairwise sum of 3 squares; fsum is checked by hand here)
    g = random.Random(1)
    odd = []
    while len(odd) < 10:
        values = [g.uniform(-1e3, 1e3) for _ in range(3)]
        mean = math.fsum(values) / 3
        by_pow = math.sqrt(math.fsum([(v - mean) ** 2 for v in values]) / 3)
        by_product = math.sqrt(math.fsum([(v - mean) * (v - mean) for v in values]) / 3)
        if by_pow != by_product:
            odd.append((values, by_product))
    for values, by_product in odd:
        assert twosample.mean_and_population_std(values)[1] == by_product
        assert twosample.mean_and_population_std(np.array(sorted(values)))[1] == by_product
        assert by_product == pytest.approx(float(np.std(values)), rel=1e-15)


def test_vectorised_accumulator_is_chunk_invariant():
    g = random.Random(11)
    rows = [{"s": g.choice(["reference", "current"]), "x": str(round(g.gauss(0, 1), 2)), "y": g.choice(["1", "", "a"])}
            for _ in range(3000)]
    results = []
    for size in (1, 7, 500, 3000):
        accumulator = DriftAccumulator(["x", "y"], split_field="s", vectorise=True)
        for start in range(0, len(rows), size):
            accumulator.add_rows(rows[start:start + size])
        results.append(exact(accumulator.result()))
    plain = DriftAccumulator(["x", "y"], split_field="s")
    for row in rows:
        plain.add(row)
    assert results == [exact(plain.result())] * 4


def test_without_numpy_at_all_the_same_rows(tmp_path):
    """A process where ``import numpy`` fails (Splunk's Python) imports modelops and gives the same rows."""
    ref, cur = dataset(5)
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, sys\nsys.modules['numpy'] = None\nsys.path.insert(0, %r)\nimport modelops\n"
        "ref, cur = json.load(open(%r))\n"
        "print(json.dumps([{k: repr(v) for k, v in r.items()} for r in modelops.drift(ref, cur)]))\n"
        % (os.path.join(ROOT, "bin"), str(tmp_path / "data.json")))
    import json
    (tmp_path / "data.json").write_text(json.dumps([records(ref), records(cur)]))
    done = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, check=True)
    assert "numpy" not in done.stderr
    with_numpy = [{k: repr(v) for k, v in r.items()} for r in modelops.drift(*frames(ref, cur))]
    assert json.loads(done.stdout) == with_numpy
