"""| modelcompare through the chunked protocol: both modes, chunk invariance, errors."""

import random

import pytest

import modelops
from tests.protocol import harness
from tests.unit.test_comparison import binary_rows


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
    (["score1=sa", "v1", "v2"], [{"x": "1"}], "score1=, score2=, task= and pos_label= need label=<field>"),
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
    assert result.warnings() == ["4 rows were skipped: the label, a prediction or a score was missing or not a number"]


@pytest.mark.parametrize("args, message", [
    (["alpha=2", "a", "b"], "Illegal value: alpha=2"),
    (["bootstrap=-1", "a", "b"], "Illegal value: bootstrap=-1"),
])
def test_bad_options(args, message):
    assert harness.run("modelcompare.py", args, [{"a": "1"}]).errors() == [message]
