"""| modeldrift run as splunkd runs it: chunking, map/reduce, errors."""

import math
import random
import struct

import pytest

import modelops
from modelops.engine import partials
from tests.drift_builders import ARGS, kiln_rows
from tests.protocol import harness


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
    mapped = [row for phase in result.map_phases for row in phase.rows]
    assert len(result.final.replies) == -(-len(mapped) // chunk_size)
    assert all(not rows for _, rows in result.final.replies[:-1])


def test_map_phase_sends_compact_partials_and_is_optional(drifted_rows, baseline):
    # the map (on the indexers) turns 1,000 rows into one partial row per feature and side
    mapped = [row for phase in baseline.map_phases for row in phase.rows]
    assert len(mapped) == 8 and {r["mo_drift_part"] for r in mapped} == {"1"}
    # a search where splunkd skips the map (requires_preop=False) gives the same rows from raw rows
    direct = harness.run_phase("modeldrift.py", ARGS, drifted_rows, chunk_size=333)
    assert direct.exit_code == 0 and direct.rows == baseline.rows
    by = ARGS + ["by=shift"]
    with_map = harness.run("modeldrift.py", by, drifted_rows, chunk_size=97, map_partitions=3)
    assert with_map.rows == harness.run_phase("modeldrift.py", by, drifted_rows, chunk_size=1000).rows
    assert [r["model"] for r in with_map.rows][::5] == ["A", "B", "C"]


def test_malformed_partial_rows_are_counted_not_trusted(drifted_rows, baseline):
    mapped = [row for phase in baseline.map_phases for row in phase.rows]
    forged = [dict(mapped[0], mo_numbers="!!"), dict(mapped[0], mo_null="-5"), dict(mapped[0], mo_side="x")]
    # packed non-finite values: inf, -inf, nan and a signalling nan among finite ones
    non_finite = [math.inf, -math.inf, math.nan, struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000001))[0]]
    forged += [dict(mapped[0], mo_numbers=partials.pack([1.0, bad, 2.0])) for bad in non_finite]
    result = harness.run_phase("modeldrift.py", ARGS, mapped + forged, chunk_size=5)
    assert result.exit_code == 0 and result.rows == baseline.rows
    assert ("WARN", "7 malformed map-phase rows (mo_drift_part) were skipped") in result.messages


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


# --- issue 13: awkward input through the protocol -------------------------------------------------


def profile_events():
    """Valid profile events for a drifted model A_v1 and a stable B_v1, as Splunk extracts them."""
    from modelops.client.telemetry.profile import current_profile, reference_profile

    g = random.Random(4)
    events = []
    for model, shift in (("A_v1", 30.0), ("B_v1", 0.0)):
        ref = [g.gauss(1450, 10) for _ in range(2000)]
        cur = [g.gauss(1450 + shift, 10) for _ in range(500)]
        reference = reference_profile("temp", ref)
        for when, profile in ((100, reference), (200, current_profile("temp", cur, reference))):
            events.append({"_time": str(when), "event_type": "profile", "model_name": model, "role": profile["role"],
                           "feature": "temp", "kind": profile["kind"], "n_null": str(profile["n_null"]),
                           "counts{}": [str(c) for c in profile["counts"]],
                           "edges{}": [repr(e) for e in profile["edges"]]})
    return events


@pytest.mark.parametrize("spoil", [
    {"n_null": "inf"}, {"n_null": "lots"}, {"n_null": ["1", "2"]},
    {"counts{}": ["inf"] + ["1"] * 9}, {"counts{}": ["-4"] + ["1"] * 9}, {"counts{}": ["x"] + ["1"] * 9},
    {"edges{}": ["9", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]},
])
def test_one_bad_profile_event_does_not_blank_the_other_models(spoil):
    events = profile_events()
    bad = dict(events[2], model_name="C_v1", **spoil)
    result = harness.run("modeldrift.py", [], events[:2] + [bad] + events[2:], chunk_size=2)
    assert result.exit_code == 0, result.messages
    assert [(r["model"], r["feature"], r["drift"]) for r in result.rows] == [
        ("A_v1", "temp", "1"), ("A_v1", "_dataset_", "1"), ("B_v1", "temp", "0"), ("B_v1", "_dataset_", "0")]
    assert len(result.warnings()) == 1 and result.warnings()[0].startswith("1 malformed profile events were skipped")


