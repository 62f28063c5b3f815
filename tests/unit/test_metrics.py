"""Metrics equal scikit-learn's on the same data."""

import math
import random

import numpy as np
import pytest
from sklearn import metrics as skm

from modelops import metrics as m
from tests.compare_builders import sktime_mase, sktime_smape


def rng(seed):
    return random.Random(seed)


@pytest.mark.parametrize("seed", range(5))
def test_binary_classification_matches_sklearn(seed):
    g = rng(seed)
    y_true = [g.randint(0, 1) for _ in range(200)]
    y_score = [min(1.0, max(0.0, 0.3 * t + g.random() * 0.7)) for t in y_true]
    y_pred = [int(s > 0.5) for s in y_score]
    got = m.calculate_all_metrics(y_true, y_pred, y_score=y_score)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred), rel=1e-12)
    assert got["precision"] == pytest.approx(skm.precision_score(y_true, y_pred, zero_division=0), rel=1e-12)
    assert got["recall"] == pytest.approx(skm.recall_score(y_true, y_pred, zero_division=0), rel=1e-12)
    assert got["f1"] == pytest.approx(skm.f1_score(y_true, y_pred, zero_division=0), rel=1e-12)
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y_true, y_score), rel=1e-12)
    assert got["log_loss"] == pytest.approx(skm.log_loss(y_true, y_score), rel=1e-9)


def test_tied_scores_in_auc_match_sklearn():
    y_true = [0, 0, 1, 1, 0, 1, 1, 0]
    y_score = [0.1, 0.5, 0.5, 0.9, 0.5, 0.1, 0.7, 0.7]
    assert m.roc_auc(y_true, y_score) == pytest.approx(skm.roc_auc_score(y_true, y_score), rel=1e-12)


def test_string_labels_and_multiclass_macro_match_sklearn():
    g = rng(9)
    classes = ["clinker_ok", "free_lime_high", "underburnt"]
    y_true = [g.choice(classes) for _ in range(300)]
    y_pred = [t if g.random() < 0.7 else g.choice(classes) for t in y_true]
    got = m.calculate_all_metrics(y_true, y_pred)
    for key, fn in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
        assert got[key] == pytest.approx(fn(y_true, y_pred, average="macro", zero_division=0), rel=1e-12)
    assert "roc_auc" not in got and "r2" not in got


def test_zero_division_is_zero_like_sklearn():
    y_true, y_pred = [0, 0, 0, 0], [0, 0, 0, 0]
    p, r, f = m.precision_recall_f1(y_true, y_pred)
    assert (p, r, f) == (skm.precision_score(y_true, y_pred, zero_division=0),
                         skm.recall_score(y_true, y_pred, zero_division=0),
                         skm.f1_score(y_true, y_pred, zero_division=0)) == (0.0, 0.0, 0.0)


def test_multiclass_with_a_label_only_predicted():
    y_true, y_pred = [1, 2, 2, 3], [1, 2, 4, 3]
    p, r, f = m.precision_recall_f1(y_true, y_pred)
    assert p == pytest.approx(skm.precision_score(y_true, y_pred, average="macro", zero_division=0))
    assert r == pytest.approx(skm.recall_score(y_true, y_pred, average="macro", zero_division=0))
    assert f == pytest.approx(skm.f1_score(y_true, y_pred, average="macro", zero_division=0))


