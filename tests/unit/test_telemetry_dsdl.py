"""DSDL fit/apply wrappers, profiles and callbacks emit valid events with the right numbers."""

import math
import random
import sys
import types

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.ensemble import IsolationForest, RandomForestClassifier

import modelops
from modelops.client.telemetry import client as client_module
from modelops.client.telemetry.client import Telemetry
from modelops.client.telemetry.config import TelemetryConfig
from modelops.client.telemetry.profile import OTHER, current_profile, reference_profile
from modelops.engine.drift import DriftAccumulator
from modelops.schema import validate_event
from modelops.stats.twosample import psi, shares
from tests.telemetry_fakes import CollectingSender


@pytest.fixture
def sink(tmp_path, monkeypatch):
    sender = CollectingSender()
    telemetry = Telemetry(TelemetryConfig(spool_dir=str(tmp_path / "spool")), sender=sender)
    monkeypatch.setattr(client_module, "_default", telemetry)
    monkeypatch.setenv("MODELOPS_MODEL_DIR", str(tmp_path / "models"))
    return sender


def kiln_frame(n, shift=0.0, seed=0):
    g = np.random.default_rng(seed)
    return pd.DataFrame({"temp": g.normal(1450 + 30 * shift, 10, n), "o2": g.normal(2.1, 0.3, n),
                         "fuel": g.choice(["coal", "petcoke"], n), "label": (g.random(n) < 0.1).astype(int)})


def param(model_name="Horno4_IF_v2", algo="kiln_iforest", features=("temp", "o2"), target=()):
    return {"options": {"model_name": model_name, "params": {"mode": "fit", "algo": algo, "contamination": "'0.05'"},
                        "algo_name": "MLTKContainer"},
            "feature_variables": list(features), "target_variables": list(target)}


@modelops.track_fit
def fit_iforest(model, df, param):
    model.fit(df[param["feature_variables"]])
    return {"message": "trained", "n_estimators": 50}


@modelops.track_apply
def apply_iforest(model, df, param):
    return pd.DataFrame({"anomaly": model.predict(df[param["feature_variables"]])})


def test_fit_and_apply_emit_valid_events_with_dsdl_fields(sink):
    model = IsolationForest(n_estimators=50, random_state=0)
    reference = kiln_frame(500)
    fit_iforest(model, reference, param())
    current = kiln_frame(300, shift=1.0, seed=1)
    out = apply_iforest(model, current, param())
    for event in sink.events():
        assert validate_event(event) == [], event
    fit_run = sink.events("fit_run")[0]
    assert (fit_run["model_family"], fit_run["model_version"], fit_run["algo"]) == ("Horno4_IF", "v2", "kiln_iforest")
    assert fit_run["params"] == {"contamination": "0.05"} and fit_run["metrics"] == {"n_estimators": 50.0}
    assert (fit_run["n_rows"], fit_run["features"], fit_run["status"]) == (500, ["temp", "o2"], "ok")
    apply_run = sink.events("apply_run")[0]
    expected_rate = float((out["anomaly"] == -1).mean())
    assert apply_run["prediction_summary"]["anomaly_rate"] == pytest.approx(expected_rate)
    profiles = sink.events("profile")
    assert [(p["role"], p["feature"]) for p in profiles] == [
        ("reference", "temp"), ("reference", "o2"), ("current", "temp"), ("current", "o2")]
    assert all(p["run_id"] == fit_run["run_id"] for p in profiles[:2])
    assert all(p["run_id"] == apply_run["run_id"] for p in profiles[2:])


def test_errors_are_reported_and_reraised_unchanged(sink):
    class Boom(RuntimeError):
        pass

    @modelops.track_fit
    def fit(model, df, param):
        raise Boom("kiln data has no rows after resample")

    with pytest.raises(Boom, match="no rows after resample"):
        fit(None, kiln_frame(5), param())
    event = sink.events("fit_run")[0]
    assert event["status"] == "error" and event["error"] == "Boom: kiln data has no rows after resample"
    assert validate_event(event) == []
    assert sink.events("profile") == []


