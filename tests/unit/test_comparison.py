"""modelcompare's engine against scikit-learn, scipy and statsmodels on the same data."""

import base64
import math
import random
import zlib

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

import modelops
from modelops.errors import ModelOpsError
from tests.compare_builders import (
    as_splunk_cells,
    binary_rows,
    dirty,
    forecast_rows,
    malignant_benign_rows,
    multiclass_rows,
    reference_delong,
    regression_rows,
    sktime_smape,
)

REL = 1e-6


def by_metric(rows):
    return {r["metric"]: r for r in rows}




def test_binary_classification_numbers_match_references():
    rows = binary_rows()
    result = by_metric(modelops.compare(rows, "pa", "pb", label="label", score1="sa", score2="sb", seed=7))
    y = [r["label"] for r in rows]
    pa, pb = [r["pa"] for r in rows], [r["pb"] for r in rows]
    for metric, fn in (("accuracy", skm.accuracy_score), ("precision", skm.precision_score),
                       ("recall", skm.recall_score), ("f1", skm.f1_score)):
        kwargs = {} if metric == "accuracy" else {"zero_division": 0}
        assert result[metric]["value_a"] == pytest.approx(fn(y, pa, **kwargs), rel=1e-12)
        assert result[metric]["value_b"] == pytest.approx(fn(y, pb, **kwargs), rel=1e-12)
        assert result[metric]["delta"] == pytest.approx(fn(y, pb, **kwargs) - fn(y, pa, **kwargs), rel=1e-9)
    b = sum(1 for t, x, z in zip(y, pa, pb) if x == t and z != t)
    c = sum(1 for t, x, z in zip(y, pa, pb) if x != t and z == t)
    expected = mcnemar([[0, b], [c, 0]], exact=(b + c < 25), correction=True)
    assert result["accuracy"]["test"].startswith("mcnemar")
    assert result["accuracy"]["p_value"] == pytest.approx(expected.pvalue, rel=REL)
    auc = result["roc_auc"]
    ref = reference_delong([t == 1 for t in y], [r["sa"] for r in rows], [r["sb"] for r in rows])
    assert auc["value_a"] == pytest.approx(skm.roc_auc_score(y, [r["sa"] for r in rows]), rel=1e-12)
    assert auc["value_b"] == pytest.approx(skm.roc_auc_score(y, [r["sb"] for r in rows]), rel=1e-12)
    assert auc["p_value"] == pytest.approx(ref[3], rel=REL)
    assert auc["ci_low"] < auc["delta"] < auc["ci_high"]
    p_values = [result[k]["p_value"] for k in ("accuracy", "precision", "recall", "f1", "roc_auc")]
    assert [result[k]["p_holm"] for k in ("accuracy", "precision", "recall", "f1", "roc_auc")] == pytest.approx(
        list(multipletests(p_values, method="holm")[1]), rel=1e-12)


def test_paired_bootstrap_follows_its_definition():
    """Up to 500 rows, one row per block: an independent implementation of the paired bootstrap
    with the same random stream gives the same interval."""
    rows = binary_rows(n=120, seed=3)
    result = by_metric(modelops.compare(rows, "pa", "pb", label="label", seed=11, bootstrap=300, alpha=0.1))
    y = [r["label"] for r in rows]
    g = random.Random(11)
    deltas = []
    for _ in range(300):
        picks = g.choices(range(120), k=120)
        ys = [y[i] for i in picks]
        deltas.append(skm.f1_score(ys, [rows[i]["pb"] for i in picks], zero_division=0)
                      - skm.f1_score(ys, [rows[i]["pa"] for i in picks], zero_division=0))
    assert result["f1"]["ci_low"] == pytest.approx(np.quantile(deltas, 0.05), rel=1e-9)
    assert result["f1"]["ci_high"] == pytest.approx(np.quantile(deltas, 0.95), rel=1e-9)
    again = by_metric(modelops.compare(rows, "pa", "pb", label="label", seed=11, bootstrap=300, alpha=0.1))
    assert again["f1"] == result["f1"]  # reproducible with seed=


def test_multiclass_is_macro_averaged():
    g = random.Random(5)
    classes = ["ok", "free_lime", "underburnt"]
    rows = [{"y": c, "a": c if g.random() < 0.7 else g.choice(classes), "b": c if g.random() < 0.8 else
             g.choice(classes)} for c in (g.choice(classes) for _ in range(300))]
    result = by_metric(modelops.compare(rows, "a", "b", label="y", bootstrap=50))
    y, a, b = ([r[k] for r in rows] for k in ("y", "a", "b"))
    assert result["f1"]["value_a"] == pytest.approx(skm.f1_score(y, a, average="macro"), rel=1e-12)
    assert result["recall"]["value_b"] == pytest.approx(skm.recall_score(y, b, average="macro"), rel=1e-12)