@pytest.mark.parametrize("seed", range(4))
def test_regression_matches_sklearn(seed):
    g = rng(seed)
    y_true = [g.gauss(100, 20) for _ in range(150)]
    y_pred = [t + g.gauss(0, 5) for t in y_true]
    got = m.calculate_all_metrics(y_true, y_pred, task="regression")
    assert got["r2"] == pytest.approx(skm.r2_score(y_true, y_pred), rel=1e-10)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y_true, y_pred), rel=1e-12)
    assert got["mse"] == pytest.approx(skm.mean_squared_error(y_true, y_pred), rel=1e-12)
    assert got["rmse"] == pytest.approx(math.sqrt(skm.mean_squared_error(y_true, y_pred)), rel=1e-12)
    assert got["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y_true, y_pred), rel=1e-12)
    assert set(got) == {"r2", "mae", "mse", "rmse", "mape"}


def test_regression_edge_cases_match_sklearn():
    assert m.r2([3, 3, 3], [3, 3, 3]) == skm.r2_score([3, 3, 3], [3, 3, 3])
    assert m.r2([3, 3, 3], [3, 3, 4]) == skm.r2_score([3, 3, 3], [3, 3, 4])
    assert m.mape([0.0, 1.0], [1.0, 1.0]) == pytest.approx(skm.mean_absolute_percentage_error([0.0, 1.0], [1.0, 1.0]))
    with pytest.raises(ValueError, match="finite"):
        m.mae([1.0, float("nan")], [1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        m.mae([], [])
    with pytest.raises(ValueError, match="different lengths"):
        m.mae([1], [1, 2])


def test_task_inference():
    assert m.infer_task([0, 1, 1], [1, 1, 0]) == "classification"
    assert m.infer_task(["a", "b"], ["a", "a"]) == "classification"
    assert m.infer_task([1.5, 2.0], [1.4, 2.2]) == "regression"
    assert m.infer_task(list(range(30)), list(range(30))) == "regression"
    assert m.infer_task(np.array([0, 1]), np.array([1, 1])) == "classification"
    assert m.infer_task([0, 1, 0], [1, -1, 1]) == "anomaly"
    assert m.infer_task([-1, 1], [1, -1]) == "classification"


def test_anomaly_metrics_understand_isolation_forest_and_flags():
    y_pred = [1, 1, -1, 1, -1, 1, 1, 1]
    y_true = [0, 0, 1, 0, 0, 1, 0, 0]
    got = m.calculate_all_metrics(y_true, y_pred, task="anomaly")
    flags = [int(p == -1) for p in y_pred]
    assert got["anomaly_rate"] == 0.25
    assert got["precision"] == pytest.approx(skm.precision_score(y_true, flags))
    assert got["recall"] == pytest.approx(skm.recall_score(y_true, flags))
    assert got["f1"] == pytest.approx(skm.f1_score(y_true, flags))
    assert m.calculate_all_metrics(None, [0, 1, 0, 0], task="anomaly") == {"anomaly_rate": 0.25}
    scores = [0.1, 0.2, 0.9, 0.3, 0.8, 0.4, 0.2, 0.1]
    inferred = m.calculate_all_metrics(y_true, y_pred, y_score=scores)  # -1/1 against 0/1 means anomaly
    assert inferred["anomaly_rate"] == 0.25 and "accuracy" not in inferred
    assert inferred["roc_auc"] == pytest.approx(skm.roc_auc_score(y_true, scores))
    with pytest.raises(ValueError, match="-1/1"):
        m.anomaly_rate([0.2, 0.9])


def test_silhouette_matches_sklearn_with_and_without_numpy(monkeypatch):
    g = rng(3)
    X = [[g.gauss(c * 3, 1), g.gauss(-c, 1)] for c in (0, 1, 2) for _ in range(40)]
    labels = [c for c in (0, 1, 2) for _ in range(40)]
    labels[0] = 7  # a singleton cluster scores 0
    expected = skm.silhouette_score(np.array(X), labels)
    assert m.calculate_all_metrics(X, labels, task="clustering")["silhouette"] == pytest.approx(expected, rel=1e-10)
    import builtins

    real_import = builtins.__import__

    def no_numpy(name, *args, **kwargs):
        if name == "numpy":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_numpy)
    assert m.silhouette(X, labels) == pytest.approx(expected, rel=1e-10)


def test_directions_and_aliases():
    assert m.direction("f1_score") == "higher" and m.direction("val_loss") == "lower"
    assert m.direction("something_else") is None
    assert m.HIGHER_IS_BETTER.isdisjoint(m.LOWER_IS_BETTER)


def test_unknown_task_is_refused():
    with pytest.raises(ValueError, match="task must be one of"):
        m.calculate_all_metrics([1], [1], task="survival")


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_average_option_matches_sklearn(average):
    g = rng(21)
    y_true = [g.choice("abcd") for _ in range(250)]
    y_pred = [t if g.random() < 0.6 else g.choice("abcde") for t in y_true]
    got = m.calculate_all_metrics(y_true, y_pred, average=average)
    for key, fn in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
        assert got[key] == pytest.approx(fn(y_true, y_pred, average=average, zero_division=0), rel=1e-12)
    binary = m.calculate_all_metrics([0, 1, 1, 0, 1], [0, 1, 0, 0, 0], average=average)
    assert binary["f1"] == pytest.approx(skm.f1_score([0, 1, 1, 0, 1], [0, 1, 0, 0, 0], average=average))
    with pytest.raises(ValueError, match="average must be"):
        m.calculate_all_metrics(y_true, y_pred, average="samples")


def test_int_labels_and_float_predictions_are_one_class():
    g = rng(22)
    y_true = [g.randint(0, 1) for _ in range(100)]
    y_pred = [float(t) if g.random() < 0.96 else float(1 - t) for t in y_true]
    got = m.calculate_all_metrics(y_true, y_pred)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred), rel=1e-12)
    assert got["f1"] == pytest.approx(skm.f1_score(y_true, y_pred), rel=1e-12)