def test_apply_computes_metrics_when_the_ground_truth_is_present(sink):
    df = kiln_frame(400, seed=4)
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(df[["temp", "o2"]], df["label"])

    @modelops.track_apply
    def apply(model, df, param):
        return pd.DataFrame({"prediction": model.predict(df[["temp", "o2"]]),
                             "probability": model.predict_proba(df[["temp", "o2"]])[:, 1]})

    test = kiln_frame(300, seed=5)
    out = apply(model, test, param(target=["label"]))
    metrics = sink.events("apply_run")[0]["metrics"]
    assert metrics["accuracy"] == pytest.approx(skm.accuracy_score(test["label"], out["prediction"]))
    assert metrics["f1"] == pytest.approx(skm.f1_score(test["label"], out["prediction"], zero_division=0))
    assert metrics["roc_auc"] == pytest.approx(skm.roc_auc_score(test["label"], out["probability"]))


def test_training_steps_inside_fit_belong_to_the_fit_run(sink):
    @modelops.track_fit
    def fit(model, df, param):
        logger = modelops.TrainingLogger()
        for epoch in range(3):
            logger.on_epoch_end(epoch, loss=1.0 / (epoch + 1), val_loss=float("nan"))
        return types.SimpleNamespace(history={"loss": [1.0, 0.5, 0.33], "val_loss": [1.1, 0.6, 0.4]})

    fit(None, kiln_frame(20), param(model_name="Horno4_AE_v3"))
    steps = sink.events("training_step")
    run = sink.events("fit_run")[0]
    assert [s["epoch"] for s in steps] == [0, 1, 2]
    assert all(s["run_id"] == run["run_id"] and s["model_name"] == "Horno4_AE_v3" for s in steps)
    assert steps[1]["metrics"] == {"loss": 0.5, "val_loss": None}  # NaN becomes null
    assert run["metrics"] == {"loss": 0.33, "val_loss": 0.4}
    assert all(validate_event(e) == [] for e in steps)


def test_keras_callback_with_a_keras_like_module(sink, monkeypatch):
    # TensorFlow is not installed here; this checks our subclassing and hook against Keras' interface.
    class Callback:
        pass

    fake = types.ModuleType("keras")
    fake.callbacks = types.SimpleNamespace(Callback=Callback)
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    monkeypatch.setitem(sys.modules, "keras", fake)
    callback = modelops.keras_callback("Molino_CNN_v1")
    assert isinstance(callback, Callback)
    callback.on_epoch_end(4, {"loss": 0.25, "mae": 0.1})
    step = sink.events("training_step")[0]
    assert (step["epoch"], step["metrics"], step["model_version"]) == (4, {"loss": 0.25, "mae": 0.1}, "v1")


def test_log_metrics_is_seed_compatible(sink):
    event = modelops.log_metrics("Horno4_AE_v3", r2_score=0.91, mae=np.float64(3.5), note="text is dropped")
    assert event["metrics"] == {"r2": 0.91, "mae": 3.5}
    assert validate_event(event) == []


# --- profiles ---------------------------------------------------------------------------------


def test_reference_profile_uses_numpy_deciles_and_counts():
    g = random.Random(3)
    values = [g.gauss(0, 1) for _ in range(1000)] + [None, float("nan"), ""]
    profile = reference_profile("temp", values)
    finite = np.array([v for v in values if isinstance(v, float) and math.isfinite(v)])
    assert profile["edges"] == pytest.approx(np.quantile(finite, np.linspace(0, 1, 11)).tolist(), rel=1e-12)
    assert profile["n_null"] == 3 and profile["n"] == 1000 and sum(profile["counts"]) == 1000
    assert profile["counts"] == [100] * 10
    assert profile["std"] == pytest.approx(np.std(finite))


def test_current_profile_reuses_reference_bins_and_matches_raw_mode_psi():
    g = random.Random(8)
    ref = [g.gauss(0, 1) for _ in range(2000)]
    cur = [g.gauss(0.3, 1.2) for _ in range(700)]
    reference = reference_profile("x", ref)
    current = current_profile("x", cur, reference)
    assert current["edges"] == reference["edges"]
    expected_counts, _ = np.histogram(cur, bins=[-np.inf, *reference["edges"][1:-1], np.inf])
    assert current["counts"] == expected_counts.tolist()
    acc = DriftAccumulator(["x"], split_field="s")
    acc.add_rows([{"s": "reference", "x": v} for v in ref] + [{"s": "current", "x": v} for v in cur])
    raw = acc.result()[0]
    assert psi(shares(reference["counts"]), shares(current["counts"])) == pytest.approx(raw["psi"], rel=1e-12)


