"""A chunk given column by column (``engine.table.Table``) is the same input as its rows: the drift and
compare engines' Table paths (the map phases', the reduces' for raw rows, ``modelops.compare``'s for a
DataFrame) end in the very same partials, rows and warnings as ``add_rows`` of those rows, whatever
the cells; and ``modelops.compare`` with numpy gives what it gives without."""

import sys

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


# --- modelcompare: the Table path (map phase, raw rows in the reduce, modelops.compare's frames) ----

import pandas as pd  # noqa: E402

import modelops  # noqa: E402
from modelops.engine.compare import compare_rows  # noqa: E402
from tests import compare_builders as cb  # noqa: E402


def compare_outcome(feed, *args, **options):
    try:
        comparison = compare_rows([], *args, **options)
        feed(comparison)
        return repr(comparison.result()), comparison.warnings()
    except ModelOpsError as error:
        return "error: %s" % error


def compare_both_ways(rows, *args, **options):
    by_rows = compare_outcome(lambda c: c.add_rows([dict(r) for r in rows]), *args, **options)
    by_table = compare_outcome(lambda c: c.add_table(Table.of_rows(rows)), *args, **options)
    assert by_table == by_rows
    return by_rows


COMPARE_CASES = [
    (cb.binary_rows(900), ("pa", "pb"), dict(label="label", score_a="sa", score_b="sb", bootstrap=200)),
    (cb.binary_rows(900), ("pa", "pb"), dict(label="label", score_a="sa", score_b="sb", by="kiln", bootstrap=50)),
    (cb.multiclass_rows(n=700), ("a", "b"), dict(label="y", bootstrap=100)),
    (cb.regression_rows(1300), ("a", "b"), dict(label="y", bootstrap=100)),  # 1,000 classes, then numbers
    (cb.regression_rows(600), ("a", "b"), dict(label="y", task="regression", by="k", bootstrap=100)),
    (cb.forecast_rows(300)[0], ("a", "b"), dict(label="y", task="forecast", horizon=2, bootstrap=100)),
]


@pytest.mark.parametrize("dirt", [0.0, 0.05, 0.3])
@pytest.mark.parametrize("as_cells", [False, True])
@pytest.mark.parametrize("case", range(len(COMPARE_CASES)))
def test_compare_table_and_rows_give_the_same_rows_and_warnings(case, as_cells, dirt):
    rows, models, options = COMPARE_CASES[case]
    fields = [options["label"], *models] + [options[k] for k in ("score_a", "score_b", "by") if k in options]
    rows = cb.dirty(rows, fields, seed=case, share=dirt) if dirt else rows
    rows = cb.as_splunk_cells(rows) if as_cells else rows
    outcome = compare_both_ways(rows, *models, **options)
    if not dirt:
        assert isinstance(outcome, tuple), outcome  # clean data compares (the equality is not of two errors)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.fixed_dictionaries({"y": SCALARS, "a": SCALARS, "b": SCALARS, "sa": SCALARS, "sb": SCALARS,
                                       "_time": SCALARS, "k": st.sampled_from(["k1", "k2", "", "1", "1.0"])}),
                max_size=30),
       st.sampled_from([dict(label="y"), dict(label="y", score_a="sa", score_b="sb"), dict(label="y", by="k"),
                        dict(label="y", task="regression"), dict(label="y", task="forecast")]))
def test_compare_any_cells_table_and_rows_agree(rows, options):
    compare_both_ways(rows, "a", "b", bootstrap=20, **options)


def test_a_frame_compares_as_its_records():
    rows = cb.dirty(cb.binary_rows(1200), ["label", "pa", "sa"], seed=5, share=0.05)
    frame = pd.DataFrame(rows)
    frame["grade"] = pd.Series(["lo", "hi", None] * 400, dtype="category")
    frame["flag"] = [True, False] * 600
    frame["n"] = pd.array([1, None, 0] * 400, dtype="Int64")
    for args, options in [(("pa", "pb"), dict(label="label", score1="sa", score2="sb", bootstrap=100)),
                          (("pa", "pb"), dict(label="label", by="kiln", bootstrap=50)),
                          (("flag", "n"), dict(label="label", bootstrap=50)),
                          (("pa", "grade"), dict(label="label", bootstrap=50))]:
        records = modelops.compare(frame.to_dict(orient="records"), *args, **options)
        assert repr(modelops.compare(frame, *args, **options)) == repr(records)


def with_cell(rows, position, field, value):
    rows = [dict(r) for r in rows]
    if value is ABSENT:
        del rows[position][field]
    else:
        rows[position][field] = value
    return rows


ABSENT = object()
CLEAN_BINARY = cb.as_splunk_cells(cb.binary_rows(700))
CLEAN_REGRESSION = cb.as_splunk_cells(cb.regression_rows(700))
CLEAN_FORECAST = cb.as_splunk_cells(cb.forecast_rows(700)[0])


# One odd cell in the second batch of 256 rows, after the first batch filled the class cache: the
# batch must still be taken row by row wherever ``add`` would skip or code differently.
@pytest.mark.parametrize("rows, models, options, field, value", [
    *[(CLEAN_BINARY, ("pa", "pb"), dict(label="label", score_a="sa", score_b="sb"), field, value)
      for field, value in [("sa", "nan"), ("sb", "inf"), ("sa", "-inf"), ("sa", "x"), ("sa", ""), ("sb", ABSENT),
                           ("label", ""), ("label", None), ("pa", "2"), ("pb", ["1", "0"]), ("label", "1.0"),
                           ("pa", "nan"), ("label", ABSENT)]],
    *[(CLEAN_REGRESSION, ("a", "b"), dict(label="y", task="regression"), field, value)
      for field, value in [("a", "nan"), ("b", "inf"), ("y", "x"), ("y", ""), ("a", ABSENT)]],
    *[(CLEAN_FORECAST, ("a", "b"), dict(label="y", task="forecast"), field, value)
      for field, value in [("_time", ""), ("_time", ABSENT), ("_time", "x"), ("_time", "nan"), ("a", "inf")]],
])
def test_one_odd_cell_in_a_batch_gives_what_add_gives(rows, models, options, field, value):
    outcome = compare_both_ways(with_cell(rows, 400, field, value), *models, bootstrap=100, **options)
    assert isinstance(outcome, tuple), outcome


def test_modelops_compare_with_numpy_equals_it_without(monkeypatch):
    from modelops.stats import paired

    rows = cb.binary_rows(3000)
    for row, noise in zip(rows, range(3000)):  # full-precision scores: one placement per row
        row["sa"], row["sb"] = row["sa"] + noise * 1e-9, row["sb"] - noise * 1e-9
    frame = pd.DataFrame(rows)
    calls = []
    original = paired._delong_numpy
    monkeypatch.setattr(paired, "_delong_numpy", lambda *a: calls.append(1) or original(*a))
    options = dict(label="label", score1="sa", score2="sb", bootstrap=200)
    vectorised = [modelops.compare(data, "pa", "pb", **options) for data in (frame, rows)]
    assert len(calls) == 2
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "numpy", None)
        patch.setattr(paired, "_delong_numpy", lambda *a: pytest.fail("numpy ran while hidden"))
        plain = modelops.compare(rows, "pa", "pb", **options)
    assert repr(vectorised[0]) == repr(vectorised[1]) == repr(plain)
    auc = next(r for r in plain if r["metric"] == "roc_auc")
    from sklearn.metrics import roc_auc_score
    assert auc["value_a"] == pytest.approx(roc_auc_score(frame["label"], frame["sa"]), rel=1e-12)
