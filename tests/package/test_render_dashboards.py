"""Every Dashboard Studio view rendered in headless Chromium by Splunk's own framework.

tools/dashboards/render/run.js loads each view's definition unchanged from default/data/ui/views,
with every search data source answered by the fixture rows of tools/dashboards/render/fixtures.py
(the demo's telemetry, our commands run through the protocol harness). The checks are here.
`make test` installs what it needs (npm ci in tools/dashboards/render, Debian's chromium).
"""

import json
import os
import re
import shutil
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.package.conftest import ROOT

RENDER = os.path.join(ROOT, "tools", "dashboards", "render")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TOKEN = r"\$[A-Za-z_][\w.:|]*\$"
sys.path.insert(0, RENDER)

import declared  # noqa: E402
import fixtures  # noqa: E402


def _need_tools():
    if shutil.which("node") is None:
        pytest.fail("node is needed to render dashboards")
    if not os.path.isdir(os.path.join(RENDER, "node_modules", "@splunk", "dashboard-core")):
        pytest.fail("tools/dashboards/render/node_modules is missing: run `make test` (it runs npm ci there)")
    if not os.path.exists(CHROMIUM):
        pytest.fail("%s is missing: run `make test` (it installs Debian's chromium)" % CHROMIUM)


def render(fixture_file, report_file, views=None):
    command = ["node", os.path.join(RENDER, "run.js"), "--fixtures", str(fixture_file), "--report", str(report_file)]
    if views:
        command += ["--views", ",".join(views)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(report_file, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def definitions():
    return fixtures.definitions_from_views()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture file, built by a separate Python exactly as `make screenshots` builds it."""
    path = tmp_path_factory.mktemp("render") / "fixtures.json"
    done = subprocess.run([sys.executable, os.path.join(RENDER, "fixtures.py"), str(path)], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]
    with open(path, encoding="utf-8") as f:
        return path, json.load(f)


@pytest.fixture(scope="module")
def report(built, tmp_path_factory):
    _need_tools()
    return render(built[0], tmp_path_factory.mktemp("render") / "report.json")


VIEWS = sorted(fixtures.definitions_from_views())


# --- what the checks look for (also used on a broken page below, to show they can fail) ----------


def page_problems(view, seen, fixture_rows):
    problems = ["page error: %s" % e for e in seen["pageErrors"]]
    problems += ["request left 127.0.0.1: %s" % u for u in seen["offsite"]]
    problems += ["dialog: %s" % d for d in seen["dialogs"]]
    problems += ["no fixture for %s: add @fixture(%r, %r) in tools/dashboards/render/fixtures.py" % (ds, view, ds)
                 for ds in sorted(set(seen["missing"]))]
    if not seen["settled"]:
        problems.append("the page never settled")
    for panel_id, panel in seen["panels"].items():
        if panel["message"]:
            problems.append("%s shows %r instead of its data" % (panel_id, panel["message"]))
        if panel["error"] and fixture_rows.get(panel_id, 1):
            problems.append("%s is in error state" % panel_id)
        for over in panel["overflow"]:
            problems.append("%s: table %dpx wide in a %dpx panel (columns %s)"
                            % (panel_id, over["scrollWidth"], over["clientWidth"], panel["headers"]))
        for text in (panel["title"], panel["text"]):
            for token in re.findall(TOKEN, text):
                problems.append("%s shows the unresolved token %s" % (panel_id, token))
    for input_id, item in seen["inputs"].items():
        for token in re.findall(TOKEN, item["text"]):
            problems.append("input %s shows the unresolved token %s" % (input_id, token))
    return problems


def rows_per_panel(definition, view_fixtures):
    out = {}
    for panel_id, viz in definition["visualizations"].items():
        source = viz.get("dataSources", {}).get("primary")
        if source:
            columns = view_fixtures.get(source, {}).get("columns") or []
            out[panel_id] = len(columns[0]) if columns else 0
    return out


# --- the fixtures ------------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_render_fixtures_exist_for_every_data_source_with_the_columns_its_search_outputs(view, definitions, built):
    view_fixtures = built[1]["views"][view]
    for data_source, source in definitions[view]["dataSources"].items():
        assert data_source in view_fixtures, (
            "%s: data source %s has no fixture; add @fixture(%r, %r) in tools/dashboards/render/fixtures.py"
            % (view, data_source, view, data_source))
        got = view_fixtures[data_source]
        has_rows = bool(got["columns"] and got["columns"][0])
        query = source["options"]["query"]
        for name, value in built[1]["tokens"].items():
            query = query.replace("$%s$" % name, value)
        assert declared.check(got["fields"], query, has_rows) == [], (view, data_source)


def test_render_fixture_column_check_catches_a_wrong_fixture():
    assert declared.check(["a", "count", "b"], "| stats count by a | eval b=1") == []
    assert declared.check(["a", "b"], "| stats count by a | eval b=1") != []
    assert declared.check(["label"], '| modelregistry | eval label=model, value=model | table label value') != []
    assert declared.check(["_time"], "... | timechart count by event_type") != []
    assert declared.check(["model_family", "health"], "| stats max(x) AS x by model_family | rename x AS health") \
        == []
    assert declared.declared_columns("`modelops_events(profile)` | modeldrift") is None


# --- what the browser shows ----------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_render_shows_every_panel_with_data_and_nothing_broken(view, report, built, definitions):
    seen = report[view]
    rows = rows_per_panel(definitions[view], built[1]["views"][view])
    assert page_problems(view, seen, rows) == []
    assert set(seen["panels"]) == set(definitions[view]["visualizations"])
    for panel_id, count in rows.items():
        if seen["panels"][panel_id]["type"] == "splunk.table":
            assert seen["panels"][panel_id]["rows"] == count, panel_id


@pytest.mark.parametrize("view", VIEWS)
def test_render_queries_carry_the_chosen_tokens(view, report, built, definitions):
    """The query each data source received is its definition's query with the inputs' first-load
    values (defaults, or the first row of their search) substituted: model, versions, metric, time."""
    tokens = dict(built[1]["tokens"])
    definition = definitions[view]
    for item in definition.get("inputs", {}).values():
        if item["type"] == "input.timerange":
            earliest, latest = item["options"]["defaultValue"].split(",")
            tokens[item["options"]["token"] + ".earliest"] = earliest
            tokens[item["options"]["token"] + ".latest"] = latest
    last = {}
    for query in report[view]["queries"]:
        last[query["id"]] = query
    assert set(last) == set(definition["dataSources"]), "data sources never queried"
    for data_source, source in definition["dataSources"].items():
        expected = source["options"]["query"]
        for name, value in tokens.items():
            expected = expected.replace("$%s$" % name, value)
        assert last[data_source]["query"] == expected, data_source
        parameters = source["options"].get("queryParameters")
        if parameters:
            want = {k: tokens.get(v.strip("$"), v) for k, v in parameters.items()}
            assert (last[data_source]["earliest"], last[data_source]["latest"]) == (want["earliest"], want["latest"])


def test_render_registry_links_open_promote_and_rollback_searches(report, built):
    views = built[1]["views"]["modelops_registry"]
    first_version = views["ds_versions"]["columns"][0][0]
    first_alias = views["ds_aliases"]["columns"][0][0]
    model = built[1]["tokens"]["model"]
    links = report["modelops_registry"]["links"]

    def opened(panel):
        assert len(links[panel]["opened"]) == 1, links[panel]
        url = urlsplit(links[panel]["opened"][0])
        assert url.path == "/en-US/app/dsdl_modelops/search"
        return parse_qs(url.query)["q"][0]

    assert opened("viz_versions") == ('| modelregistry action=promote model="%s" version="%s" alias=production '
                                      'reason="..." preview=true' % (model, first_version))
    assert opened("viz_aliases") == ('| modelregistry action=rollback model="%s" alias="%s" reason="..." '
                                     'preview=true' % (model, first_alias))


def test_render_checks_fail_on_a_missing_fixture_and_a_too_wide_table(built, tmp_path):
    """The same checks on a page made wrong on purpose: one data source without fixture rows, one
    table with twenty columns in its panel."""
    _need_tools()
    broken = json.loads(json.dumps(built[1]))
    telemetry = broken["views"]["modelops_telemetry"]
    del telemetry["ds_lag"]
    wide = ["column_with_a_long_name_%d" % i for i in range(20)]
    telemetry["ds_last"] = {"fields": wide, "columns": [["value %d" % i] for i in range(20)]}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    seen = render(path, tmp_path / "report.json", ["modelops_telemetry"])["modelops_telemetry"]
    problems = page_problems("modelops_telemetry", seen, {})
    assert any(p.startswith("no fixture for ds_lag: add @fixture('modelops_telemetry', 'ds_lag')") for p in problems)
    assert any(p.startswith("viz_last: table") for p in problems), problems


# --- the panels of #17, #18, #19: their fixtures tell the story they were built for -------------


def _rows(built, view, data_source):
    got = built[1]["views"][view][data_source]
    return [dict(zip(got["fields"], values)) for values in zip(*got["columns"])]


def test_render_estimated_performance_has_a_band_and_realized_only_where_labels_arrived(built):
    rows = _rows(built, "modelops_model_detail", "ds_estimate")
    assert len(rows) >= 6
    for row in rows:
        assert float(row["lower"]) <= float(row["estimated"]) <= float(row["upper"])
        assert float(row["lower_threshold"]) < float(row["upper_threshold"])
    # labels arrive two days late: the last chunks have none (fixtures.scored_classifier_rows)
    assert [r["realized"] in ("", None) for r in rows][-2:] == [True, True]
    assert all(r["realized"] not in ("", None) for r in rows[:-3])


def test_render_data_quality_catches_the_stuck_analyser_and_the_dropped_thermocouple(built):
    rows = {r["feature"]: r for r in _rows(built, "modelops_drift", "ds_data_quality")}
    assert int(rows["o2"]["max_run"]) >= 75 and rows["o2"]["stuck"] == "1"  # 75 identical minutes injected
    # 40 empty minutes among the current rows (since midnight of the day before "now": 40 hours)
    assert float(rows["temp_zone2"]["missing_share"]) == round(40 / 2400, 3)
    assert "missing" in rows["temp_zone2"]["reasons"]
    assert set(rows) == {"temp_zone1", "temp_zone2", "o2", "feed_rate"}  # the demo fit's features


def test_render_automatic_rollbacks_come_from_the_alert_action(built):
    rows = _rows(built, "modelops_registry", "ds_automatic")
    assert [(r["alias"], r["from_version"], r["to_version"], r["actor"], r["alert"]) for r in rows] == [
        ("production", "v2", "v1", "ops_bot", "ModelOps - Quality below threshold")]
    manual = [r for r in _rows(built, "modelops_registry", "ds_history") if r["action"] == "rollback"
              and not str(r["reason"]).startswith("automatic rollback by alert")]
    assert len(manual) == 1  # the manual one stays out of the automatic table


def test_render_forecast_mase_and_coverage_match_a_hand_calculation():
    hourly, applies, series = fixtures.forecast_story()
    assert len(applies) == 6
    # By hand: MASE = the day's MAE over the in-sample MAE of the seasonal naive forecast (season 24) on
    # everything before the day; coverage = share of actuals inside [lower, upper]. The hourly rows are
    # rounded to 0.01, hence the tolerances.
    first = fixtures.floor_day(fixtures.START) + 3 * fixtures.DAY
    for day, apply in enumerate(applies):
        rows = [r for r in hourly if first + day * fixtures.DAY <= r["_time"] < first + (day + 1) * fixtures.DAY]
        assert len(rows) == 24
        train = series[:14 * 24 + 24 * day]
        naive = sum(abs(train[t] - train[t - 24]) for t in range(24, len(train))) / (len(train) - 24)
        mase = sum(abs(r["actual"] - r["forecast"]) for r in rows) / 24 / naive
        assert abs(mase - apply["metrics.mase"]) < 2e-3
        inside = sum(1 for r in rows if r["lower"] <= r["actual"] <= r["upper"]) / 24
        assert abs(inside - apply["metrics.coverage"]) <= 1 / 24 + 1e-9
    # the burner change on the sixth day: the forecast misses (MASE above 1, coverage falls)
    assert applies[-1]["metrics.mase"] > 1 > max(a["metrics.mase"] for a in applies[:3])
    assert applies[-1]["metrics.coverage"] < min(a["metrics.coverage"] for a in applies[:-1])