def test_categorical_and_few_value_profiles():
    reference = reference_profile("fuel", ["coal"] * 6 + ["rdf"] * 3 + ["petcoke"])
    assert (reference["kind"], reference["categories"], reference["counts"]) == (
        "categorical", ["coal", "rdf", "petcoke"], [6, 3, 1])
    current = current_profile("fuel", ["coal", "tyres", "tyres"], reference)
    assert current["categories"] == ["coal", "rdf", "petcoke", "tyres"] and current["counts"] == [1, 0, 0, 2]
    few = reference_profile("burners", [1, 2, 2, 3.0])
    assert (few["kind"], few["categories"], few["counts"]) == ("numeric", ["1", "2", "3"], [1, 2, 1])


def test_many_categories_fold_into_other():
    values = ["c%03d" % i for i in range(120)] + ["c000"] * 5
    reference = reference_profile("x", values)
    assert len(reference["categories"]) == 50 and reference["categories"][-1] == OTHER
    assert sum(reference["counts"]) == 125
    current = current_profile("x", ["new", "c000"], reference)
    assert current["counts"][current["categories"].index(OTHER)] == 1


def test_schema_validates_the_optional_apply_context(sink):
    model = IsolationForest(n_estimators=10, random_state=0)
    fit_iforest(model, kiln_frame(200), param())
    apply_iforest(model, kiln_frame(50, seed=3), param())
    apply_run = sink.events("apply_run")[0]
    assert apply_run["context"] == "apply" and validate_event(apply_run) == []
    for context, problems in [("fit", []), (None, []), ("training", ["context must be one of fit, apply or null"])]:
        assert validate_event(dict(apply_run, context=context)) == problems
    without = {k: v for k, v in apply_run.items() if k != "context"}
    assert validate_event(without) == []  # optional: events of older clients stay valid
    fit_run = sink.events("fit_run")[0]
    assert "context" not in fit_run
    assert validate_event(dict(fit_run, context="fit")) == ["only an apply_run has a context"]


def test_forecast_apply_reports_mase_and_interval_coverage(sink):
    g = np.random.default_rng(7)
    y_train = 1450 + np.cumsum(g.normal(0, 2, 60))
    model = {"y_train": y_train.tolist(), "season": 4}

    @modelops.track_apply(task="forecast", prediction_column="forecast",
                          metric_args=lambda model, param: {"y_train": model["y_train"], "season": model["season"]})
    def apply(model, df, param):
        level = model["y_train"][-1]
        return pd.DataFrame({"forecast": [level] * len(df), "lower": [level - 3.0] * len(df),
                             "upper": [level + 3.0] * len(df)})

    actual = y_train[-1] + np.cumsum(g.normal(0, 2, 12))
    df = pd.DataFrame({"temp": actual, "_time": np.arange(12.0)})
    df.loc[5, "temp"] = np.nan  # a row without its actual is left out of the metrics
    out = apply(model, df, param(features=["_time"], target=["temp"]))
    metrics = sink.events("apply_run")[0]["metrics"]
    keep = df["temp"].notna().to_numpy()
    t, p = df["temp"].to_numpy()[keep], out["forecast"].to_numpy()[keep]
    lo, hi = out["lower"].to_numpy()[keep], out["upper"].to_numpy()[keep]
    naive = np.mean(np.abs(y_train[4:] - y_train[:-4]))  # seasonal naive in-sample MAE, by hand
    assert metrics["mae"] == pytest.approx(skm.mean_absolute_error(t, p), rel=1e-12)
    assert metrics["rmse"] == pytest.approx(math.sqrt(skm.mean_squared_error(t, p)), rel=1e-12)
    assert metrics["mase"] == pytest.approx(skm.mean_absolute_error(t, p) / naive, rel=1e-12)
    assert metrics["coverage"] == pytest.approx(np.mean((lo <= t) & (t <= hi)))
    assert 0 < metrics["coverage"] < 1 and metrics["interval_width"] == pytest.approx(6.0)
    assert validate_event(sink.events("apply_run")[0]) == []


def test_interval_columns_count_only_for_forecasts(sink):
    @modelops.track_apply(task="regression", prediction_column="forecast")
    def apply(model, df, param):
        return pd.DataFrame({"forecast": df["temp"] + 1.0, "lower": df["temp"], "upper": df["temp"] + 2.0})

    df = kiln_frame(50, seed=8)
    apply(None, df, param(target=["temp"]))
    metrics = sink.events("apply_run")[0]["metrics"]
    assert "coverage" not in metrics and metrics["mae"] == pytest.approx(1.0)
