"""The SARIMAX forecast template exported the way DSDL exports it, then driven in DSDL's call order.

The reference is statsmodels' SARIMAX fitted directly here on the same series; the metrics are
recomputed with scikit-learn or by hand on the returned forecast."""

import json
import math
import os

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error
from statsmodels.tsa.statespace.sarimax import SARIMAX

from modelops.client.notebook import exported_source
from modelops.schema import validate_event
from tests.dsdl_container import dsdl_fit, exported_container

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOK = os.path.join(ROOT, "container", "notebooks", "ModelOps_Forecast_Template.ipynb")
ALGO = "ModelOps_Forecast_Template"
T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
HOUR = 3600.0
SEASON = 12
N_TRAIN, N_TEST = 96, 24


def kiln_temperature(n, seed=0):
    """Hourly kiln temperature: a 12-hour cycle plus AR(1) noise."""
    g = np.random.default_rng(seed)
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = 0.6 * noise[t - 1] + g.normal(0, 2.0)
    t = np.arange(n)
    return 1450 + 15 * np.sin(2 * np.pi * t / SEASON) + noise


def meta(model_name, mode="stage", **options):
    # what `| fit MLTKContainer mode=stage algo=... order="1,0,0" seasonal_order="1,0,0,12" temperature from _time
    # into app:NAME` writes as .json
    params = {"mode": mode, "algo": ALGO, "order": '"1,0,0"', "seasonal_order": '"1,0,0,%d"' % SEASON}
    params.update(options)
    return {"options": {"params": params, "args": ["temperature", "_time"], "feature_variables": ["_time"],
                        "target_variable": ["temperature"], "model_name": model_name, "algo_name": "MLTKContainer"},
            "feature_variables": ["_time"], "target_variables": ["temperature"]}


def frame(values, first_slot):
    return pd.DataFrame({"_time": T0 + HOUR * (first_slot + np.arange(len(values))), "temperature": values})


@pytest.fixture
def container(tmp_path, monkeypatch):
    module, sender, _model_dir, work = exported_container(NOTEBOOK, tmp_path, monkeypatch)
    return module, sender, work


@pytest.fixture(scope="module")
def reference():
    """statsmodels directly: SARIMAX(1,0,0)(1,0,0,12) on the training hours minus their mean (the
    template's documented centring), predictions shifted back by that mean."""
    y = kiln_temperature(N_TRAIN + N_TEST + 6, seed=11)
    level = y[:N_TRAIN].mean()
    results = SARIMAX(y[:N_TRAIN] - level, order=(1, 0, 0), seasonal_order=(1, 0, 0, SEASON)).fit(disp=False,
                                                                                                   maxiter=200)
    return y, level, results


def interval(prediction, level, alpha=0.05):
    bounds = np.asarray(prediction.conf_int(alpha=alpha)) + level
    return np.asarray(prediction.predicted_mean) + level, bounds[:, 0], bounds[:, 1]


def hand_metrics(actual, forecast, lower, upper, y_train):
    naive = np.mean(np.abs(y_train[SEASON:] - y_train[:-SEASON]))
    return {"mae": mean_absolute_error(actual, forecast), "rmse": math.sqrt(mean_squared_error(actual, forecast)),
            "mase": mean_absolute_error(actual, forecast) / naive,
            "smape": np.mean(np.abs(actual - forecast) / ((np.abs(actual) + np.abs(forecast)) / 2)),
            "bias": np.mean(forecast - actual), "coverage": np.mean((lower <= actual) & (actual <= upper)),
            "interval_width": np.mean(upper - lower)}