def test_regression_numbers_match_references():
    g = random.Random(2)
    rows = []
    for _ in range(300):
        y = g.gauss(100, 15)
        rows.append({"y": y, "a": y + g.gauss(0, 6), "b": y + g.gauss(0.5, 5)})
    result = by_metric(modelops.compare(rows, "a", "b", label="y", seed=3))
    y, a, b = (np.array([r[k] for r in rows]) for k in ("y", "a", "b"))
    assert result["mae"]["value_a"] == pytest.approx(skm.mean_absolute_error(y, a), rel=1e-12)
    assert result["rmse"]["value_b"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, b)), rel=1e-12)
    assert result["r2"]["value_a"] == pytest.approx(skm.r2_score(y, a), rel=1e-12)
    assert result["mape"]["value_b"] == pytest.approx(skm.mean_absolute_percentage_error(y, b), rel=1e-12)
    ea, eb = np.abs(y - a), np.abs(y - b)
    expected_t = stats.ttest_rel(eb, ea)
    assert result["mae"]["statistic"] == pytest.approx(expected_t.statistic, rel=REL)
    assert result["mae"]["p_value"] == pytest.approx(expected_t.pvalue, rel=REL)
    expected_w = stats.wilcoxon(eb - ea, zero_method="wilcox", correction=False, method="approx")
    assert result["abs_error"]["test"] == "wilcoxon_approx"
    assert result["abs_error"]["p_value"] == pytest.approx(expected_w.pvalue, rel=REL)
    assert result["abs_error"]["value_a"] == pytest.approx(np.median(ea), rel=1e-12)


def test_small_regression_uses_the_exact_wilcoxon():
    g = random.Random(4)
    rows = [{"y": y, "a": y + g.gauss(0, 2), "b": y + g.gauss(0, 1)} for y in (g.gauss(10, 3) for _ in range(30))]
    result = by_metric(modelops.compare(rows, "a", "b", label="y", task="regression", bootstrap=0))
    d = [abs(r["y"] - r["b"]) - abs(r["y"] - r["a"]) for r in rows]
    expected = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="exact")
    assert result["abs_error"]["test"] == "wilcoxon_exact"
    assert result["abs_error"]["p_value"] == pytest.approx(expected.pvalue, rel=REL)
    assert result["mae"]["ci_low"] == ""  # bootstrap=0: no interval


def test_runs_mode_welch_holm_and_direction():
    g = random.Random(8)
    events = []
    for version, f1_mean, loss_mean in (("v1", 0.80, 0.30), ("v2", 0.86, 0.20)):
        for _ in range(12):
            events.append({"event_type": "fit_run", "model_name": "Horno4_AE_" + version, "model_version": version,
                           "metrics": {"f1": g.gauss(f1_mean, 0.02), "loss": g.gauss(loss_mean, 0.03)},
                           "r2_score": g.gauss(0.9, 0.01)})
    result = by_metric(modelops.compare(events, "v1", "v2", seed=1))
    f1_a = [e["metrics"]["f1"] for e in events[:12]]
    f1_b = [e["metrics"]["f1"] for e in events[12:]]
    expected = stats.ttest_ind(f1_a, f1_b, equal_var=False)
    assert result["f1"]["p_value"] == pytest.approx(expected.pvalue, rel=REL)
    assert result["f1"]["delta"] == pytest.approx(np.mean(f1_b) - np.mean(f1_a), rel=1e-9)
    assert set(result) == {"f1", "loss", "r2", "_summary_"}  # r2_score is the seed's name for r2
    p = [result[k]["p_value"] for k in ("f1", "loss", "r2")]
    assert [result[k]["p_holm"] for k in ("f1", "loss", "r2")] == pytest.approx(
        list(multipletests(p, method="holm")[1]), rel=1e-12)
    assert result["f1"]["winner"] == "v2" and result["loss"]["winner"] == "v2"  # loss: lower is better
    assert result["_summary_"]["winner"] == "v2" and result["_summary_"]["test"] == "primary=f1"


def test_segments_with_by():
    rows = binary_rows(n=600, seed=9)
    result = modelops.compare(rows, "pa", "pb", label="label", by="kiln", bootstrap=100)
    assert [r["kiln"] for r in result if r["metric"] == "_summary_"] == ["K4", "K5"]
    k4 = [r for r in rows if r["kiln"] == "K4"]
    acc = next(r for r in result if r["kiln"] == "K4" and r["metric"] == "accuracy")
    assert acc["value_a"] == pytest.approx(skm.accuracy_score([r["label"] for r in k4], [r["pa"] for r in k4]))


