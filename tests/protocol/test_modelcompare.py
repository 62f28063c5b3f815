"""| modelcompare through the chunked protocol: both modes, chunk invariance, errors."""

import random

import pytest

import modelops
from tests.compare_builders import (
    as_splunk_cells,
    binary_rows,
    dirty,
    forecast_rows,
    malignant_benign_rows,
    multiclass_rows,
    regression_rows,
)
from tests.protocol import harness


def as_strings(rows):
    return [{k: "" if v == "" else str(v) for k, v in row.items()} for row in rows]


@pytest.fixture(scope="module")
def prediction_rows():
    return [{k: str(v) for k, v in row.items()} for row in binary_rows(n=1500, seed=21)]


ARGS = ["label=label", "score1=sa", "score2=sb", "seed=5", "bootstrap=200", "pa", "pb"]


@pytest.fixture(scope="module")
def baseline(prediction_rows):
    result = harness.run("modelcompare.py", ARGS, prediction_rows, chunk_size=100000)
    assert result.exit_code == 0 and result.errors() == [], result.messages
    return result


@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_same_result_whatever_the_chunking(prediction_rows, baseline, chunk_size):
    result = harness.run("modelcompare.py", ARGS, prediction_rows, chunk_size=chunk_size, map_partitions=2)
    assert result.exit_code == 0 and result.rows == baseline.rows


def test_rows_equal_the_notebook_engine(prediction_rows, baseline):
    expected = modelops.compare(prediction_rows, "pa", "pb", label="label", score1="sa", score2="sb", seed=5,
                                bootstrap=200)
    assert baseline.rows == as_strings(expected)
    assert [r["metric"] for r in baseline.rows] == ["accuracy", "precision", "recall", "f1", "roc_auc", "_summary_"]


def test_runs_mode_over_telemetry_fields():
    g = random.Random(3)
    rows = []
    for version, mean in (("v1", 0.80), ("v2", 0.84)):
        for i in range(8):
            rows.append({"event_type": "apply_run", "model_name": "Horno4_AE_" + version, "model_version": version,
                         "metrics.f1": "%.4f" % g.gauss(mean, 0.01), "metrics.loss": "%.4f" % g.gauss(0.2, 0.01),
                         "_time": str(1700000000 + i)})
    rows.append({"event_type": "apply_run", "model_version": "v7", "metrics.f1": "0.1"})
    result = harness.run("modelcompare.py", ["Horno4_AE_v1", "v2"], rows, chunk_size=3)
    assert result.exit_code == 0, result.messages
    by_metric = {r["metric"]: r for r in result.rows}
    assert by_metric["f1"]["winner"] == "v2" and by_metric["f1"]["n_a"] == "8"
    assert result.warnings() == ["1 rows belong to neither version and were ignored"]


def test_segments(prediction_rows):
    result = harness.run("modelcompare.py", ["label=label", "by=kiln", "bootstrap=50", "pa", "pb"], prediction_rows,
                         chunk_size=500)
    assert [(r["kiln"], r["metric"]) for r in result.rows if r["metric"] == "_summary_"] == [
        ("K4", "_summary_"), ("K5", "_summary_")]


@pytest.mark.parametrize("args, rows, message", [
    (["pa"], [{"pa": "1"}], "modelcompare: name the two versions (or prediction fields) to compare"),
    (["score1=sa", "v1", "v2"], [{"x": "1"}],
     "score1=, score2=, task=, pos_label=, average= and horizon= need label=<field>"),
    (["v1", "v1"], [{"model_version": "v1", "metrics.f1": "0.5"}],
     "name two different versions to compare (both are v1)"),
    (["label=label", "score1=proba_a", "score2=sb", "pa", "pb"], [{"label": "1", "pa": "1", "pb": "0", "sb": "0.2"}],
     "no row has label, pa, pb, proba_a and sb all set (missing or not a number in every row: proba_a)"),
    (["label=label", "pa", "pb"], [{"label": "1", "pa": "1", "pb": "0"}] * 10, "has one class only"),
    (["v1", "v9"], [{"model_version": "v1", "metrics.f1": "0.5"}], "no run of v9 in the input"),
    (["label=label", "by={k}", "pa", "pb"], [{"label": "1", "pa": "1", "pb": "1"}], "{k}="),
])
def test_bad_input_is_one_sentence(args, rows, message):
    result = harness.run("modelcompare.py", args, rows, chunk_size=3)
    assert result.exit_code != 0 and len(result.errors()) == 1, result.messages
    assert message in result.errors()[0] and "Traceback" not in result.errors()[0]


