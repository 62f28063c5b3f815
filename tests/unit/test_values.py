"""modelops.values: the one definition of missing, number, category and yes/no."""

import math

import numpy as np
import pandas as pd
import pytest

from modelops import values as v


@pytest.mark.parametrize("cell", [None, "", "  ", "nan", "NaN", "null", "NULL", "None", float("nan"), math.inf,
                                  -math.inf, "inf", "-Infinity", ["a", "b"], np.nan, 10 ** 400, pd.NA, pd.NaT,
                                  "<NA>", "NaT"])
def test_missing_cells(cell):
    assert v.classify(cell) == (v.MISSING, None)
    assert v.is_missing(cell) and v.finite_or_none(cell) is None and v.category(cell) is None


@pytest.mark.parametrize(("cell", "number"), [("1", 1.0), (" 2.5 ", 2.5), ("1e308", 1e308), (3, 3.0),
                                              (np.float64(0.5), 0.5), (True, 1.0), ("-0", 0.0)])
def test_numbers(cell, number):
    assert v.classify(cell) == (v.NUMBER, number)


def test_text_is_kept_as_text():
    assert v.classify(" coal ") == (v.TEXT, "coal")
    assert v.finite_or_none("coal") is None


def test_a_number_is_one_category_however_it_is_written():
    # pandas writes integer labels as 1 and float predictions as 1.0; both are class "1".
    assert {v.category(x) for x in (1, 1.0, "1", "1.0", " 1 ")} == {"1"}
    assert v.category(0.1) == "0.1" and v.category("rdf") == "rdf"


def test_missing_agrees_with_pandas_isna_on_what_pandas_reads_as_missing():
    column = pd.read_csv(pd.io.common.StringIO("x\n1\n\nnan\nNULL\nNaN\nnull\n2\n"))["x"]
    assert [v.is_missing(x) for x in column] == column.isna().tolist()


@pytest.mark.parametrize(("text", "flag"), [("1", True), ("TRUE", True), ("'yes'", True), ("on", True),
                                            ("0", False), ("False", False), ("no", False), ("off", False)])
def test_yes_no(text, flag):
    assert v.parse_bool(text) is flag


def test_yes_no_blank_is_the_default_and_nonsense_is_refused():
    assert v.parse_bool("", default=True) is True and v.parse_bool(None) is False
    with pytest.raises(ValueError, match="maybe"):
        v.parse_bool("maybe")
    assert v.truthy("maybe") is False