@pytest.mark.parametrize("call, message", [
    (lambda: modelops.compare([{"label": 1, "a": 1, "b": 1}] * 5, "a", "b", label="label"), "one class only"),
    (lambda: modelops.compare([{"label": 1}], "a", "b", label="label"), "no row has label, a and b all set"),
    (lambda: modelops.compare([{"model_version": "v1", "f1": 0.5}], "v1", "v9"), "no run of v9"),
    (lambda: modelops.compare([{"model_version": "v1", "f1": 0.5}, {"model_version": "v2", "mae": 1}], "v1", "v2"),
     "v1 and v2 have no metric in common"),
    (lambda: modelops.compare(binary_rows(20), "pa", "pb", label="label", pos_label="yes"),
     "pos_label=yes is not among the labels"),
    (lambda: modelops.compare(binary_rows(20), "pa", "pb", label="label", score1="sa"), "give both score1"),
    (lambda: modelops.compare(binary_rows(20), "pa", "pb", label="label", task="survival"), "task must be"),
    (lambda: modelops.compare([{"model_version": "v1", "f1": 0.5}], "v1", "v1"), "two different versions"),
    (lambda: modelops.compare(binary_rows(20), "pa", "pb", label="label", score1="proba_a", score2="sb"),
     r"no row has label, pa, pb, proba_a and sb all set \(missing or not a number in every row: proba_a\)"),
    (lambda: modelops.compare([{"y": 1.7e308, "a": -1.7e308, "b": 1.0}, {"y": 0.0, "a": 1.0, "b": 2.0}] * 5, "a", "b",
                              label="y", task="regression"), "exceeds the largest float"),
    (lambda: modelops.compare(binary_rows(20), "pa", "pb", label="label", average="samples"), "average must be"),
])
def test_bad_input_is_one_sentence(call, message):
    with pytest.raises(ModelOpsError, match=message) as error:
        call()
    assert "\n" not in str(error.value)


def test_insufficient_runs_give_insufficient_data_not_a_guess():
    from modelops.engine.compare import compare_rows

    events = [{"model_version": "v1", "f1": 0.8}, {"model_version": "v2", "f1": 0.9},
              {"model_version": "v1", "mae": 2.0}, {"model_version": "v1", "mae": 2.0},
              {"model_version": "v2", "mae": 3.0}, {"model_version": "v2", "mae": 3.0}]
    comparison = compare_rows(events, "v1", "v2")
    result = by_metric(comparison.result())
    assert result["f1"]["winner"] == "insufficient_data" and result["f1"]["p_value"] == ""
    assert result["mae"]["winner"] == "insufficient_data"
    assert comparison.warnings() == ["f1: a t-test needs at least 2 runs of each version (1 and 1)",
                                     "mae: no variation across runs of either version; no t-test"]


def test_binary_fast_path_counts_equal_the_general_counts():
    from modelops.engine.compare import PredictionsAccumulator, classification
    from modelops.engine.compare.bootstrap import column_totals

    acc = PredictionsAccumulator("label", "pa", "pb", bootstrap=0)
    for row in binary_rows(n=1234, seed=13):
        acc.add(row)
    positive = acc.labels.codes["1"]
    negative = acc.labels.codes["0"]
    fast_layout, fast, fast_discordant = classification.binary_block_counts(acc.columns, positive, 500)
    layout, general, general_discordant = classification.multiclass_block_counts(
        acc.columns, [positive, negative], 500)
    # the general counts of the positive class, read through the named layouts, equal the fast path's
    for f, g in zip(fast, general):
        fast_c, general_c = fast_layout.read(f), layout.read(column_totals([g], layout.width))
        assert fast_c.right == general_c.right and fast_c.rows == general_c.rows
        assert [c[0] for c in fast_c.counts] == [c[0] for c in general_c.counts]
    assert fast_discordant == general_discordant
    assert layout.read(column_totals(general, layout.width)).rows == 1234


# --- issue 13: bounded work, huge numbers, silent results, classes ---------------------------------


