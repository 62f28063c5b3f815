"""Dashboard Studio views: generated from tools/dashboards/build_views.py, valid against the
@splunk/dashboard-validation schema with per-visualization option schemas, and their SPL well formed."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.package.conftest import ROOT
from tests.package.test_spl import LOOKUPS, MACROS
from tools import spl_check

TOOLS = os.path.join(ROOT, "tools", "dashboards")
VIEWS = os.path.join(ROOT, "default", "data", "ui", "views")
sys.path.insert(0, TOOLS)

import build_views  # noqa: E402


def view_files():
    return sorted(os.path.join(VIEWS, f) for f in os.listdir(VIEWS) if f.endswith(".xml"))


def definition(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return json.loads(re.search(r"<!\[CDATA\[(.*)\]\]>", text, re.S).group(1))


def validate(paths):
    if shutil.which("node") is None:
        pytest.fail("node is needed to validate dashboards (make test installs the npm packages it uses)")
    if not os.path.isdir(os.path.join(TOOLS, "node_modules", "@splunk", "dashboard-validation")):
        pytest.fail("tools/dashboards/node_modules is missing: run `make test` (it runs npm ci there)")
    return subprocess.run(["node", os.path.join(TOOLS, "validate.js"), *paths], capture_output=True, text=True)


def test_committed_views_are_what_the_generator_writes():
    assert [os.path.basename(p)[:-4] for p in view_files()] == sorted(build_views.BOARDS)
    for name in build_views.BOARDS:
        with open(os.path.join(VIEWS, name + ".xml"), encoding="utf-8") as f:
            assert f.read() == build_views.render(name), "run python tools/dashboards/build_views.py"


def test_views_pass_dashboard_validation():
    result = validate(view_files())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok") == len(view_files())


def test_the_validator_rejects_unknown_types_bad_options_and_dangling_references(tmp_path):
    bad = definition(os.path.join(VIEWS, "modelops_telemetry.xml"))
    bad["visualizations"]["viz_models"]["type"] = "splunk.heatmapz"
    bad["visualizations"]["viz_last"]["options"] = {"count": "many"}
    bad["visualizations"]["viz_lag"]["dataSources"]["primary"] = "ds_missing"
    path = tmp_path / "bad.xml"
    path.write_text('<dashboard version="2"><label>x</label><definition><![CDATA[%s]]></definition></dashboard>'
                    % json.dumps(bad))
    result = validate([str(path)])
    assert result.returncode == 1
    assert "/visualizations/viz_models/type must be equal to one of the allowed values" in result.stdout
    assert "/visualizations/viz_last/options/count must be number" in result.stdout
    assert "visualization viz_lag uses unknown data source ds_missing" in result.stdout


@pytest.mark.parametrize("path", view_files(), ids=os.path.basename)
def test_dashboard_searches_are_well_formed_and_use_the_macros(path):
    board = definition(path)
    for name, source in board["dataSources"].items():
        query = source["options"]["query"]
        assert spl_check.check(query, MACROS, LOOKUPS) == [], (name, query)
        if source["type"] == "ds.search" and "index=" in query:
            pytest.fail("%s searches an index directly; use `modelops_index`" % name)


def test_every_dashboard_is_in_the_nav():
    with open(os.path.join(ROOT, "default", "data", "ui", "nav", "default.xml"), encoding="utf-8") as f:
        nav = f.read()
    for name in build_views.BOARDS:
        assert '<view name="%s"' % name in nav