@pytest.mark.parametrize("args, expected", [
    (["threshold=nan"], "modeldrift: threshold must be a positive number"),
    (["threshold=0"], "modeldrift: threshold must be a positive number"),
    (["threshold=inf"], "modeldrift: threshold must be a positive number"),
    (["reference_until=nan", "fields=temp"], "modeldrift: reference_until must be a finite epoch time"),
])
def test_options_that_would_switch_alerts_off_are_refused_in_every_mode(args, expected):
    result = harness.run("modeldrift.py", args, profile_events(), chunk_size=3)
    assert_one_clean_error(result, expected)


def test_a_misspelt_feature_is_named_in_a_warning():
    result = harness.run("modeldrift.py", ["split=period", "fields=temp_zone1,tmep_zone1"], kiln_rows(), chunk_size=99)
    assert result.exit_code == 0
    assert [r["test"] for r in result.rows][:2] == ["ks", "insufficient_data"]
    assert result.warnings() == ["no row has the field tmep_zone1 (check the names in fields=): reported as "
                                 "insufficient_data"]


def test_by_segments_answer_when_one_is_idle_and_a_misspelt_by_warns():
    rows = [dict(r, kiln="K4") for r in kiln_rows(seed=1)] + [dict(r, kiln="K5") for r in kiln_rows(n_cur=0, seed=2)]
    args = ["split=period", "fields=temp_zone1,o2", "by=kiln"]
    result = harness.run("modeldrift.py", args, rows, chunk_size=333, map_partitions=2)
    assert result.exit_code == 0, result.messages
    assert [(r["model"], r["feature"], r["test"]) for r in result.rows] == [
        ("K4", "temp_zone1", "ks"), ("K4", "o2", "ks"), ("K4", "_dataset_", "drift_share"),
        ("K5", "temp_zone1", "insufficient_data"), ("K5", "o2", "insufficient_data"),
        ("K5", "_dataset_", "drift_share")]
    assert result.warnings() == ["kiln=K5: no current rows: no row has period=current; its features are reported "
                                 "as insufficient_data"]
    misspelt = harness.run("modeldrift.py", ["split=period", "fields=o2", "by=klin"], kiln_rows(), chunk_size=500)
    assert [r["model"] for r in misspelt.rows] == ["", ""]
    assert misspelt.warnings() == ["no row has a single value of by=klin (check the field name): all rows were "
                                   "compared as one segment"]


@pytest.mark.parametrize("nan_first", [True, False])
def test_nan_text_is_missing_in_either_row_order(nan_first):
    base = kiln_rows(n_ref=100, n_cur=100, seed=3)
    nan_rows = [{"period": p, "temp_zone1": "1450", "o2": "2.1", "feed_rate": "200", "shift": "nan"}
                for p in ("reference", "current") for _ in range(5)]
    rows = nan_rows + base if nan_first else base + nan_rows
    result = harness.run("modeldrift.py", ARGS, rows, chunk_size=40)
    shift = {r["feature"]: r for r in result.rows}["shift"]
    expected = harness.run("modeldrift.py", ARGS, base, chunk_size=40)
    plain = {r["feature"]: r for r in expected.rows}["shift"]
    assert (shift["n_null_ref"], shift["n_null_cur"]) == ("5", "5")
    assert (shift["n_ref"], shift["statistic"], shift["p_value"]) == (plain["n_ref"], plain["statistic"],
                                                                       plain["p_value"])
