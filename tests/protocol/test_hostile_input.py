"""Hostile and awkward input through the chunked protocol, as splunkd would send it: any option
string and any rows give rows or one-sentence errors, never a traceback, within a bounded time.

Fixed seed (``derandomize``) and a small example budget per command, so it runs in `make test`.
"""

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.protocol import harness
from tests.strategies import CELLS

TRACEBACK = re.compile(r'Traceback|File "|\.py", line|\bline \d+\b|Error: [A-Za-z]+Error')
SETTINGS = settings(max_examples=int(os.environ.get("MODELOPS_HOSTILE_EXAMPLES", "6")), deadline=None,
                    derandomize=True, suppress_health_check=list(HealthCheck), database=None)

VALUES = st.one_of(
    st.sampled_from(["", "nan", "inf", "-1", "0", "1", "0.5", "1e309", "abc", "{x}", '"', "reference", "current",
                     "label", "score", "pa", "pb", "f1", "kiln", "_time", "true", "maybe", "a,b", "regression",
                     "classification", "forecast", "1000000000"]),
    st.text(max_size=6),
)


def options(names):
    pair = st.tuples(st.sampled_from(names), VALUES).map(lambda kv: "%s=%s" % kv)
    positional = st.sampled_from(["pa", "pb", "x", "label", "v1", "v2", "missing_field", "="])
    return st.lists(st.one_of(pair, positional), max_size=6)


def rows(fields):
    return st.lists(st.fixed_dictionaries({f: CELLS for f in fields}), max_size=30)


def assert_clean(result):
    for text in result.errors() + result.warnings():
        assert "\n" not in text and not TRACEBACK.search(text), text
    assert "Traceback" not in result.final.stderr, result.final.stderr[-2000:]
    for phase in result.map_phases:
        assert "Traceback" not in phase.stderr, phase.stderr[-2000:]
    if result.exit_code != 0:
        assert result.errors(), "a failed command must say why in one ERROR message"


def run(script, args, data):
    return harness.run(script, args, data, chunk_size=7, map_partitions=2, timeout=60)


DRIFT_FIELDS = ["period", "temp", "fuel", "_time", "model", "kiln"]
DRIFT_OPTIONS = ["fields", "split", "reference_until", "reference_value", "current_value", "stattest", "threshold",
                 "drift_share", "model", "history", "by"]


@SETTINGS
@given(options(DRIFT_OPTIONS), rows(DRIFT_FIELDS))
def test_modeldrift_survives_anything(args, data):
    assert_clean(run("modeldrift.py", ["split=period", "temp", "fuel", *args], data))


PROFILE_FIELDS = ["event_type", "model_name", "role", "feature", "kind", "n", "n_null", "counts", "edges",
                  "categories", "_time"]


@SETTINGS
@given(options(DRIFT_OPTIONS), rows(PROFILE_FIELDS))
def test_modeldrift_profile_mode_survives_anything(args, data):
    assert_clean(run("modeldrift.py", list(args), data))


COMPARE_FIELDS = ["label", "pa", "pb", "sa", "sb", "kiln", "_time"]
COMPARE_OPTIONS = ["label", "score1", "score2", "task", "pos_label", "by", "primary", "alpha", "bootstrap", "seed",
                   "horizon", "average"]


@SETTINGS
@given(options(COMPARE_OPTIONS), rows(COMPARE_FIELDS))
def test_modelcompare_predictions_survives_anything(args, data):
    assert_clean(run("modelcompare.py", ["label=label", "bootstrap=50", *args, "pa", "pb"], data))


RUN_FIELDS = ["model_version", "model_name", "metrics.f1", "metrics.mae", "f1", "event_type"]


@SETTINGS
@given(options(COMPARE_OPTIONS), rows(RUN_FIELDS))
def test_modelcompare_runs_survives_anything(args, data):
    assert_clean(run("modelcompare.py", [*args, "v1", "v2"], data))


def _optional_command(name):
    return os.path.isfile(os.path.join(harness.BIN, name))


if _optional_command("modelquality.py"):
    QUALITY_OPTIONS = ["split", "reference_value", "fields", "chunk", "max_run", "reference_until"]

    @SETTINGS
    @given(options(QUALITY_OPTIONS), rows(DRIFT_FIELDS))
    def test_modelquality_survives_anything(args, data):
        assert_clean(run("modelquality.py", ["split=period", "fields=temp,fuel", *args], data))


if _optional_command("modelestimate.py"):
    ESTIMATE_FIELDS = ["label", "score", "pred", "split", "_time"]
    ESTIMATE_OPTIONS = ["label", "score", "prediction", "split", "reference_value", "chunk", "span", "metrics",
                        "pos_label"]

    @SETTINGS
    @given(options(ESTIMATE_OPTIONS), rows(ESTIMATE_FIELDS))
    def test_modelestimate_survives_anything(args, data):
        assert_clean(run("modelestimate.py", ["label=label", "score=score", "prediction=pred", "split=split",
                                              *args], data))
