"""The drift engine against an independent numpy/scipy implementation of the pinned definitions."""

import math
import random

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

import modelops
import modelops.engine.drift
from modelops.engine.drift import DriftAccumulator, psi_level
from modelops.errors import ModelOpsError

REL = 1e-6


def reference_drift(ref, cur):
    """The issue's definitions, written with numpy/scipy (independent of our code)."""
    ref, cur = np.asarray(ref, float), np.asarray(cur, float)
    if len(np.unique(ref)) <= 10:
        values = np.union1d(ref, cur)
        r = np.array([(ref == v).sum() for v in values], float)
        c = np.array([(cur == v).sum() for v in values], float)
    else:
        inner = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
        edges = np.concatenate([[-np.inf], inner, [np.inf]])
        r = np.array([((ref >= lo) & (ref < hi)).sum() for lo, hi in zip(edges[:-1], edges[1:])], float)
        c = np.array([((cur >= lo) & (cur < hi)).sum() for lo, hi in zip(edges[:-1], edges[1:])], float)
    rs, cs = r / r.sum(), c / c.sum()
    rs_eps, cs_eps = np.where(rs == 0, 0.0001, rs), np.where(cs == 0, 0.0001, cs)
    ks = stats.ks_2samp(ref, cur)
    n, m = len(ref), len(cur)
    return {
        "psi": float(np.sum((cs_eps - rs_eps) * np.log(cs_eps / rs_eps))),
        "js": float(distance.jensenshannon(rs, cs)),  # natural log, as Evidently
        "ks_d": float(ks.statistic),
        "ks_p": float(stats.kstwobign.sf(ks.statistic * math.sqrt(n * m / (n + m)))),
        "wasserstein_norm": float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)),
    }


def run(ref, cur, feature="x", **options):
    acc = DriftAccumulator([feature], split_field="side", **options)
    for v in ref:
        acc.add({"side": "reference", feature: v})
    for v in cur:
        acc.add({"side": "current", feature: v})
    rows = acc.result()
    return rows[0], rows[-1]


CASES = {
    "normal_shift_small": (lambda g: ([g.gauss(0, 1) for _ in range(400)], [g.gauss(0.4, 1) for _ in range(250)])),
    "same_distribution_large": (lambda g: ([g.gauss(5, 2) for _ in range(3000)],
                                           [g.gauss(5, 2) for _ in range(1500)])),
    "heavy_ties": (lambda g: ([float(g.randint(0, 30)) for _ in range(900)],
                              [float(g.randint(5, 35)) for _ in range(90)])),
    "few_values": (lambda g: ([float(g.randint(0, 3)) for _ in range(500)],
                              [float(g.randint(0, 6)) for _ in range(500)])),
    "constant_reference": (lambda g: ([2.0] * 300, [2.0] * 150 + [3.0] * 20)),
    "skewed_large": (lambda g: ([g.expovariate(1) for _ in range(5000)], [g.expovariate(0.7) for _ in range(777)])),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_numeric_statistics_match_numpy_scipy(case):
    ref, cur = CASES[case](random.Random(case))
    row, _ = run(ref, cur)
    expected = reference_drift(ref, cur)
    assert row["kind"] == "numeric"
    for key in ("psi", "js", "ks_d", "wasserstein_norm"):
        assert row[key] == pytest.approx(expected[key], rel=REL, abs=1e-12), key
    if row["test"] == "ks":
        assert row["p_value"] == pytest.approx(expected["ks_p"], rel=REL, abs=1e-300)


def test_test_selection_follows_evidently_defaults():
    g = random.Random(1)
    small = [g.gauss(0, 1) for _ in range(1000)]
    assert run(small, small[:100])[0]["test"] == "ks"
    assert run([float(i % 5) for i in range(1000)], [1.0, 2.0])[0]["test"] == "chisquare"
    large = [g.gauss(0, 1) for _ in range(1001)]
    assert run(large, large[:50])[0]["test"] == "wasserstein"
    assert run(["a", "b"] * 500, ["a"])[0]["test"] == "chisquare"
    assert run(["a", "b"] * 501, ["a"])[0]["test"] == "jensenshannon"


def test_ks_drift_decision_uses_p_below_threshold():
    g = random.Random(3)
    ref = [g.gauss(0, 1) for _ in range(500)]
    drifted, _ = run(ref, [g.gauss(1, 1) for _ in range(500)])
    stable, _ = run(ref, [g.gauss(0, 1) for _ in range(500)])
    assert drifted["drift"] == 1 and drifted["p_value"] < 0.05
    assert stable["drift"] == 0 and stable["p_value"] >= 0.05


def test_categorical_matches_chi2_contingency_and_handles_one_sided_categories():
    ref = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    cur = ["a"] * 10 + ["b"] * 30 + ["d"] * 15
    row, _ = run(ref, cur)
    table = np.array([[50, 30, 20, 0], [10, 30, 0, 15]])
    expected = stats.chi2_contingency(table, correction=False)
    assert row["kind"] == "categorical" and row["test"] == "chisquare"
    assert row["statistic"] == pytest.approx(expected.statistic, rel=REL)
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=REL)
    rs, cs = table[0] / 100, table[1] / 55
    assert row["js"] == pytest.approx(distance.jensenshannon(rs, cs), rel=REL)


