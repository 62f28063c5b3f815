"""| modelestimate run as splunkd runs it: chunking, by=, errors, and the notebook facade's numbers."""

import random

import pytest

import modelops
from tests.protocol import harness

ARGS = ["label=label", "score=score", "prediction=prediction", "split=period", "chunk=250", "model=Horno4_clf"]


def scored_rows(n_ref=1500, n_ana=1000, seed=11, kiln=None):
    """A calibrated scorer: P(label=1) = score; analysis scores drift upwards (covariate shift)."""
    g = random.Random(seed)
    rows = []
    for side, n in (("reference", n_ref), ("analysis", n_ana)):
        for i in range(n):
            p = min(0.999, max(0.001, g.betavariate(2, 3) + (0.2 * i / n if side == "analysis" else 0.0)))
            row = {"_time": str(1700000000 + len(rows) * 60), "period": side, "score": "%.5f" % p,
                   "prediction": "1" if p >= 0.5 else "0", "label": "1" if g.random() < p else "0"}
            if kiln:
                row["kiln"] = kiln
            rows.append(row)
    return rows


@pytest.fixture(scope="module")
def rows():
    return scored_rows()


@pytest.fixture(scope="module")
def baseline(rows):
    result = harness.run("modelestimate.py", ARGS, rows, chunk_size=100000)
    assert result.exit_code == 0, result.final.stderr
    assert result.errors() == []
    return result


def test_getinfo_declares_a_reporting_command(baseline):
    assert baseline.final.getinfo["type"] == "reporting"
    assert baseline.final.getinfo["streaming_preop"].startswith("modelestimate phase=")


