"""Package gates: what ships, ksconf, slim, AppInspect, and the commands running from the package
on a bare interpreter (no site-packages), as in Splunk's own Python."""

import configparser
import json
import os
import subprocess
import sys
import tarfile

import pytest

from tests.package.conftest import ROOT
from tests.protocol import harness

TOOLS = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import appinspect  # noqa: E402

ALLOWED_TOP = {"app.manifest", "README.md", "LICENSE", "default", "metadata", "bin", "lookups", "static", "appserver"}


def test_package_holds_only_the_app(package_path):
    with tarfile.open(package_path) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert all(n == "dsdl_modelops" or n.startswith("dsdl_modelops/") for n in names)
    top = {n.split("/")[1] for n in names if n.count("/") >= 1}
    assert top <= ALLOWED_TOP, top - ALLOWED_TOP
    for name in names:
        parts = name.split("/")
        assert not name.endswith((".pyc", ".pyo")) and "__pycache__" not in parts, name
        assert "local" not in parts[:2] and "tests" not in parts[:2], name
    for member in members:
        assert member.uid == 0 and member.gid == 0
        assert (member.mode & 0o111) == (0o111 if member.isdir() else 0), member.name
    assert "dsdl_modelops/bin/lib/splunklib/searchcommands/__init__.py" in names
    assert "dsdl_modelops/bin/lib/splunk_sdk-2.1.1.dist-info/METADATA" in names


def test_package_ships_only_what_splunk_runs(package_path, extracted):
    """The container side (client/) stays out, and nothing shipped imports pandas or the client (except
    the lazy notebook names resolved in a module ``__getattr__``, which Splunk never asks for)."""
    import ast

    with tarfile.open(package_path) as tar:
        names = tar.getnames()
    assert not [n for n in names if "/bin/modelops/client" in n]
    assert "dsdl_modelops/bin/modelops/engine/compare/__init__.py" in names
    shipped = os.path.join(extracted, "bin", "modelops")
    for directory, _dirs, files in os.walk(shipped):
        for name in (f for f in files if f.endswith(".py")):
            tree = ast.parse(open(os.path.join(directory, name), encoding="utf-8").read())
            lazy = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "__getattr__"
                    for n in ast.walk(f)}
            for node in (n for n in ast.walk(tree) if id(n) not in lazy):
                modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                           else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                assert not [m for m in modules if m.split(".")[0] == "pandas" or ".client" in "." + m
                            or m.startswith("client")], (name, modules)


def test_package_carries_the_stamped_version(extracted):
    from modelops import __version__

    conf = configparser.ConfigParser()
    conf.read(os.path.join(extracted, "default", "app.conf"))
    assert conf["id"]["version"] == conf["launcher"]["version"] == __version__
    assert json.load(open(os.path.join(extracted, "app.manifest")))["info"]["id"]["version"] == __version__


def test_ksconf_check_parses_every_conf_and_meta(repo_confs):
    completed = subprocess.run([os.path.join(TOOLS, "ksconf"), "check", *repo_confs], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_commands_conf_declares_chunked_python3_commands():
    conf = configparser.ConfigParser()
    conf.read(os.path.join(ROOT, "default", "commands.conf"))
    assert conf.sections()
    for name in conf.sections():
        stanza = conf[name]
        assert stanza["chunked"] == "true" and stanza["python.version"] == "python3"
        assert [v.strip() for v in stanza["python.required"].split(",")] == ["3.9", "3.13"]
        assert os.path.isfile(os.path.join(ROOT, "bin", stanza["filename"]))


def test_slim_validate(extracted):
    completed = subprocess.run([os.path.join(TOOLS, "slim"), "validate", extracted], capture_output=True, text=True)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "[ERROR]" not in output, output


def test_appinspect_cloud_precert_gate(package_path):
    report = appinspect.inspect(package_path)
    with open(appinspect.ACCEPTED) as f:
        accepted = {k: v for k, v in json.load(f).items() if not k.startswith("_")}
    assert appinspect.gate(report, accepted) == []
    assert report["summary"]["failure"] == 0 and report["summary"]["future_failure"] == 0


def test_gate_refuses_failures_and_unlisted_warnings():
    report = {"reports": [{"groups": [{"checks": [
        {"name": "check_a", "result": "failure", "messages": [{"message": "bad"}]},
        {"name": "check_b", "result": "warning", "messages": [{"message": "hmm"}]},
        {"name": "check_c", "result": "warning", "messages": []},
        {"name": "check_d", "result": "future_failure", "messages": []},
    ]}]}]}
    assert appinspect.gate(report, {"check_c": "reason"}) == [
        "failure check_a: bad", "warning check_b: hmm", "future_failure check_d: "]


def test_every_command_answers_getinfo_from_the_package_on_a_bare_interpreter(extracted):
    conf = configparser.ConfigParser()
    conf.read(os.path.join(extracted, "default", "commands.conf"))
    for name in conf.sections():
        phase = harness.run_phase(os.path.join(extracted, "bin", conf[name]["filename"]), [], [], getinfo_only=True,
                                  python_flags=["-I", "-S"])
        assert phase.exit_code == 0 and phase.getinfo.get("type"), (name, phase.stderr)


@pytest.mark.parametrize("script", ["modeldrift.py"])
def test_commands_run_from_the_package_on_a_bare_interpreter(extracted, script):
    rows = [{"p": "reference", "x": str(i % 17)} for i in range(100)]
    rows += [{"p": "current", "x": str(i % 5)} for i in range(50)]
    phase = harness.run_phase(os.path.join(extracted, "bin", script), ["split=p", "x"], rows, chunk_size=40,
                              python_flags=["-I", "-S"])
    assert phase.exit_code == 0, phase.stderr
    assert [row["feature"] for row in phase.rows] == ["x", "_dataset_"]