def test_mixed_numbers_and_text_become_categorical():
    row, _ = run(["1", "2", "2", "x"], ["1", "1.0", "3"])
    assert row["kind"] == "categorical"
    # 1 and 1.0 are the same category; the table is over categories 1, 2, 3, x.
    expected = stats.chi2_contingency(np.array([[1, 2, 0, 1], [2, 0, 1, 0]]), correction=False)
    assert row["statistic"] == pytest.approx(expected.statistic, rel=REL)


def test_missing_and_non_finite_values_count_as_null():
    row, _ = run(["1", "", None, "nan", "2", "3", "4", "5", "6", "7"], ["inf", "1", ["3", "4"]])
    assert (row["n_ref"], row["n_null_ref"], row["n_cur"], row["n_null_cur"]) == (7, 3, 1, 2)


def test_feature_without_values_on_one_side_is_insufficient_data_not_drift():
    acc = DriftAccumulator(["x", "y"], split_field="side")
    acc.add_rows([{"side": "reference", "x": 1, "y": 2}, {"side": "reference", "x": 2, "y": 3},
                  {"side": "current", "x": 5}])
    x, y, dataset = acc.result()
    assert y["test"] == "insufficient_data" and y["drift"] == ""
    assert dataset["n_drifted"] == x["drift"] and dataset["drift_share"] == float(x["drift"])


def test_dataset_row_counts_share_of_drifting_features():
    g = random.Random(5)
    acc = DriftAccumulator(["a", "b", "c"], split_field="side", drift_share=0.6)
    for _ in range(300):
        acc.add({"side": "reference", "a": g.gauss(0, 1), "b": g.gauss(0, 1), "c": g.gauss(0, 1)})
        acc.add({"side": "current", "a": g.gauss(3, 1), "b": g.gauss(3, 1), "c": g.gauss(0, 1)})
    *features, dataset = acc.result()
    assert [f["drift"] for f in features][:2] == [1, 1]
    drifted = sum(f["drift"] for f in features)
    assert dataset["drift_share"] == pytest.approx(drifted / 3)
    assert dataset["drift"] == int(drifted / 3 >= 0.6)


def test_reference_until_routes_by_time_and_counts_rows_without_time():
    acc = DriftAccumulator(["x"], reference_until=100.0)
    acc.add_rows([{"_time": "99.5", "x": 1}, {"_time": 100, "x": 2}, {"x": 3}, {"_time": "0", "x": 1.5}])
    row = acc.result()[0]
    assert (row["n_ref"], row["n_cur"]) == (2, 1)
    assert acc.warnings() == ["1 rows were skipped because they have no _time"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(features=[], split_field="s"), "name the features"),
    (dict(features=["x"]), "split=<field> or reference_until"),
    (dict(features=["x"], split_field="s", reference_until=5.0), "not both"),
    (dict(features=["s"], split_field="s"), "cannot also be a feature"),
    (dict(features=["x"], split_field="s", stattest="t-test"), "stattest must be one of"),
    (dict(features=["x"], split_field="s", threshold=-1.0), "threshold must be a positive"),
])
def test_bad_options_are_one_sentence(kwargs, message):
    with pytest.raises(ModelOpsError, match=message) as error:
        DriftAccumulator(**kwargs)
    assert "\n" not in str(error.value)


def test_no_reference_or_current_rows_is_an_error():
    acc = DriftAccumulator(["x"], split_field="side")
    acc.add({"side": "current", "x": 1})
    with pytest.raises(ModelOpsError, match="no reference rows: no row has side=reference"):
        acc.result()


def test_numeric_only_stattest_on_text_feature_is_an_error():
    with pytest.raises(ModelOpsError, match="stattest=ks needs numeric values"):
        run(["a", "b"], ["a"], stattest="ks")


def test_stattest_and_threshold_override():
    g = random.Random(9)
    ref = [g.gauss(0, 1) for _ in range(2000)]
    cur = [g.gauss(0.05, 1) for _ in range(2000)]
    row, _ = run(ref, cur, stattest="psi", threshold=0.0001)
    assert row["test"] == "psi" and row["threshold"] == 0.0001
    assert row["drift"] == int(row["psi"] >= 0.0001)