@pytest.mark.parametrize("chunk_size", [1, 37, 100000])
@pytest.mark.parametrize("map_partitions", [1, 3])
def test_result_does_not_depend_on_chunking(rows, baseline, chunk_size, map_partitions):
    result = harness.run("modelestimate.py", ARGS, rows, chunk_size=chunk_size, map_partitions=map_partitions)
    assert result.exit_code == 0
    assert result.rows == baseline.rows
    assert len(result.final.replies) == -(-len(rows) // chunk_size)
    assert all(not r for _, r in result.final.replies[:-1])


def test_final_empty_chunk_from_splunkd_is_handled(rows, baseline):
    result = harness.run("modelestimate.py", ARGS, rows, chunk_size=500, trailing_empty_chunk=True)
    assert result.exit_code == 0 and result.rows == baseline.rows


def test_rows_equal_the_notebook_facade(rows, baseline):
    import pandas as pd

    frame = pd.DataFrame(rows)
    reference = frame[frame.period == "reference"].drop(columns="period")
    analysis = frame[frame.period == "analysis"].drop(columns="period")
    expected = modelops.estimate(reference, analysis, label="label", score="score", prediction="prediction",
                                 chunk_size=250, model="Horno4_clf")
    assert baseline.rows == [{k: "" if v is None else str(v) for k, v in row.items()} for row in expected]


def test_one_row_per_chunk_and_metric_with_times(baseline):
    # 1000 analysis rows in chunks of 250 -> 4 chunks x 5 metrics
    assert [(r["chunk"], r["metric"]) for r in baseline.rows[:5]] == [
        ("0", "roc_auc"), ("0", "f1"), ("0", "precision"), ("0", "recall"), ("0", "accuracy")]
    assert len(baseline.rows) == 20
    first = baseline.rows[0]
    assert first["n"] == "250" and first["model"] == "Horno4_clf"
    assert float(first["chunk_start"]) == 1700000000 + 1500 * 60
    assert float(first["chunk_end"]) == 1700000000 + 1749 * 60
    for row in baseline.rows:
        assert float(row["lower"]) <= float(row["estimated"]) <= float(row["upper"])
        assert row["realized"] != ""


def test_by_estimates_each_model_on_its_own(rows):
    both = scored_rows(seed=1, kiln="K4") + scored_rows(seed=2, kiln="K5")
    args = [a for a in ARGS if not a.startswith("model=")] + ["by=kiln", "metrics=accuracy"]
    result = harness.run("modelestimate.py", args, both, chunk_size=999)
    assert result.exit_code == 0, result.messages
    assert [r["model"] for r in result.rows] == ["K4"] * 4 + ["K5"] * 4
    alone = harness.run("modelestimate.py", ARGS[:-1] + ["metrics=accuracy"], scored_rows(seed=2), chunk_size=999)
    assert [r["estimated"] for r in result.rows[4:]] == [r["estimated"] for r in alone.rows]


def test_missing_scores_are_a_warning(rows):
    damaged = [dict(r) for r in rows]
    for r in damaged[1600:1603]:
        r["score"] = ""
    result = harness.run("modelestimate.py", ARGS, damaged, chunk_size=400)
    assert result.exit_code == 0
    assert "3 analysis rows have no score and were left out" in result.warnings()


def assert_one_clean_error(result, expected):
    errors = result.errors()
    assert result.exit_code != 0
    assert len(errors) == 1, result.messages
    assert expected in errors[0]
    assert "\n" not in errors[0] and "Traceback" not in errors[0] and ".py" not in errors[0]
    assert result.rows == []


def _with(rows, index, **changes):
    out = [dict(r) for r in rows]
    out[index].update(changes)
    return out


@pytest.mark.parametrize("change, expected", [
    ({"score": "1.2"}, "score=1.2 is outside [0, 1]"),
    ({"score": "high"}, "score='high' is not a number"),
    ({"prediction": "maybe"}, "prediction=maybe is not one of the two labels 0 and 1"),
])
def test_bad_values_end_in_one_sentence(rows, change, expected):
    assert_one_clean_error(harness.run("modelestimate.py", ARGS, _with(rows, 1700, **change), chunk_size=300),
                           expected)


@pytest.mark.parametrize("args, expected", [
    (["label=label", "score=score", "prediction=prediction", "split=period"], "chunk=<rows> or span=<time>"),
    (ARGS[:-2] + ["chunk=5"], "chunk=5 is too small"),
    (ARGS + ["metrics=auc"], "metrics=auc: auc is not one of roc_auc,f1,precision,recall,accuracy"),
    (ARGS[:-2] + ["span=fortnight"], "span=fortnight is not a time span"),
    (["label=nolabel"] + ARGS[1:], "no row has the field nolabel"),
    (ARGS[1:], "name the label field: label=<field>"),
])
def test_bad_requests_end_in_one_sentence(rows, args, expected):
    assert_one_clean_error(harness.run("modelestimate.py", args, rows[:1200] + rows[-300:], chunk_size=500),
                           expected)


def test_getinfo_without_options_answers(rows):
    # The package gate asks every command for getinfo with no arguments; options are checked later.
    phase = harness.run_phase("modelestimate.py", [], [], getinfo_only=True)
    assert phase.exit_code == 0 and phase.getinfo["type"] == "reporting"


def test_one_class_reference_is_refused(rows):
    one_class = [dict(r, label="0") if r["period"] == "reference" else r for r in rows]
    assert_one_clean_error(harness.run("modelestimate.py", ARGS, one_class, chunk_size=5000),
                           "the reference has one class only (label=0)")


def test_chunks_follow_time_when_splunk_returns_newest_first(rows, baseline):
    # Splunk's events arrive newest first; NannyML cuts chunks in timestamp order. With _time on every
    # row the chunks must be the same whatever the input order.
    newest_first = harness.run("modelestimate.py", ARGS, list(reversed(rows)), chunk_size=400)
    assert newest_first.exit_code == 0 and newest_first.rows == baseline.rows
    starts = [float(r["chunk_start"]) for r in baseline.rows if r["metric"] == "roc_auc"]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    without_time = [{k: v for k, v in r.items() if k != "_time"} for r in reversed(rows)]
    shuffled = harness.run("modelestimate.py", ARGS, without_time, chunk_size=400)
    assert shuffled.exit_code == 0 and shuffled.rows != baseline.rows  # input order then, as documented
