"""| modelquality's engine: counts equal NannyML 0.13's data-quality calculators (run in .venv-nannyml,
built by the Makefile, through tests/oracles/nannyml_quality.py); runs, stuck and alerts by hand."""

import csv
import json
import math
import os
import random
import subprocess

import pytest

import modelops
from modelops.engine.quality import QualityAccumulator
from modelops.errors import ModelOpsError
from tests.quality_builders import sensor_data

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORACLE_PYTHON = os.path.join(ROOT, ".venv-nannyml", "bin", "python")
ORACLE_SCRIPT = os.path.join(ROOT, "tests", "oracles", "nannyml_quality.py")
NUMERIC, CATEGORICAL = ["o2", "temp"], ["mode"]


def nannyml(tmp_path, rows, chunk_size=None):
    assert os.path.exists(ORACLE_PYTHON), "the NannyML oracle venv is missing: run `make oracle-nannyml`"
    paths = {}
    for side in ("reference", "current"):
        paths[side] = tmp_path / ("%s.csv" % side)
        chosen = sorted((r for r in rows if r["period"] == side), key=lambda r: float(r["_time"]))
        with open(paths[side], "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=NUMERIC + CATEGORICAL, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(chosen)
    command = [ORACLE_PYTHON, ORACLE_SCRIPT, str(paths["reference"]), str(paths["current"]),
               "--numeric", ",".join(NUMERIC), "--categorical", ",".join(CATEGORICAL)]
    if chunk_size:
        command += ["--chunk-size", str(chunk_size)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["rows"]


def ours(rows, chunk=None):
    engine = QualityAccumulator(NUMERIC + CATEGORICAL, split_field="period", chunk=chunk)
    engine.add_rows(reversed(rows))  # as Splunk returns them: newest first
    return engine.result()


@pytest.mark.parametrize("seed, chunk", [(1, None), (2, 100), (3, 50)])
def test_counts_equal_nannyml_data_quality_calculators(tmp_path, seed, chunk):
    rows = sensor_data(seed)
    theirs = nannyml(tmp_path, rows, chunk)
    mine = ours(rows, chunk)
    assert len(mine) == len(theirs) == len(NUMERIC + CATEGORICAL) * (math.ceil(357 / chunk) if chunk else 1)
    for their, my in zip(theirs, mine):
        assert my["feature"] == their["feature"] and my.get("chunk", 0) == their["chunk"]
        assert my["missing"] == their["missing"]
        assert my["missing_band"] == pytest.approx(their["missing_band"], rel=1e-12, abs=1e-15)
        if "out_of_range" in their:
            assert my["kind"] == "numeric" and my["out_of_range"] == their["out_of_range"]
        else:
            assert my["kind"] == "categorical" and my["unseen"] == their["unseen"]
    assert sum(r.get("out_of_range", 0) + r.get("unseen", 0) for r in theirs) > 0  # the data has something to find
    assert sum(r["missing"] for r in theirs) > 0


def test_runs_stuck_and_alert_by_hand():
    reference = [{"o2": v} for v in (1.0, 2.0, 3.0, 2.0)] + [{"o2": ""}]  # missing share 0.2
    # time order: 2,2,2,2 (run 4), gap, 2,2 (2), 5 out of range, 3,3,3 (3); given newest first with _time
    values = [2, 2, 2, "2.0", "nan", 2, 2, 5, 3, 3, 3]
    current = [{"o2": v, "_time": 100 + i} for i, v in enumerate(values)][::-1]
    row = modelops.quality(reference, current, max_run=4)[0]
    assert (row["n_ref"], row["n_cur"], row["missing"], row["out_of_range"], row["max_run"], row["stuck"]) == (
        5, 11, 1, 1, 4, 1)
    assert row["missing_share_ref"] == 0.2 and row["missing_share"] == pytest.approx(1 / 11)
    assert (row["ref_min"], row["ref_max"]) == (1.0, 3.0)
    assert row["alert"] == 1 and row["reasons"] == "out_of_range,stuck"
    calm = modelops.quality(reference, current, max_run=5, unexpected_share=0.1)[0]  # 1/11 < 0.1; run 4 < 5
    assert (calm["stuck"], calm["alert"], calm["reasons"]) == (0, 0, "")


def test_missing_alert_uses_three_sampling_errors():
    reference = [{"x": str(i % 7 / 7 + 1)} for i in range(90)] + [{"x": ""}] * 10  # p_ref = 0.1
    # band for 100 current rows: 3 * sqrt(0.1 * 0.9 / 100) = 0.09, so 18 missing (0.18) is inside, 20 (0.20) out
    for n_missing, alert in ((18, 0), (20, 1)):
        current = [{"x": str(i % 7 / 7 + 1)} for i in range(100 - n_missing)] + [{"x": "null"}] * n_missing
        row = modelops.quality(reference, current)[0]
        assert row["missing_band"] == pytest.approx(0.09)
        assert row["alert"] == alert, row


def test_non_finite_and_multivalue_cells_are_missing_and_text_in_a_numeric_feature_is_out_of_range():
    reference = [{"x": v} for v in ("1", "2", "3")]
    current = [{"x": v} for v in ("inf", "-inf", "NaN", ["1", "2"], "  ", "ERR", "2")]
    engine = QualityAccumulator(["x"], split_field="side")
    engine.add_rows([dict(r, side="reference") for r in reference] + [dict(r, side="current") for r in current])
    row = engine.result()[0]
    assert (row["missing"], row["out_of_range"], row["kind"]) == (5, 1, "numeric")
    assert engine.warnings() == ["text values in numeric features count as out of range: x (1)"]


def test_unseen_counts_values_the_reference_never_had_and_numbers_match_as_numbers():
    reference = [{"m": v} for v in ("A", "B", "3")]
    current = [{"m": v} for v in ("A", "3.0", "C", "C", "", "b")]
    row = modelops.quality(reference, current)[0]
    assert (row["kind"], row["unseen"], row["missing"], row["ref_categories"]) == ("categorical", 3, 1, 3)


def test_result_does_not_depend_on_how_rows_arrive():
    rows = sensor_data(7)
    whole = ours(rows, chunk=60)
    engine = QualityAccumulator(NUMERIC + CATEGORICAL, split_field="period", chunk=60)
    shuffled = list(rows)
    random.Random(0).shuffle(shuffled)  # every row has _time: order comes from it
    for start in range(0, len(shuffled), 13):
        engine.add_rows(shuffled[start:start + 13])
    assert engine.result() == whole


@pytest.mark.parametrize("options, message", [
    ({}, "say how to tell reference rows from current rows"),
    ({"split_field": "p", "reference_until": 5.0}, "not both"),
    ({"reference_until": float("nan")}, "reference_until must be a finite epoch time"),
    ({"split_field": "p", "max_run": 1}, "max_run must be a whole number of rows of at least 2"),
    ({"split_field": "p", "chunk": 0}, "chunk must be a whole number of rows of at least 1"),
    ({"split_field": "p", "unexpected_share": 1.5}, "unexpected_share must be a share"),
    ({"split_field": "x"}, "the split field 'x' cannot also be a feature"),
])
def test_bad_options_are_one_sentence(options, message):
    with pytest.raises(ModelOpsError, match=message):
        QualityAccumulator(["x"], **options)


def test_too_many_chunks_is_refused_up_front_in_one_sentence():
    engine = QualityAccumulator(["x"], split_field="p", chunk=1)
    engine.add_rows([{"p": "reference", "x": "1"}] + [{"p": "current", "x": str(i)} for i in range(1001)])
    with pytest.raises(ModelOpsError, match="chunk=1 cuts 1001 current rows into 1001 chunks; at most 1000"):
        engine.result()


def test_no_current_rows_says_why():
    engine = QualityAccumulator(["x"], split_field="p")
    engine.add_rows([{"p": "reference", "x": "1"}, {"p": "other", "x": "1"}])
    with pytest.raises(ModelOpsError, match="no current rows: no row has p=current"):
        engine.result()
    assert engine.warnings() == ["1 rows were skipped because p is neither 'reference' nor 'current'"]