def test_psi_reading():
    assert [psi_level(v) for v in (0.0, 0.0999, 0.1, 0.1999, 0.2, 3)] == [
        "none", "none", "moderate", "moderate", "significant", "significant"]


def test_notebook_api_gives_the_same_numbers_as_the_accumulator():
    pd = pytest.importorskip("pandas")
    g = random.Random(11)
    ref = pd.DataFrame({"t": [g.gauss(0, 1) for _ in range(300)], "c": [g.choice("xyz") for _ in range(300)]})
    cur = pd.DataFrame({"t": [g.gauss(0.2, 1) for _ in range(100)], "c": [g.choice("xy") for _ in range(100)]})
    rows = modelops.drift(ref, cur)
    acc = DriftAccumulator(["t", "c"], split_field="side")
    acc.add_rows([{"side": "reference", **r} for r in ref.to_dict("records")])
    acc.add_rows([{"side": "current", **r} for r in cur.to_dict("records")])
    assert rows == acc.result()


# --- issue 13 ------------------------------------------------------------------------------------


def test_huge_finite_numbers_give_the_scaled_answer_not_a_traceback():
    g = random.Random(13)
    ref = [g.gauss(0, 1) for _ in range(300)]
    cur = [g.gauss(0.5, 1) for _ in range(200)]
    small_row, _ = run(ref, cur)
    assert small_row["wasserstein_norm"] == pytest.approx(reference_drift(ref, cur)["wasserstein_norm"], rel=REL)
    for scale in (1e154, 1e300, 2.0 ** 1000):
        row, _ = run([v * scale for v in ref], [v * scale for v in cur])
        expected = reference_drift(np.array(ref) * scale / 2.0 ** 1000, np.array(cur) * scale / 2.0 ** 1000)
        for key in ("psi", "js", "ks_d"):
            assert row[key] == pytest.approx(expected[key], rel=REL), key
        # W1 / std is scale-free: the same as on the small numbers (scipy's value there, checked above)
        assert row["wasserstein_norm"] == pytest.approx(small_row["wasserstein_norm"], rel=1e-9)
        assert (row["test"], row["drift"]) == (small_row["test"], small_row["drift"])
    extreme, _ = run([1.7e308, -1.7e308, 1e308] * 40, [-1.7e308] * 50 + [1.6e308] * 10)
    assert extreme["kind"] == "numeric" and extreme["drift"] in (0, 1)


def test_reference_until_must_be_finite():
    with pytest.raises(ModelOpsError, match="reference_until must be a finite epoch time"):
        DriftAccumulator(["x"], reference_until=float("nan"))


def test_a_feature_that_no_row_has_is_named_in_a_warning():
    acc = DriftAccumulator(["x", "tmep"], split_field="side")
    acc.add_rows([{"side": "reference", "x": 1}, {"side": "current", "x": 2}, {"side": "current", "x": 3}])
    rows = acc.result()
    assert rows[1]["test"] == "insufficient_data"
    assert acc.warnings() == ["no row has the field tmep (check the names in fields=): reported as insufficient_data"]
    present_but_empty = DriftAccumulator(["x"], split_field="side")
    present_but_empty.add_rows([{"side": "reference", "x": ""}, {"side": "current", "x": ""}])
    present_but_empty.result()
    assert present_but_empty.warnings() == []


def segmented(rows, by="kiln"):
    engine = modelops.engine.drift.drift_engine(["x"], split_field="side", by=by)
    engine.add_rows(rows)
    return engine


def test_a_by_field_that_no_row_has_warns():
    g = random.Random(8)
    rows = [{"side": s, "x": g.gauss(0, 1)} for s in ("reference", "current") for _ in range(50)]
    engine = segmented(rows, by="klin")
    assert [r["model"] for r in engine.result()] == ["", ""]
    assert engine.warnings() == ["no row has a single value of by=klin (check the field name): all rows were "
                                 "compared as one segment"]


