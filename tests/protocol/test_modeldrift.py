"""| modeldrift run as splunkd runs it: chunking, map/reduce, errors."""

import random

import pytest

import modelops
from tests.protocol import harness


def kiln_rows(n_ref=600, n_cur=400, shift=0.0, seed=42):
    g = random.Random(seed)
    rows = []
    for side, n, delta in (("reference", n_ref, 0.0), ("current", n_cur, shift)):
        for i in range(n):
            rows.append({
                "_time": str(1700000000 + len(rows) * 60),
                "period": side,
                "temp_zone1": "%.3f" % g.gauss(1450 + 40 * delta, 12),
                "o2": "%.4f" % g.gauss(2.1, 0.3),
                "feed_rate": str(g.randint(180, 220)),
                "shift": g.choice("ABC") if not delta else g.choice("ABCC"),
                "kiln": ["K4", "K5"] if i % 50 == 0 else "K4",
            })
    return rows


ARGS = ["split=period", "fields=temp_zone1,o2,feed_rate,shift", "model=Horno4_AE_v3"]


@pytest.fixture(scope="module")
def drifted_rows():
    return kiln_rows(shift=0.6)


@pytest.fixture(scope="module")
def baseline(drifted_rows):
    result = harness.run("modeldrift.py", ARGS, drifted_rows, chunk_size=50000)
    assert result.exit_code == 0, result.final.stderr
    assert result.errors() == []
    return result


def test_getinfo_declares_a_reporting_command_with_a_map_phase(baseline):
    info = baseline.final.getinfo
    assert info["type"] == "reporting"
    assert info["streaming_preop"].startswith("modeldrift phase=")


@pytest.mark.parametrize("chunk_size", [1, 7, 50000])
@pytest.mark.parametrize("map_partitions", [1, 3])
def test_result_does_not_depend_on_chunking(drifted_rows, baseline, chunk_size, map_partitions):
    result = harness.run("modeldrift.py", ARGS, drifted_rows, chunk_size=chunk_size, map_partitions=map_partitions)
    assert result.exit_code == 0
    assert result.rows == baseline.rows
    # exactly one reply per request, and only the last one carries rows
    assert len(result.final.replies) == -(-len(drifted_rows) // chunk_size)
    assert all(not rows for _, rows in result.final.replies[:-1])


def test_final_empty_chunk_from_splunkd_is_handled(drifted_rows, baseline):
    result = harness.run("modeldrift.py", ARGS, drifted_rows, chunk_size=100, trailing_empty_chunk=True)
    assert result.exit_code == 0 and result.rows == baseline.rows


def test_rows_equal_the_notebook_engine(drifted_rows, baseline):
    ref = [r for r in drifted_rows if r["period"] == "reference"]
    cur = [r for r in drifted_rows if r["period"] == "current"]
    expected = modelops.drift(ref, cur, features=["temp_zone1", "o2", "feed_rate", "shift"], model="Horno4_AE_v3")
    assert baseline.rows == [{k: "" if v == "" else str(v) for k, v in row.items()} for row in expected]


def test_drift_is_flagged_where_the_data_moved(baseline):
    by_feature = {row["feature"]: row for row in baseline.rows}
    assert by_feature["temp_zone1"]["drift"] == "1"
    assert by_feature["o2"]["drift"] == "0"
    assert by_feature["shift"]["kind"] == "categorical"
    assert by_feature["_dataset_"]["n_ref"] == "600"


def test_stable_period_is_not_flagged():
    result = harness.run("modeldrift.py", ARGS, kiln_rows(shift=0.0, seed=7), chunk_size=500)
    by_feature = {row["feature"]: row for row in result.rows}
    assert by_feature["_dataset_"]["drift"] == "0"
    assert by_feature["temp_zone1"]["drift"] == "0"


def test_positional_fields_and_reference_until():
    rows = kiln_rows(shift=0.6)
    cut = rows[600]["_time"]
    result = harness.run("modeldrift.py", ["reference_until=%s" % cut, "temp_zone1", "o2"], rows, chunk_size=64)
    assert result.exit_code == 0, result.messages
    assert [r["feature"] for r in result.rows] == ["temp_zone1", "o2", "_dataset_"]
    assert result.rows[0]["n_ref"] == "600" and result.rows[0]["n_cur"] == "400"


def test_skipped_rows_are_a_warning_not_an_error():
    rows = kiln_rows(n_ref=50, n_cur=50) + [{"period": "holdout", "temp_zone1": "1"}] * 3
    result = harness.run("modeldrift.py", ARGS, rows, chunk_size=10)
    assert result.exit_code == 0
    assert result.warnings() == ["3 rows were skipped because period is neither 'reference' nor 'current'"]


def assert_one_clean_error(result, expected):
    errors = result.errors()
    assert result.exit_code != 0
    assert len(errors) == 1, result.messages
    assert expected in errors[0]
    assert "\n" not in errors[0] and "Traceback" not in errors[0] and ".py" not in errors[0]
    assert result.rows == []


@pytest.mark.parametrize("args, expected", [
    (["fields=temp_zone1"], "modeldrift: say how to tell reference rows from current rows"),
    (["split=period"], "modeldrift: name the features to compare"),
    (["split=period", "stattest=ks", "fields=shift"], "stattest=ks needs numeric values"),
    (["split=nosuchfield", "fields=temp_zone1"], "no reference rows: no row has nosuchfield=reference"),
    (["split=period", "reference_value=before", "fields=o2"], "no reference rows: no row has period=before"),
    (["split=period", "fields=o2", "model={m}", "reference_value={r}"], "no reference rows: no row has period={r}"),
])
def test_bad_requests_end_in_one_sentence(args, expected):
    result = harness.run("modeldrift.py", args, kiln_rows(n_ref=30, n_cur=30), chunk_size=7)
    assert_one_clean_error(result, expected)


@pytest.mark.parametrize("args, expected", [
    (["split=period", "fields=o2", "threshold=abc"], "Illegal value: threshold=abc"),
    (["split=period", "fields=o2", "stattest=ttest"], "Illegal value: stattest=ttest"),
    (["split=period", "fields=o2", "drift_share=2"], "Illegal value: drift_share=2"),
    (["split=period", "fields=o2", "bins=5"], "Unrecognized option: bins=5"),
    (["split={x}", "fields=o2"], "Illegal value: split={x}"),  # braces reach the user intact
    (["split=period", "fields=o2", "stattest={ks}"], "Illegal value: stattest={ks}"),
])
def test_bad_options_are_refused_at_getinfo(args, expected):
    result = harness.run("modeldrift.py", args, kiln_rows(n_ref=5, n_cur=5))
    assert result.exit_code != 0
    assert result.errors() == [expected]