def test_missing_values_are_counted_and_skipped_with_a_warning(prediction_rows):
    rows = prediction_rows[:300] + [{"label": "1", "pa": "", "pb": "1", "sa": "0.1", "sb": "0.2"}] * 4
    result = harness.run("modelcompare.py", ARGS, rows, chunk_size=50)
    assert result.exit_code == 0
    assert result.warnings() == ["4 rows were skipped: a value was missing or not a number (pa in 4)"]


@pytest.mark.parametrize("args, message", [
    (["alpha=2", "a", "b"], "Illegal value: alpha=2"),
    (["bootstrap=-1", "a", "b"], "Illegal value: bootstrap=-1"),
])
def test_bad_options(args, message):
    assert harness.run("modelcompare.py", args, [{"a": "1"}]).errors() == [message]


# --- issue 13 through the command ---------------------------------------------------------------


def test_primary_naming_an_absent_metric_warns():
    rows = [{k: str(v) for k, v in r.items()} for r in binary_rows(n=200, seed=22)]
    result = harness.run("modelcompare.py", ["label=label", "primary=roc_auc", "bootstrap=0", "pa", "pb"], rows)
    assert result.exit_code == 0 and result.rows[-1]["winner"] == "insufficient_data"
    assert result.warnings() == ["primary=roc_auc is not a metric of this comparison (accuracy, precision, recall, "
                                 "f1); the summary has no winner"]


def test_non_numeric_run_metrics_warn():
    rows = [{"model_version": v, "metrics.f1": x} for v, x in
            (("v1", "0.8"), ("v1", "0.81"), ("v1", "n/a"), ("v2", "0.9"), ("v2", "0.92"))]
    result = harness.run("modelcompare.py", ["v1", "v2"], rows)
    assert result.exit_code == 0
    assert "metrics.f1: 1 values were not numbers and were ignored" in result.warnings()


def test_one_idle_segment_does_not_blank_the_others(prediction_rows):
    rows = prediction_rows[:400] + [{"label": "1", "pa": "1", "pb": "1", "sa": "0.9", "sb": "0.8", "kiln": "K9"}] * 3
    result = harness.run("modelcompare.py", ["label=label", "by=kiln", "bootstrap=50", "pa", "pb"], rows,
                         chunk_size=100, map_partitions=2)
    assert result.exit_code == 0, result.messages
    summaries = {r["kiln"]: r for r in result.rows if r["metric"] == "_summary_"}
    assert sorted(summaries) == ["K4", "K5", "K9"]
    assert summaries["K9"]["test"] == "insufficient_data" and summaries["K9"]["winner"] == "insufficient_data"
    assert summaries["K4"]["value_a"] != ""
    assert result.warnings() == ["kiln=K9: the label label has one class only (1); precision, recall and AUC need two"]


def test_a_by_field_that_does_not_exist_warns(prediction_rows):
    result = harness.run("modelcompare.py", ["label=label", "by=klin", "bootstrap=0", "pa", "pb"],
                         prediction_rows[:200])
    assert result.exit_code == 0
    assert result.warnings() == ["no row has a single value of by=klin (check the field name): all rows were "
                                   "compared as one segment"]


@pytest.mark.parametrize("first", ["benign", "malignant"])
def test_positive_class_does_not_depend_on_row_order(first):
    from sklearn.metrics import roc_auc_score

    rows = as_strings(malignant_benign_rows(first, n=200, seed=30))
    result = harness.run("modelcompare.py", ["label=y", "score1=sa", "score2=sb", "bootstrap=0", "a", "b"], rows)
    auc = next(r for r in result.rows if r["metric"] == "roc_auc")
    expected = roc_auc_score([r["y"] == "malignant" for r in rows], [float(r["sa"]) for r in rows])
    assert float(auc["value_a"]) == pytest.approx(expected, rel=1e-12) and expected > 0.5