def test_one_segment_without_current_rows_does_not_fail_the_others():
    g = random.Random(2)
    rows = [{"kiln": k, "side": s, "x": g.gauss(3 if (k, s) == ("K5", "current") else 0, 1)}
            for k in ("K4", "K5") for s in ("reference", "current") for _ in range(200)]
    rows += [{"kiln": "K6", "side": "reference", "x": 1.0}] * 30  # an idle kiln: no current rows
    engine = segmented(rows)
    result = [(r["model"], r["feature"], r["test"], r["drift"]) for r in engine.result()]
    assert result[:4] == [("K4", "x", "ks", 0), ("K4", "_dataset_", "drift_share", 0),
                          ("K5", "x", "ks", 1), ("K5", "_dataset_", "drift_share", 1)]
    assert result[4][:3] == ("K6", "x", "insufficient_data")
    assert engine.warnings() == ["kiln=K6: no current rows: no row has side=current; its features are reported "
                                 "as insufficient_data"]
    only_bad = segmented(rows[-30:])
    with pytest.raises(ModelOpsError, match="kiln=K6: no current rows"):
        only_bad.result()


@pytest.mark.parametrize("values", [
    ["nan", "NaN", "a", "b", "a", "c"],
    ["a", "b", "a", "c", "nan", "NaN"],
    ["1", "2", "x", "nan", "3", "NULL"],
    ["nan", "1", "2", "x", "3", "null"],
])
def test_nan_text_is_missing_whatever_the_row_order(values):
    row, _ = run(values, list(reversed(values)))
    assert row["n_null_ref"] == row["n_null_cur"] == 2
    assert row["n_ref"] == row["n_cur"] == 4
    assert row["kind"] == "categorical" and row["statistic"] == 0.0 and row["drift"] == 0


def test_text_column_differing_only_in_missing_share_does_not_drift():
    rows = modelops.drift([{"c": v} for v in ["a", "b"] * 50], [{"c": v} for v in ["a", "b", "nan", None] * 25])
    assert (rows[0]["n_null_cur"], rows[0]["statistic"], rows[0]["drift"]) == (50, 0.0, 0)


def test_jensenshannon_uses_evidently_scale_and_threshold():
    # natural log: scipy's default, which Evidently compares with 0.1 (base 2 would read 0.1 / sqrt(ln 2) higher)
    ref = ["a"] * 600 + ["b"] * 600
    cur = ["a"] * 540 + ["b"] * 660
    row, _ = run(ref, cur)
    expected = distance.jensenshannon([600, 600], [540, 660])
    assert row["test"] == "jensenshannon" and row["statistic"] == pytest.approx(expected, rel=1e-12)
    assert row["drift"] == int(expected >= 0.1)


def test_few_distinct_numbers_with_a_large_reference_use_jensenshannon_as_evidently():
    g = random.Random(21)
    ref = [float(g.randint(0, 4)) for _ in range(1500)]
    cur = [float(g.choice([0, 1, 1, 2, 3, 4])) for _ in range(700)]
    row, _ = run(ref, cur)
    values = sorted(set(ref) | set(cur))
    expected = distance.jensenshannon([ref.count(v) for v in values], [cur.count(v) for v in values])
    assert (row["kind"], row["test"]) == ("numeric", "jensenshannon")
    assert row["statistic"] == pytest.approx(expected, rel=1e-12) and row["threshold"] == 0.1
    six_values, _ = run([float(i % 6) for i in range(1500)], [float(i % 6) for i in range(700)])
    assert six_values["test"] == "wasserstein"


@pytest.mark.parametrize("chunk", [1, 7, 50, 1000])
def test_map_partials_merge_to_exactly_the_raw_result(chunk):
    from modelops.engine.drift import drift_engine, drift_map
    from modelops.engine.drift import rows as drift_rows

    g = random.Random(chunk)
    rows = []
    for i in range(600):
        side = "reference" if i % 3 else "current"
        rows.append({"side": side, "x": g.gauss(1, 2), "n": str(g.randint(0, 4)), "c": g.choice(["1", "2", "z"]),
                     "m": g.choice(["3", "nan", "", None, ["1", "2"], "x" if i == 599 else "4"]),
                     "k": g.choice(["K1", "K2", None]), "big": g.choice([2 ** 1023, 1.5, "2", "inf", True])})
    for by in (None, "k"):
        raw = drift_engine(["x", "n", "c", "m", "big"], split_field="side", by=by)
        raw.add_rows(rows)
        features = ["x", "n", "c", "m", "big"]
        merged = drift_engine(features, split_field="side", by=by)
        old_block, drift_rows.PARTIAL_BLOCK = drift_rows.PARTIAL_BLOCK, 5
        try:
            for start in range(0, len(rows), chunk):
                merged.add_rows(list(drift_map(rows[start:start + chunk], features, split_field="side", by=by)))
        finally:
            drift_rows.PARTIAL_BLOCK = old_block
        one_by_one = drift_engine(["x", "n", "c", "m", "big"], split_field="side", by=by)
        for row in rows:
            one_by_one.add(row)
        assert merged.result() == raw.result() == one_by_one.result()
        assert merged.warnings() == raw.warnings() == one_by_one.warnings()