# --- forecast (issue 17) -------------------------------------------------------------------------
# sktime (1.2.0) pins pandas < 3.1, so it cannot join this venv (pandas 3.1); the oracles below are
# sktime's documented formulas written out with numpy: _percentage_error(symmetric=True) is
# |y - p| / (max(|y| + |p|, eps) / 2), and mean_absolute_scaled_error is
# mae(y_true, y_pred) / max(mae(y_train[sp:], y_train[:-sp]), eps), eps = numpy float64 eps.

@pytest.mark.parametrize("season", [1, 12])
def test_forecast_metrics_match_sktime_and_sklearn(season):
    g = rng(season)
    train = [50 + 10 * math.sin(t / 2) + g.gauss(0, 1) for t in range(120)]
    y_true = [50 + 10 * math.sin(t / 2) + g.gauss(0, 1) for t in range(120, 168)]
    y_pred = [t + g.gauss(0.3, 1.5) for t in y_true]
    lower = [p - 2.0 for p in y_pred]
    upper = [p + 2.0 for p in y_pred]
    upper[0] = y_true[0]  # a bound is inside
    q10 = [p - 1.3 for p in y_pred]
    q90 = [p + 1.3 for p in y_pred]
    got = m.calculate_all_metrics(y_true, y_pred, task="forecast", y_train=train, season=season, lower=lower,
                                  upper=upper, quantiles={0.1: q10, 0.9: q90})
    y, p = np.array(y_true), np.array(y_pred)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, p), rel=1e-9)
    assert got["rmse"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, p)), rel=1e-9)
    assert got["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, p), rel=1e-9)
    assert got["smape"] == pytest.approx(sktime_smape(y, p), rel=1e-9)
    assert got["mase"] == pytest.approx(sktime_mase(y, p, train, season), rel=1e-9)
    assert got["bias"] == pytest.approx(float(np.mean(p - y)), rel=1e-9)
    assert got["coverage"] == pytest.approx(float(np.mean((np.array(lower) <= y) & (y <= np.array(upper)))))
    assert got["interval_width"] == pytest.approx(float(np.mean(np.array(upper) - np.array(lower))), rel=1e-9)
    assert got["pinball_0.1"] == pytest.approx(skm.mean_pinball_loss(y, q10, alpha=0.1), rel=1e-9)
    assert got["pinball_0.9"] == pytest.approx(skm.mean_pinball_loss(y, q90, alpha=0.9), rel=1e-9)
    assert set(got) == {"mae", "rmse", "mape", "smape", "mase", "bias", "coverage", "interval_width", "pinball_0.1",
                        "pinball_0.9"}


def test_forecast_metrics_edge_cases():
    assert m.smape([0.0, 1.0], [0.0, 2.0]) == pytest.approx(sktime_smape([0.0, 1.0], [0.0, 2.0]))
    assert set(m.calculate_all_metrics([1.0, 2.0], [1.5, 2.5], task="forecast")) == {"mae", "rmse", "mape", "smape",
                                                                                     "bias"}
    with pytest.raises(ValueError, match="season"):
        m.mase([1.0], [1.0], [1.0, 2.0], season=2)
    with pytest.raises(ValueError, match="lower and upper"):
        m.calculate_all_metrics([1.0], [1.0], task="forecast", lower=[0.0])
    with pytest.raises(ValueError, match="quantile"):
        m.pinball([1.0], [1.0], 1.5)