def test_int_labels_and_float_predictions_are_the_same_classes():
    from sklearn.metrics import accuracy_score

    g = random.Random(31)
    y = [g.randint(0, 1) for _ in range(300)]
    pa = [float(t) if g.random() < 0.96 else float(1 - t) for t in y]
    rows = [{"y": str(t), "pa": repr(p), "pb": repr(float(t))} for t, p in zip(y, pa)]
    result = harness.run("modelcompare.py", ["label=y", "bootstrap=0", "pa", "pb"], rows)
    accuracy = next(r for r in result.rows if r["metric"] == "accuracy")
    assert float(accuracy["value_a"]) == pytest.approx(accuracy_score(y, pa), rel=1e-12)
    assert float(accuracy["value_b"]) == 1.0


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_average_option_equals_sklearn(average):
    from sklearn.metrics import f1_score

    rows = multiclass_rows(seed=32)
    result = harness.run("modelcompare.py", ["label=y", "average=" + average, "bootstrap=20", "a", "b"], rows)
    f1 = next(r for r in result.rows if r["metric"] == "f1")
    y = [r["y"] for r in rows]
    assert float(f1["value_a"]) == pytest.approx(f1_score(y, [r["a"] for r in rows], average=average), rel=1e-12)
    assert float(f1["value_b"]) == pytest.approx(f1_score(y, [r["b"] for r in rows], average=average,
                                                          zero_division=0), rel=1e-12)


def test_float_labels_as_classes_are_bounded_with_a_warning():
    g = random.Random(33)
    rows = [{"y": repr(g.random()), "a": repr(g.random()), "b": repr(g.random())} for _ in range(200)]
    result = harness.run("modelcompare.py", ["label=y", "task=classification", "bootstrap=100000", "a", "b"], rows)
    assert result.exit_code == 0, result.messages
    assert any("bootstrap lowered from 100000" in w for w in result.warnings()), result.warnings()


def test_huge_values_answer_or_say_why():
    g = random.Random(34)
    rows = [{"y": "%r" % (y * 1e250), "a": "%r" % ((y + g.gauss(0, 1)) * 1e250), "b": "%r" % ((y + 1) * 1e250)}
            for y in (g.gauss(50, 5) for _ in range(60))]
    result = harness.run("modelcompare.py", ["label=y", "task=regression", "bootstrap=50", "a", "b"], rows)
    assert result.exit_code == 0 and result.errors() == []
    mae = next(r for r in result.rows if r["metric"] == "mae")
    assert float(mae["value_b"]) == pytest.approx(1e250, rel=1e-9)
    runs = [{"model_version": v, "metrics.loss": "%r" % (x * 1e300)} for v, x in
            (("v1", 1.0), ("v1", 1.2), ("v2", 1.5), ("v2", 1.4))]
    result = harness.run("modelcompare.py", ["v1", "v2"], runs)
    assert result.exit_code == 0 and result.errors() == []
    loss = next(r for r in result.rows if r["metric"] == "loss")
    assert float(loss["value_a"]) == pytest.approx(1.1e300, rel=1e-12)


# --- task=forecast (issue 17) ---------------------------------------------------------------------

FORECAST_ARGS = ["label=y", "task=forecast", "horizon=3", "bootstrap=100", "seed=4", "a", "b"]


@pytest.fixture(scope="module")
def forecast_events():
    rows, series = forecast_rows(n=300, seed=7)
    return [{k: repr(v) if isinstance(v, float) else str(v) for k, v in row.items()} for row in rows], series


def test_forecast_through_the_command_equals_dieboldmariano(forecast_events):
    from dieboldmariano import dm_test

    rows, (y, a, b) = forecast_events
    result = harness.run("modelcompare.py", FORECAST_ARGS, rows, chunk_size=100000)
    assert result.exit_code == 0 and result.errors() == [], result.messages
    by_metric = {r["metric"]: r for r in result.rows}
    assert list(by_metric) == ["mae", "rmse", "smape", "_summary_"]
    statistic, p = dm_test(y, a, b, loss=lambda u, v: abs(u - v), h=3, harvey_correction=True)
    assert float(by_metric["mae"]["statistic"]) == pytest.approx(-statistic, rel=1e-6)
    assert float(by_metric["mae"]["p_value"]) == pytest.approx(p, rel=1e-6)
    assert by_metric["mae"]["test"] == "diebold_mariano"
    expected = modelops.compare(rows, "a", "b", label="y", task="forecast", horizon=3, bootstrap=100, seed=4)
    assert result.rows == as_strings(expected)