def assert_metrics(reported, expected):
    for name, value in expected.items():
        assert reported[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name


def test_forecast_template_runs_dsdl_call_order_against_statsmodels(container, reference):
    module, sender, work = container
    y, level, results = reference
    y_train = y[:N_TRAIN]
    # staged as Splunk returns it: newest first
    staged = frame(y_train, 0).iloc[::-1]
    staged.to_csv(work / "data" / "Kiln4_Temp_v1.csv", index=False)
    (work / "data" / "Kiln4_Temp_v1.json").write_text(json.dumps(meta("Kiln4_Temp_v1")))
    df, param = module.stage("Kiln4_Temp_v1")
    out, name = dsdl_fit(module, df, param)

    # /fit's apply on the training frame: one-step-ahead in-sample predictions, row for row (newest first)
    mean, lower, upper = interval(results.get_prediction(), level)
    assert list(out.columns) == ["forecast", "lower", "upper", "horizon"] and len(out) == N_TRAIN
    np.testing.assert_allclose(out["forecast"].to_numpy()[::-1], mean, rtol=1e-6)
    np.testing.assert_allclose(out["lower"].to_numpy()[::-1], lower, rtol=1e-6)
    np.testing.assert_allclose(out["upper"].to_numpy()[::-1], upper, rtol=1e-6)
    assert out["horizon"].tolist() == list(range(0, -N_TRAIN, -1))

    fit_run = sender.events("fit_run")[0]
    assert fit_run["params"] == {"order": "1,0,0", "seasonal_order": "1,0,0,12", "trend": "n"}
    assert fit_run["model_version"] == "v1" and fit_run["status"] == "ok"
    assert fit_run["metrics"]["aic"] == pytest.approx(results.aic, rel=1e-6)
    assert fit_run["metrics"]["bic"] == pytest.approx(results.bic, rel=1e-6)
    assert fit_run["metrics"]["converged"] == 1.0 and fit_run["metrics"]["n_observations"] == N_TRAIN
    in_sample = hand_metrics(y_train, mean, lower, upper, y_train)
    assert_metrics(fit_run["metrics"], in_sample)
    assert 0.8 < fit_run["metrics"]["coverage"] <= 1.0  # a 95% interval on the data it was fitted on

    # /apply: load on every call, then apply; the next day's hours, shuffled, with their actuals
    shuffle = np.random.default_rng(3).permutation(N_TEST)
    future = frame(y[N_TRAIN:N_TRAIN + N_TEST], N_TRAIN).iloc[shuffle].reset_index(drop=True)
    applied = module.apply(module.load(name), future, param)
    f_mean, f_lower, f_upper = interval(results.get_forecast(N_TEST + 6), level)
    np.testing.assert_allclose(applied["forecast"], f_mean[:N_TEST][shuffle], rtol=1e-6)
    np.testing.assert_allclose(applied["lower"], f_lower[:N_TEST][shuffle], rtol=1e-6)
    np.testing.assert_allclose(applied["upper"], f_upper[:N_TEST][shuffle], rtol=1e-6)
    assert applied["horizon"].tolist() == (shuffle + 1).tolist()
    apply_run = sender.events("apply_run")[-1]
    expected = hand_metrics(future["temperature"].to_numpy(), applied["forecast"].to_numpy(),
                            applied["lower"].to_numpy(), applied["upper"].to_numpy(), y_train)
    assert_metrics(apply_run["metrics"], expected)

    # /apply without actuals (future hours): a forecast, no metrics
    later = pd.DataFrame({"_time": T0 + HOUR * np.arange(N_TRAIN + N_TEST, N_TRAIN + N_TEST + 6)})
    blind = module.apply(module.load(name), later, param)
    np.testing.assert_allclose(blind["forecast"], f_mean[N_TEST:], rtol=1e-6)
    assert sender.events("apply_run")[-1]["metrics"] == {}

    # the apply inside /fit is on the training frame: context=fit; the rest are real applies
    assert [e["context"] for e in sender.events("apply_run")] == ["fit", "apply", "apply"]
    assert [e["event_type"] for e in sender.events()].count("fit_run") == 1 and sender.events("profile") == []
    for event in sender.events():
        assert validate_event(event) == [], event


def test_without_time_the_rows_are_the_steps_after_training(container, reference):
    module, sender, _ = container
    y, level, results = reference
    param = meta("Kiln4_Temp_v2", mode="fit")
    param["feature_variables"] = param["options"]["feature_variables"] = []
    training = pd.DataFrame({"temperature": y[:N_TRAIN]})
    out, name = dsdl_fit(module, training, param)
    np.testing.assert_allclose(out["forecast"], results.get_prediction().predicted_mean + level, rtol=1e-6)
    ahead = module.apply(module.load(name), pd.DataFrame({"temperature": y[N_TRAIN:N_TRAIN + 5]}), param)
    np.testing.assert_allclose(ahead["forecast"], results.get_forecast(5).predicted_mean + level, rtol=1e-6)
    assert ahead["horizon"].tolist() == [1, 2, 3, 4, 5]


def test_bad_rows_fail_with_one_clear_sentence_and_an_error_run(container, reference):
    module, sender, _ = container
    y, _, _ = reference
    param = meta("Kiln4_Temp_v3", mode="fit")
    _, name = dsdl_fit(module, frame(y[:N_TRAIN], 0), param)
    off_grid = pd.DataFrame({"_time": [T0 + HOUR * N_TRAIN + 600.0]})
    with pytest.raises(ValueError, match="_time is not on the training grid of 3600 s"):
        module.apply(module.load(name), off_grid, param)
    assert sender.events("apply_run")[-1]["status"] == "error"
    with pytest.raises(ValueError, match="max_horizon=10000"):
        module.apply(module.load(name), pd.DataFrame({"_time": [T0 + HOUR * (N_TRAIN + 20000)]}), param)
    bad = meta("Kiln4_Temp_v4", mode="fit", order='"1,0"')
    with pytest.raises(ValueError, match="option order=1,0 needs 3 comma-separated non-negative integers"):
        module.init(frame(y[:N_TRAIN], 0), bad)


def test_export_keeps_only_mltkc_cells_in_order():
    source = exported_source(NOTEBOOK)
    order = [source.index("# %s" % n) for n in ("mltkc_import", "mltkc_stage", "mltkc_init", "mltkc_fit",
                                                "mltkc_apply", "mltkc_save", "mltkc_load", "mltkc_summary")]
    assert order == sorted(order)
    assert "Local dry run" not in source and "# ModelOps forecast template" not in source


def test_iso_times_with_a_gap_are_filtered_as_missing_values(container, reference):
    module, sender, _ = container
    y, _, _ = reference
    gap = [40, 41, 42]
    series = y[:N_TRAIN].copy()
    series[gap] = np.nan
    level = np.nanmean(series)
    direct = SARIMAX(series - level, order=(1, 0, 0), seasonal_order=(1, 0, 0, SEASON)).fit(disp=False, maxiter=200)
    kept = [i for i in range(N_TRAIN) if i not in gap]
    stamps = pd.to_datetime(T0 + HOUR * np.array(kept), unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    training = pd.DataFrame({"_time": stamps, "temperature": y[kept]})
    out, _ = dsdl_fit(module, training, meta("Kiln4_Temp_v5", mode="fit"))
    mean, _, _ = interval(direct.get_prediction(), level)
    np.testing.assert_allclose(out["forecast"], mean[kept], rtol=1e-6)
    fit_run = sender.events("fit_run")[0]
    assert fit_run["metrics"]["n_observations"] == N_TRAIN - 3
    assert fit_run["metrics"]["aic"] == pytest.approx(direct.aic, rel=1e-6)
    # MASE is scaled on the observed training values in time order (the gap closed up)
    observed = y[kept]
    naive = np.mean(np.abs(observed[SEASON:] - observed[:-SEASON]))
    assert fit_run["metrics"]["mase"] == pytest.approx(mean_absolute_error(observed, mean[kept]) / naive, rel=1e-6)
