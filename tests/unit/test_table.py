"""A chunk given column by column (``engine.table.Table``) is the same input as its rows: the drift
engine's Table path (the map phase's, and the reduce's for raw rows) ends in the very same partials,
rows and warnings as ``add_rows`` of those rows, whatever the cells."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from modelops.engine.drift import drift_engine
from modelops.engine.table import Table
from modelops.errors import ModelOpsError

SCALARS = st.one_of(
    st.sampled_from(["", "nan", "NaN", " 1.5 ", "inf", "-inf", "null", "1e308", "1e400", "1_000", "0", "1", "x",
                     "reference", "current", "ref", "k1", "k2", "1.0"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10 ** 30, max_value=10 ** 30).map(str),
)
FIELDS = ["period", "_time", "f1", "f2", "kiln"]


def table_of(rows, fields):
    return Table({f: [row[f] for row in rows] for f in fields}, len(rows))


def outcome(engine, feed):
    feed(engine)
    partials = list(engine.partial_rows())
    try:
        result = engine.result()
    except ModelOpsError as error:
        result = "error: %s" % error
    return repr(partials), repr(result), engine.warnings()


def both_ways(rows, fields, **options):
    by_rows = outcome(drift_engine(**options), lambda engine: engine.add_rows([dict(r) for r in rows]))
    by_table = outcome(drift_engine(**options), lambda engine: engine.add_table(table_of(rows, fields)))
    assert by_table == by_rows
    return by_rows


# each field mostly draws what it is for (routing labels, times, segments), sometimes anything
FIELD_CELLS = {
    "period": st.one_of(st.sampled_from(["reference", "current", "ref", "other", ""]), SCALARS),
    "_time": st.one_of(st.sampled_from(["-1", "0", "9.99", "10", "10.0", "11", "", "x", "nan"]), SCALARS),
    "f1": SCALARS, "f2": SCALARS,
    "kiln": st.one_of(st.sampled_from(["k1", "k2", "1", "1.0", "", "nan"]), SCALARS),
}
ROWS = st.lists(st.fixed_dictionaries(FIELD_CELLS), max_size=40)
OPTIONS = st.sampled_from([
    dict(split_field="period"),
    dict(split_field="period", reference_value="ref", current_value="current"),
    dict(split_field="period", reference_value="current", current_value="current"),
    dict(reference_until=10.0),
    dict(split_field="period", by="kiln"),
    dict(reference_until=0.0, by="kiln"),
])


def rows_of(*cells):
    return [dict(zip(FIELDS, row.split("|"))) for row in cells]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(ROWS, OPTIONS, st.sampled_from([FIELDS, ["period", "_time", "f1", "kiln"], ["f1", "f2"]]))
@example(rows_of("current|0|1|2|k1", "current|0|3|x|k1"), dict(split_field="period", reference_value="current",
                                                             current_value="current"), FIELDS)
@example(rows_of("a|9.99|1|2|k1", "a|10|3|4|k1", "a|10.0|5|6|k2", "a|nan|7|8|k2", "a|x|9|9|"),
         dict(reference_until=10.0), FIELDS)
@example(rows_of("reference|0|1|2|1", "current|0|3|4|1.0", "reference|0|5|6|", "current|0|7|8|nan"),
         dict(split_field="period", by="kiln"), FIELDS)
def test_table_and_rows_give_the_same_partials_rows_and_warnings(rows, options, present):
    # fields missing from the chunk (f2, or the split field itself) are absent from every row
    rows = [{f: row[f] for f in present} for row in rows]
    both_ways(rows, present, features=["f1", "f2"], **options)


def test_a_plain_numeric_chunk_routes_and_converts_by_hand():
    rows = [{"period": p, "f1": v} for p, v in [("reference", "1"), ("current", "2.5"), ("other", "3"),
                                                ("reference", "nan"), ("reference", "4"), ("current", "x")]]
    engine = drift_engine(features=["f1"], split_field="period")
    engine.add_table(table_of(rows, ["period", "f1"]))
    assert list(engine.reference["f1"].numbers) == [1.0, 4.0] and engine.reference["f1"].n_null == 1
    assert dict(engine.current["f1"].categories) == {"2.5": 1, "x": 1}
    assert engine.skipped_rows == 1


def test_table_rows_are_the_dicts_in_order():
    table = Table({"a": ["1", "2"], "b": ["x", "y"]}, 2)
    assert table.rows() == [{"a": "1", "b": "x"}, {"a": "2", "b": "y"}]
    assert table.select([False, True]).rows() == [{"a": "2", "b": "y"}]
    assert Table({}, 2).rows() == [{}, {}]
    assert list(table.column("c")) == [None, None]


@pytest.mark.parametrize("options", [dict(split_field="period"), dict(split_field="period", by="kiln")])
def test_a_table_holding_partials_is_merged_as_rows(options):
    mapped = drift_engine(features=["f1"], **options)
    mapped.add_rows([{"period": "reference", "f1": "1", "kiln": "k"}, {"period": "current", "f1": "2", "kiln": "k"}])
    partials = [{k: str(v) for k, v in row.items()} for row in mapped.partial_rows()]
    fields = list(partials[0])
    by_rows, by_table = drift_engine(features=["f1"], **options), drift_engine(features=["f1"], **options)
    by_rows.add_rows(partials)
    by_table.add_table(table_of(partials, fields))
    assert repr(by_table.result()) == repr(by_rows.result())