@pytest.mark.parametrize("chunk_size", [1, 37])
def test_forecast_same_result_whatever_the_chunking(forecast_events, chunk_size):
    rows, _ = forecast_events
    baseline = harness.run("modelcompare.py", FORECAST_ARGS, rows, chunk_size=100000)
    result = harness.run("modelcompare.py", FORECAST_ARGS, rows, chunk_size=chunk_size, map_partitions=3)
    assert result.exit_code == 0 and result.rows == baseline.rows


@pytest.mark.parametrize("args, message", [
    (["label=y", "task=forecast", "horizon=0", "a", "b"], "Illegal value: horizon=0"),
    (["label=y", "task=weather", "a", "b"], "Illegal value: task=weather"),
])
def test_forecast_bad_options(args, message):
    assert harness.run("modelcompare.py", args, [{"a": "1"}]).errors() == [message]


# --- the map phase (issue 16): compact partials on the indexers, optional ------------------------------

def _map_cases():
    binary = [{k: str(v) for k, v in row.items()} for row in binary_rows(n=1200, seed=31)]
    forecast = as_splunk_cells(forecast_rows(n=400)[0])
    return {
        "binary+scores": (["label=label", "score1=sa", "score2=sb", "bootstrap=100", "pa", "pb"], binary),
        "binary+scores by=": (["label=label", "score1=sa", "score2=sb", "by=kiln", "bootstrap=100", "pa", "pb"],
                              dirty(binary, ["label", "pa", "sb"])),
        "multiclass": (["label=y", "bootstrap=50", "a", "b"], as_splunk_cells(multiclass_rows(n=900))),
        "regression by=": (["label=y", "by=k", "bootstrap=50", "a", "b"], as_splunk_cells(regression_rows(n=3000))),
        "forecast": (["label=y", "task=forecast", "horizon=2", "bootstrap=50", "a", "b"], forecast),
    }


@pytest.mark.parametrize("case", list(_map_cases()))
def test_map_phase_gives_the_rows_of_the_reduce_alone(case):
    args, rows = _map_cases()[case]
    # requires_preop=False: splunkd may skip the map; the reduce over raw rows is the reference
    direct = harness.run_phase("modelcompare.py", args, rows, chunk_size=len(rows))
    assert direct.exit_code == 0 and not [m for m in direct.messages if m[0] == "ERROR"], direct.messages
    for chunk_size, partitions in ((97, 1), (500, 3), (len(rows), 2)):
        result = harness.run("modelcompare.py", args, rows, chunk_size=chunk_size, map_partitions=partitions)
        assert result.exit_code == 0, result.messages
        mapped = [row for phase in result.map_phases for row in phase.rows]
        assert mapped and all(row["mo_compare_part"] == "1" for row in mapped)
        # one partial row per segment (at most 3 here: two values and rows without the field) and chunk
        assert len(mapped) <= 3 * (-(-len(rows) // chunk_size) + partitions)
        assert result.rows == direct.rows, (case, chunk_size, partitions)
        assert result.final.messages == direct.messages


def test_map_phase_output_fed_again_in_other_chunks_and_forged_rows_are_counted(prediction_rows, baseline):
    mapped = [row for phase in baseline.map_phases for row in phase.rows]
    forged = [dict(mapped[0], mo_a="%%"), dict(mapped[0], mo_rows="7"), dict(mapped[0], mo_segment="[1]")]
    result = harness.run_phase("modelcompare.py", ARGS, forged + mapped, chunk_size=1)
    assert result.exit_code == 0 and result.rows == baseline.rows
    assert ("WARN", "3 malformed map-phase rows (mo_compare_part) were skipped") in result.messages