def test_cost_budget_lowers_resamples_with_a_warning_and_equals_that_many_resamples():
    """Lowering is exactly running with fewer resamples (same seed, same draws), and says so."""
    from modelops.engine.compare import compare_rows

    g = random.Random(6)
    rows = [{"y": "c%d" % g.randrange(300), "a": "c%d" % g.randrange(300), "b": "c%d" % g.randrange(300)}
            for _ in range(200)]
    comparison = compare_rows(rows, "a", "b", label="y", bootstrap=100000, seed=4)
    result = by_metric(comparison.result())
    warning = [w for w in comparison.warnings() if "bootstrap lowered from 100000 to" in w]
    assert len(warning) == 1, comparison.warnings()
    lowered = int(warning[0].split(" to ")[1].split()[0])
    assert 100 <= lowered < 100000
    again = by_metric(compare_rows(rows, "a", "b", label="y", bootstrap=lowered, seed=4).result())
    assert again["f1"]["ci_low"] == result["f1"]["ci_low"] and again["f1"]["p_value"] == result["f1"]["p_value"]


def test_the_default_bootstrap_is_kept_for_binary_segments():
    """by= with 20 segments of binary rows: 1,000 resamples each fit the budget (the packed-count sums
    are priced as they cost; the old pricing lowered every segment to 187 with a warning)."""
    from modelops.engine.compare import compare_rows

    g = random.Random(9)
    rows = [{"y": g.randrange(2), "a": g.randrange(2), "b": g.randrange(2), "k": "K%d" % g.randrange(20)}
            for _ in range(20000)]
    comparison = compare_rows(rows, "a", "b", label="y", by="k")
    comparison.result()
    assert not [w for w in comparison.warnings() if "bootstrap" in w], comparison.warnings()
    lowered = compare_rows(rows, "a", "b", label="y", by="k", bootstrap=100000)
    lowered.result()
    assert any("bootstrap lowered from 100000" in w for w in lowered.warnings())


def test_float_labels_as_classes_stay_bounded():
    """200 rows of float labels with task=classification: 600 classes, resamples within the budget."""
    from modelops.engine.compare import compare_rows

    g = random.Random(7)
    rows = [{"y": repr(g.random()), "a": repr(g.random()), "b": repr(g.random())} for _ in range(200)]
    comparison = compare_rows(rows, "a", "b", label="y", task="classification", bootstrap=100000)
    result = by_metric(comparison.result())
    assert result["accuracy"]["value_a"] == 0.0
    assert any("bootstrap lowered" in w or "no bootstrap" in w for w in comparison.warnings())


def test_huge_regression_values_are_scale_safe():
    g = random.Random(8)
    small = [(y, y + g.gauss(0, 3), y + g.gauss(1, 2)) for y in (g.gauss(100, 15) for _ in range(200))]
    scale = 1e200  # squares of 1e200 overflow; the answer still fits in a float
    rows = [{"y": y * scale, "a": a * scale, "b": b * scale} for y, a, b in small]
    result = by_metric(modelops.compare(rows, "a", "b", label="y", bootstrap=200))
    y, a, b = (np.array([r[i] for r in small]) for i in range(3))
    assert result["mae"]["value_a"] == pytest.approx(skm.mean_absolute_error(y, a) * scale, rel=1e-9)
    assert result["rmse"]["value_b"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, b)) * scale, rel=1e-9)
    assert result["r2"]["value_a"] == pytest.approx(skm.r2_score(y, a), rel=1e-9)
    assert result["mape"]["value_b"] == pytest.approx(skm.mean_absolute_percentage_error(y, b), rel=1e-9)
    expected = stats.ttest_rel(np.abs(y - b), np.abs(y - a))
    assert result["mae"]["p_value"] == pytest.approx(expected.pvalue, rel=REL)
    assert result["mae"]["ci_low"] < result["mae"]["delta"] < result["mae"]["ci_high"]
    assert math.isfinite(result["mae"]["ci_high"])


def test_huge_run_metrics_are_scale_safe():
    g = random.Random(9)
    a = [g.gauss(5, 1) for _ in range(10)]
    b = [g.gauss(6, 1) for _ in range(10)]
    scale = 1e300
    events = [{"model_version": "v1", "metrics.loss": x * scale} for x in a] + [
        {"model_version": "v2", "metrics.loss": x * scale} for x in b]
    row = by_metric(modelops.compare(events, "v1", "v2", bootstrap=200))["loss"]
    assert row["value_a"] == pytest.approx(np.mean(a) * scale, rel=1e-12)
    assert row["delta"] == pytest.approx((np.mean(b) - np.mean(a)) * scale, rel=1e-9)
    assert row["p_value"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue, rel=REL)
    assert row["ci_low"] < row["delta"] < row["ci_high"]


def test_non_numeric_run_metrics_are_counted_in_a_warning():
    from modelops.engine.compare import compare_rows

    events = [{"model_version": v, "metrics.f1": x} for v, x in
              (("v1", "0.8"), ("v1", "0.82"), ("v1", "oops"), ("v2", "0.9"), ("v2", "0.91"), ("v2", ""))]
    comparison = compare_rows(events, "v1", "v2")
    assert by_metric(comparison.result())["f1"]["n_a"] == 2
    assert "metrics.f1: 1 values were not numbers and were ignored" in comparison.warnings()


