"""| modelquality run as splunkd runs it: chunking, map phase, errors; same rows as modelops.quality."""

import pytest

import modelops
from tests.protocol import harness
from tests.quality_builders import sensor_data

ARGS = ["split=period", "fields=o2,temp", "mode", "chunk=100", "max_run=3"]


def splunk_typed(rows):
    """The engine's rows as splunkd's CSV hands them back: every value text."""
    return [{k: ("%r" % v if isinstance(v, float) else str(v)) for k, v in row.items() if v != ""} for row in rows]


@pytest.fixture(scope="module")
def rows():
    return list(reversed(sensor_data(11)))  # newest first, as a search returns them


@pytest.fixture(scope="module")
def baseline(rows):
    result = harness.run("modelquality.py", ARGS, rows, chunk_size=50000)
    assert result.exit_code == 0 and result.errors() == [], result.messages
    return result


def test_getinfo_declares_a_reporting_command_with_a_map_phase(baseline):
    assert baseline.final.getinfo["type"] == "reporting"
    assert baseline.final.getinfo["streaming_preop"].startswith("modelquality phase=")


@pytest.mark.parametrize("chunk_size, partitions", [(1, 1), (37, 3)])
def test_rows_do_not_depend_on_chunking_or_the_map_phase(rows, baseline, chunk_size, partitions):
    result = harness.run("modelquality.py", ARGS, rows, chunk_size=chunk_size, map_partitions=partitions)
    assert result.exit_code == 0 and result.errors() == []
    assert result.rows == baseline.rows


def test_same_numbers_as_the_notebook_function(rows, baseline):
    reference = [r for r in rows if r["period"] == "reference"]
    current = [r for r in rows if r["period"] == "current"]
    expected = modelops.quality(reference, current, features=["o2", "temp", "mode"], chunk=100, max_run=3)
    assert len(baseline.rows) == 12  # 3 features x 4 chunks of 357 current rows
    got = [{k: v for k, v in r.items() if v != ""} for r in baseline.rows]
    assert got == splunk_typed(expected)
    reasons = {reason for r in baseline.rows for reason in r["reasons"].split(",") if reason}
    assert reasons == {"missing", "out_of_range", "unseen", "stuck"}  # the data trips every kind of alert


@pytest.mark.parametrize("args, message", [
    (["fields=o2"], "modelquality: say how to tell reference rows from current rows: split=<field> or "
                    "reference_until=<time>, not both"),
    (["split=period", "fields=o2", "max_run=1"], "Illegal value: max_run=1"),
    (["split=period", "fields=o2", "unexpected_share=2"], "Illegal value: unexpected_share=2"),
    (["split=period", "fields=o2,nope", "chunk=1"], "modelquality: chunk=1 cuts 1001 current rows into 1001 chunks; "
                                                    "at most 1000: use a larger chunk="),
])
def test_bad_requests_are_one_sentence(args, message):
    rows = [{"period": "reference", "o2": "1"}] + [{"period": "current", "o2": str(i)} for i in range(1001)]
    result = harness.run("modelquality.py", args, rows, chunk_size=300)
    errors = result.errors()
    assert result.exit_code != 0 and errors == [message], result.messages


def test_a_feature_no_row_has_is_named_in_a_warning():
    rows = [{"period": "reference", "o2": "1"}, {"period": "current", "o2": "1"}]
    result = harness.run("modelquality.py", ["split=period", "o2", "o3"], rows)
    assert result.exit_code == 0 and result.errors() == []
    assert "no row has the field o3 (check the names in fields=): every value counts as missing" in result.warnings()
