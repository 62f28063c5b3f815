"""Every engine entry point, fed arbitrary options and rows in-process: it answers rows or raises one
ModelOpsError sentence, never another exception, and within a bounded time. (The same through the
chunked protocol, with fewer examples, is tests/protocol/test_hostile_input.py.)"""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelops
from modelops.errors import ModelOpsError
from tests.strategies import CELLS

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
                    database=None)
SECONDS = 10  # per call, on the largest input generated here

NUMBERISH = st.one_of(st.none(), st.sampled_from(["nan", "inf", "0", "-1", "1e309", "x"]),
                      st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10 ** 6))


def call(function, *args, **kwargs):
    start = time.perf_counter()
    try:
        rows = function(*args, **kwargs)
    except ModelOpsError as error:
        assert "\n" not in str(error) and str(error), repr(error)
        rows = None
    assert time.perf_counter() - start < SECONDS
    return rows


def frame(fields, size=40):
    return st.lists(st.fixed_dictionaries({f: CELLS for f in fields}), max_size=size)


@SETTINGS
@given(frame(["temp", "fuel"]), frame(["temp", "fuel"]),
       st.fixed_dictionaries({}, optional={"stattest": st.sampled_from(["ks", "psi", "chisquare", "wasserstein",
                                                                         "jensenshannon", "bogus"]),
                                           "threshold": NUMBERISH, "drift_share": NUMBERISH}))
def test_drift_answers_or_refuses(reference, current, options):
    rows = call(modelops.drift, reference, current, features=["temp", "fuel"], **options)
    if rows is not None:
        assert rows and all(isinstance(r, dict) for r in rows)


@SETTINGS
@given(frame(["label", "pa", "pb", "sa", "sb", "kiln"]),
       st.fixed_dictionaries({}, optional={"task": st.sampled_from(["classification", "regression", "bogus"]),
                                           "pos_label": CELLS, "bootstrap": st.integers(0, 200),
                                           "alpha": NUMBERISH, "by": st.sampled_from(["kiln", "nope"]),
                                           "primary": st.sampled_from(["f1", "mae", "nope"])}))
def test_compare_predictions_answers_or_refuses(data, options):
    call(modelops.compare, data, "pa", "pb", label="label", score1="sa", score2="sb", **options)


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"model_version": st.sampled_from(["v1", "v2", "", "nan"]),
                                       "metrics.f1": CELLS, "metrics.mae": CELLS}), max_size=30),
       st.fixed_dictionaries({}, optional={"bootstrap": st.integers(0, 200), "alpha": NUMBERISH,
                                           "primary": st.sampled_from(["f1", "nope"])}))
def test_compare_runs_answers_or_refuses(data, options):
    call(modelops.compare, data, "v1", "v2", **options)


@pytest.mark.parametrize("values", [[1e154, 2e154, 3e154], [1e300, -1e300, 5e299], [-1e308, 1e308, 0.0]])
def test_huge_finite_numbers_answer_or_refuse(values):
    reference = [{"temp": v * (1 + i / 100)} for i, v in enumerate(values * 10)]
    current = [{"temp": v * (1 - i / 100)} for i, v in enumerate(values * 10)]
    call(modelops.drift, reference, current, features=["temp"])
    data = [{"label": a["temp"], "pa": b["temp"], "pb": a["temp"] * 0.5} for a, b in zip(reference, current)]
    call(modelops.compare, data, "pa", "pb", label="label", task="regression", bootstrap=20)