def test_primary_naming_an_absent_metric_is_a_warning():
    from modelops.engine.compare import compare_rows

    comparison = compare_rows(binary_rows(100), "pa", "pb", label="label", primary="roc_auc", bootstrap=0)
    summary = by_metric(comparison.result())["_summary_"]
    assert summary["winner"] == "insufficient_data"
    assert comparison.warnings() == ["primary=roc_auc is not a metric of this comparison "
                                     "(accuracy, precision, recall, f1); the summary has no winner"]


def test_a_bad_segment_does_not_blank_the_others():
    rows = binary_rows(300, seed=10) + [{"label": 1, "pa": 1, "pb": 0, "kiln": "K9"}] * 5  # K9: one class only
    from modelops.engine.compare import compare_rows

    comparison = compare_rows(rows, "pa", "pb", label="label", by="kiln", bootstrap=50)
    result = comparison.result()
    k9 = [r for r in result if r["kiln"] == "K9"]
    assert len(k9) == 1 and k9[0]["test"] == "insufficient_data" and k9[0]["winner"] == "insufficient_data"
    k4 = [r for r in rows if r.get("kiln") == "K4"]
    acc = next(r for r in result if r["kiln"] == "K4" and r["metric"] == "accuracy")
    assert acc["value_a"] == pytest.approx(skm.accuracy_score([r["label"] for r in k4], [r["pa"] for r in k4]))
    assert comparison.warnings() == ["kiln=K9: the label label has one class only (1); precision, recall and AUC "
                                     "need two"]


def test_a_by_field_that_does_not_exist_is_a_warning():
    from modelops.engine.compare import compare_rows

    comparison = compare_rows(binary_rows(100), "pa", "pb", label="label", by="klin", bootstrap=0)
    comparison.result()
    assert comparison.warnings() == ["no row has a single value of by=klin (check the field name): all rows were "
                                   "compared as one segment"]




@pytest.mark.parametrize("first", ["benign", "malignant"])
def test_default_positive_class_depends_on_the_set_of_labels_only(first):
    """malignant/benign: no "1", so the larger label as text (malignant), whatever comes first."""
    rows = malignant_benign_rows(first)
    result = by_metric(modelops.compare(rows, "a", "b", label="y", score1="sa", score2="sb", bootstrap=0))
    y = [r["y"] for r in rows]
    assert result["roc_auc"]["value_a"] == pytest.approx(
        skm.roc_auc_score([t == "malignant" for t in y], [r["sa"] for r in rows]), rel=1e-12)
    assert result["roc_auc"]["value_a"] > 0.5
    assert result["f1"]["value_a"] == pytest.approx(
        skm.f1_score(y, [r["a"] for r in rows], pos_label="malignant"), rel=1e-12)


def test_numeric_labels_compare_as_numbers():
    """Integer labels, float predictions (as | apply writes them): 1 and 1.0 are one class."""
    g = random.Random(12)
    y = [g.randint(0, 1) for _ in range(200)]
    pa = [t if g.random() < 0.96 else 1 - t for t in y]
    pb = [t if g.random() < 0.9 else 1 - t for t in y]
    rows = [{"y": str(t), "a": "%.1f" % p, "b": "%.1f" % q} for t, p, q in zip(y, pa, pb)]
    result = by_metric(modelops.compare(rows, "a", "b", label="y", bootstrap=0))
    assert result["accuracy"]["value_a"] == pytest.approx(skm.accuracy_score(y, [float(p) for p in pa]), rel=1e-12)
    assert result["accuracy"]["value_a"] > 0.9
    assert result["f1"]["value_b"] == pytest.approx(skm.f1_score(y, [float(p) for p in pb]), rel=1e-12)




def test_each_model_is_averaged_over_its_own_labels():
    """A perfect model scores 1.0 even when the other predicts a class nobody else has."""
    rows = multiclass_rows()
    for r in rows:
        r["a"] = r["y"]
    result = by_metric(modelops.compare(rows, "a", "b", label="y", bootstrap=0))
    assert result["f1"]["value_a"] == 1.0
    y, b = [r["y"] for r in rows], [r["b"] for r in rows]
    assert "overburnt" in b
    assert result["f1"]["value_b"] == pytest.approx(skm.f1_score(y, b, average="macro", zero_division=0), rel=1e-12)


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_average_option_equals_sklearn(average):
    rows = multiclass_rows(seed=14)
    result = by_metric(modelops.compare(rows, "a", "b", label="y", average=average, bootstrap=0))
    y = [r["y"] for r in rows]
    for side, field in (("value_a", "a"), ("value_b", "b")):
        pred = [r[field] for r in rows]
        for metric, fn in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
            assert result[metric][side] == pytest.approx(fn(y, pred, average=average, zero_division=0), rel=1e-12)


