"""The version has one source; the build stamps it and ships only the app."""

import configparser
import json
import os
import sys

from modelops import __version__

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import build  # noqa: E402


def test_version_is_semver_and_repo_files_agree():
    assert build.read_version() == __version__
    conf = configparser.ConfigParser()
    conf.read(os.path.join(ROOT, "default", "app.conf"))
    assert conf["id"]["version"] == conf["launcher"]["version"] == __version__
    manifest = json.load(open(os.path.join(ROOT, "app.manifest")))
    assert manifest["info"]["id"] == {"group": None, "name": "dsdl_modelops", "version": __version__}


def test_stamp_app_conf_only_touches_version_lines_of_id_and_launcher():
    text = "[id]\nname = x\nversion = 0.0.1\n\n[launcher]\nversion = 0.0.1\n\n[other]\nversion = keep\n"
    assert build.stamp_app_conf(text, "1.2.3") == (
        "[id]\nname = x\nversion = 1.2.3\n\n[launcher]\nversion = 1.2.3\n\n[other]\nversion = keep\n")


def test_stamp_manifest():
    text = json.dumps({"info": {"id": {"name": "dsdl_modelops", "version": "0.0.0"}}})
    assert json.loads(build.stamp_manifest(text, "2.0.0"))["info"]["id"]["version"] == "2.0.0"


def test_ignored_names():
    assert build.ignored("__pycache__") and build.ignored("x.pyc") and build.ignored("local")
    assert not build.ignored("modelops") and not build.ignored("lib")
