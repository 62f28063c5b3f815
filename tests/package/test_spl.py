"""Every SPL string the app ships passes the structural check (tools/spl_check.py)."""

import configparser
import os

import pytest

from tests.package.conftest import ROOT
from tools import spl_check


def conf(name):
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(os.path.join(ROOT, "default", name))
    return parser


MACROS = {section: section for section in conf("macros.conf").sections()}
LOOKUPS = set(conf("transforms.conf").sections()) | {
    f for f in os.listdir(os.path.join(ROOT, "lookups")) if f.endswith(".csv")}


def shipped_searches():
    saved = conf("savedsearches.conf")
    for name in saved.sections():
        yield "savedsearches.conf [%s]" % name, saved[name]["search"], False
    macros = conf("macros.conf")
    for name in macros.sections():
        yield "macros.conf [%s]" % name, macros[name]["definition"], True


@pytest.mark.parametrize("where, spl, fragment", list(shipped_searches()), ids=lambda v: v if isinstance(v, str)
                         and v.endswith("]") else "")
def test_shipped_spl_is_well_formed(where, spl, fragment):
    assert spl_check.check(spl, MACROS, LOOKUPS, fragment=fragment) == [], where


@pytest.mark.parametrize("spl, problem", [
    ('index=x | stats count by "a', "unbalanced double quote"),
    ("index=x | eval a=(1+2", "unbalanced brackets"),
    ("index=x | join a [search index=y | stats count", "unbalanced brackets"),
    ("index=x | statz count", "unknown command 'statz'"),
    ("index=x | join a [search index=y | frobnicate]", "unknown command 'frobnicate'"),
    ("`modelops_index` | `no_such_macro`", "unknown macro `no_such_macro` with 0 argument(s)"),
    ("`modelops_events(a, b)`", "unknown macro `modelops_events` with 2 argument(s)"),
    ("| inputlookup nope.csv", "unknown lookup 'nope.csv'"),
    ("index=x | | stats count", "empty command between pipes"),
    ("index=x `modelops_dedup", "unclosed backtick macro"),
])
def test_the_check_finds_what_it_claims(spl, problem):
    assert problem in spl_check.check(spl, MACROS, LOOKUPS)


def test_the_check_accepts_quotes_brackets_and_pipes_inside_strings():
    spl = 'index=x msg="a | b [c] (d" | eval y="\\"q\\"" | where like(msg, "%|%") | `modelops_events(fit_run)`'
    assert spl_check.check(spl, MACROS, LOOKUPS) == []


def test_thresholds_lookup_rows_are_valid():
    import csv

    with open(os.path.join(ROOT, "lookups", "modelops_thresholds.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and set(rows[0]) == {"model_pattern", "metric", "operator", "threshold", "severity", "description"}
    for row in rows:
        assert row["operator"] in ("<", "<=", ">", ">="), row
        float(row["threshold"])
        assert 1 <= int(row["severity"]) <= 6
    seed_defaults = {(r["metric"], r["operator"], float(r["threshold"])) for r in rows if r["model_pattern"] == "*"}
    assert {("r2", "<", 0.85), ("accuracy", "<", 0.90), ("psi", ">=", 0.2), ("drift_share", ">=", 0.5)} <= seed_defaults


def test_every_scheduled_search_has_a_time_range_and_alerts_are_suppressed_per_model():
    saved = conf("savedsearches.conf")
    for name in saved.sections():
        stanza = saved[name]
        assert stanza.get("dispatch.earliest_time") and stanza.get("cron_schedule"), name
        if stanza.get("alert.track") == "1":
            assert stanza["alert.suppress"] == "1" and stanza["alert.suppress.fields"], name
            assert stanza["action.email"] == "0" and stanza.get("alert.severity"), name