# --- forecast mode (issue 17) ---------------------------------------------------------------------




@pytest.mark.parametrize("h", [1, 3, 24])
def test_forecast_mode_matches_sklearn_sktime_and_dieboldmariano(h):
    from dieboldmariano import dm_test

    rows, (y, a, b) = forecast_rows(seed=h)
    result = by_metric(modelops.compare(rows, "a", "b", label="y", task="forecast", horizon=h, seed=2))
    assert [m for m in result] == ["mae", "rmse", "smape", "_summary_"]
    assert result["mae"]["value_a"] == pytest.approx(skm.mean_absolute_error(y, a), rel=1e-12)
    assert result["rmse"]["value_b"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, b)), rel=1e-12)
    assert result["smape"]["value_b"] == pytest.approx(sktime_smape(y, b), rel=1e-12)
    losses = {"mae": lambda u, v: abs(u - v), "rmse": lambda u, v: (u - v) ** 2,
              "smape": lambda u, v: abs(u - v) / (max(abs(u) + abs(v), np.finfo(float).eps) / 2)}
    for metric, loss in losses.items():
        statistic, p = dm_test(y, a, b, loss=loss, h=h, harvey_correction=True)  # rows in time order
        assert result[metric]["test"] == "diebold_mariano"
        assert result[metric]["statistic"] == pytest.approx(-statistic, rel=1e-6)  # ours is for b - a
        assert result[metric]["p_value"] == pytest.approx(p, rel=1e-6)
        assert result[metric]["ci_low"] <= result[metric]["delta"] <= result[metric]["ci_high"]
    p_values = [result[k]["p_value"] for k in ("mae", "rmse", "smape")]
    assert [result[k]["p_holm"] for k in ("mae", "rmse", "smape")] == pytest.approx(
        list(multipletests(p_values, method="holm")[1]), rel=1e-12)
    assert result["_summary_"]["test"] == "primary=mae"


def test_forecast_intervals_are_a_moving_block_bootstrap():
    """An independent implementation of the moving-block bootstrap (block length max(h, round(n^(1/3))),
    blocks of consecutive rows in time order, same random stream) gives the same interval."""
    rows, (y, a, b) = forecast_rows(n=150, seed=4)
    h = 3
    result = by_metric(modelops.compare(rows, "a", "b", label="y", task="forecast", horizon=h, seed=9,
                                        bootstrap=200, alpha=0.1))
    length = max(h, round(150 ** (1 / 3)))
    assert length == 5
    g = random.Random(9)
    deltas = []
    for _ in range(200):
        starts = [g.randint(0, 150 - length) for _ in range(-(-150 // length))]
        picks = [s + i for s in starts for i in range(length)][:150]
        deltas.append(np.mean([abs(y[i] - b[i]) for i in picks]) - np.mean([abs(y[i] - a[i]) for i in picks]))
    assert result["mae"]["ci_low"] == pytest.approx(np.quantile(deltas, 0.05), rel=1e-9)
    assert result["mae"]["ci_high"] == pytest.approx(np.quantile(deltas, 0.95), rel=1e-9)


def test_forecast_rows_follow_time_not_arrival():
    rows, _ = forecast_rows(n=120, seed=5)
    shuffled = list(rows)
    random.Random(1).shuffle(shuffled)
    first = modelops.compare(rows, "a", "b", label="y", task="forecast", horizon=3, bootstrap=100)
    assert modelops.compare(shuffled, "a", "b", label="y", task="forecast", horizon=3, bootstrap=100) == first


def test_forecast_non_positive_long_run_variance_is_insufficient_data():
    from modelops.engine.compare import compare_rows

    g = random.Random(2)
    rows = []
    for t in range(100):  # loss differential alternates in sign: gamma0 + 2 gamma1 < 0 at horizon 2
        wobble = g.gauss(0, 0.01)
        rows.append({"_time": t, "y": 0.0, "a": 1.0 + wobble if t % 2 else 0.0, "b": 0.0 if t % 2 else 1.0 + wobble})
    comparison = compare_rows(rows, "a", "b", label="y", task="forecast", horizon=2, bootstrap=0)
    mae = by_metric(comparison.result())["mae"]
    assert mae["test"] == "diebold_mariano" and mae["p_value"] == "" and mae["winner"] == "insufficient_data"
    assert any(w.startswith("mae: the long-run variance of the loss differential is not positive")
               for w in comparison.warnings())


def test_dm_keeps_its_size_where_the_paired_t_test_does_not():
    """Equally good 5-step-ahead forecasts (MA(4) errors, independent between models): how often each
    test calls a difference at 5%. The README reports these two rates."""
    def ma_errors(g, n, h):
        shocks = [g.gauss(0, 1) for _ in range(n + h - 1)]
        return [sum(shocks[t:t + h]) for t in range(n)]

    g = random.Random(42)
    h, n, runs = 5, 150, 300
    t_rejects = dm_rejects = 0
    for _ in range(runs):
        y = [100 + g.gauss(0, 5) for _ in range(n)]
        ea, eb = ma_errors(g, n, h), ma_errors(g, n, h)
        rows = [{"_time": i, "y": t, "a": t + x, "b": t + z} for i, (t, x, z) in enumerate(zip(y, ea, eb))]
        mae = by_metric(modelops.compare(rows, "a", "b", label="y", task="forecast", horizon=h, bootstrap=0))["mae"]
        dm_rejects += mae["p_value"] != "" and mae["p_value"] < 0.05
        t_rejects += stats.ttest_rel(np.abs(eb), np.abs(ea)).pvalue < 0.05
    assert t_rejects / runs > 0.2  # measured 0.273: the paired t-test claims a winner one time in four
    assert dm_rejects / runs < 0.08  # measured 0.050: Diebold-Mariano keeps its 5% size


@pytest.mark.parametrize("call, message", [
    (lambda: modelops.compare(forecast_rows(10)[0], "a", "b", label="y", task="forecast", horizon=10),
     "horizon=10 needs more than 10 rows"),
    (lambda: modelops.compare(forecast_rows(10)[0], "a", "b", label="y", horizon=2), "horizon= applies with task"),
    (lambda: modelops.compare(forecast_rows(10)[0], "a", "b", label="y", task="forecast", horizon=0), "horizon must"),
    (lambda: modelops.compare([{"y": 1.0, "a": 2.0, "b": 3.0}] * 200000, "a", "b", label="y", task="forecast",
                              horizon=100), "too much work for the long-run variance"),
])
def test_forecast_bad_input_is_one_sentence(call, message):
    with pytest.raises(ModelOpsError, match=message):
        call()


# --- the map phase (issue 16): partial rows merge into exactly the raw result ---------------------------

def _map_cases():
    binary = as_splunk_cells(binary_rows(n=400, seed=4))
    scores = dict(label="label", score_a="sa", score_b="sb", bootstrap=40, seed=2)
    forecast = as_splunk_cells(forecast_rows(n=300)[0])
    regression = as_splunk_cells(regression_rows())
    growing = [{"y": str(i // 2), "a": str(i // 2 + (i % 3 == 0)), "b": str(i // 2)} for i in range(2400)]
    return {
        "binary+scores": (binary, ("pa", "pb"), scores),
        "binary+scores by=": (dirty(binary, ["label", "pa", "sa", "kiln"]), ("pa", "pb"), dict(scores, by="kiln")),
        "multiclass": (dirty(as_splunk_cells(multiclass_rows(n=500)), ["y", "a", "b"]), ("a", "b"),
                       dict(label="y", bootstrap=30)),
        "regression inferred by=": (dirty(regression, ["y", "a", "k"], share=0.02), ("a", "b"),
                                    dict(label="y", bootstrap=20, by="k")),
        "regression": (regression, ("a", "b"), dict(label="y", task="regression", bootstrap=20)),
        "forecast": (dirty(forecast, ["y", "a", "_time"]), ("a", "b"),
                     dict(label="y", task="forecast", horizon=3, bootstrap=30)),
        "classes growing past 1000": (growing, ("a", "b"), dict(label="y", bootstrap=0)),
    }


def _mapped(rows, chunk, model_a, model_b, **options):
    from modelops.engine.compare import compare_map

    out = []
    for start in range(0, len(rows), chunk):
        out.extend(compare_map(rows[start:start + chunk], model_a, model_b, **options))
    return out


@pytest.mark.parametrize("case", list(_map_cases()))
@pytest.mark.parametrize("partial_rows", [5, 4096])
def test_map_partials_merge_to_exactly_the_raw_result(case, partial_rows, monkeypatch):
    from modelops.engine.compare import compare_rows, partial

    rows, (model_a, model_b), options = _map_cases()[case]
    raw = compare_rows(rows, model_a, model_b, **options)
    expected, warnings = raw.result(), raw.warnings()
    monkeypatch.setattr(partial, "PARTIAL_ROWS", partial_rows)
    for chunk in (1, 7, 333, len(rows)):
        mapped = _mapped(rows, chunk, model_a, model_b, **options)
        if chunk > partial_rows and case != "classes growing past 1000":
            assert all(partial.PARTIAL in row for row in mapped)  # compact partials, not raw rows
            assert len(mapped) < len(rows) / 2
        merged = compare_rows([], model_a, model_b, **options)
        merged.add_rows(mapped)
        assert merged.result() == expected, (case, chunk)
        assert merged.warnings() == warnings


def test_map_phase_values_equal_sklearn():
    from modelops.engine.compare import compare_rows

    rows = as_splunk_cells(binary_rows(n=600, seed=8))
    merged = compare_rows([], "pa", "pb", label="label", score_a="sa", score_b="sb",
                                                  bootstrap=0)
    merged.add_rows(_mapped(rows, 250, "pa", "pb", label="label", score_a="sa", score_b="sb", bootstrap=0))
    got = by_metric(merged.result())
    y = [int(r["label"]) for r in rows]
    assert got["roc_auc"]["value_a"] == pytest.approx(skm.roc_auc_score(y, [float(r["sa"]) for r in rows]), rel=1e-12)
    assert got["accuracy"]["value_b"] == pytest.approx(skm.accuracy_score(y, [int(r["pb"]) for r in rows]), rel=1e-12)
    assert got["f1"]["value_a"] == pytest.approx(skm.f1_score(y, [int(r["pa"]) for r in rows]), rel=1e-12)


def test_raw_and_partial_rows_mixed_give_the_raw_result():
    from modelops.engine.compare import compare_rows

    rows = as_splunk_cells(binary_rows(n=500, seed=9))
    options = dict(label="label", score_a="sa", score_b="sb", bootstrap=30, by="kiln")
    expected = compare_rows(rows, "pa", "pb", **options).result()
    mixed = rows[:120] + _mapped(rows[120:300], 50, "pa", "pb", **options) + rows[300:]
    assert compare_rows(mixed, "pa", "pb", **options).result() == expected


def test_malformed_partial_rows_are_counted_not_trusted():
    from modelops.engine.compare import compare_rows, partial

    rows = as_splunk_cells(binary_rows(n=300, seed=10))
    options = dict(label="label", score_a="sa", score_b="sb", bootstrap=30)
    expected = compare_rows(rows, "pa", "pb", **options).result()
    mapped = _mapped(rows, 300, "pa", "pb", **options)
    good = mapped[0]
    forged = [dict(good, mo_y="!!"), dict(good, mo_rows="-1"), dict(good, mo_rows="301"),
              dict(good, mo_labels='["0", "1.0"]'), dict(good, mo_labels='["0"]'),
              dict(good, mo_fields='["label", "pa", "pb", null, null, null]'), dict(good, mo_compare_part="9"),
              dict(good, mo_segment='"K4"'), dict(good, mo_score_a=good["mo_score_b"][:40]),
              dict(good, mo_skipped="[[0, 1]]"), dict(good, mo_kind="floats"),
              # bounded work: a zlib bomb is refused after inflating at most one partial's worth, deep JSON too
              dict(good, mo_score_a=base64.b64encode(zlib.compress(bytes(80_000_000))).decode()),
              dict(good, mo_segment="[" * 100_000 + "]" * 100_000)]
    merged = compare_rows([], "pa", "pb", **options)
    merged.add_rows(forged + mapped)
    assert merged.result() == expected
    assert merged.warnings() == ["13 malformed map-phase rows (%s) were skipped" % partial.PARTIAL]
    assert compare_rows(forged, "pa", "pb", **options).bad_partials == 13


def test_map_forwards_runs_mode_events():
    events = [{"model_version": v, "metrics.f1": str(0.5 + i / 100)} for i, v in enumerate(["v1", "v2"] * 5)]
    assert _mapped(events, 3, "v1", "v2") == events


def test_packed_columns_round_trip_and_refuse_more_than_their_limit():
    from modelops.engine import partials

    values = [0.1, -2.5e300, 5e-324, 1.0 / 3.0]
    assert list(partials.unpack(partials.pack(values))) == values  # the same floats, bit for bit
    assert list(partials.unpack(partials.pack([3, 0, 70000], "i"), "i", 3)) == [3, 0, 70000]
    bomb = base64.b64encode(zlib.compress(bytes(80_000_000))).decode()
    assert len(partials.unpack(bomb)) == 10_000_000  # no limit: inflated whole
    with pytest.raises(ValueError, match="more than 4096 values"):
        partials.unpack(bomb, "d", 4096)
