"""The commands under Splunk's own Pythons (3.9 on Splunk 9.x, 3.13 on 10.2+), where installed:
same rows as under the test interpreter, byte for byte."""


import pytest

from tests.compare_builders import binary_rows
from tests.drift_builders import ARGS as DRIFT_ARGS
from tests.drift_builders import kiln_rows
from tests.protocol import harness
from tests.pythons import interpreter
from tests.splunkd_server import FakeSplunkd, KVEmulator, serve_capabilities


def both(python, script, args, rows, **kwargs):
    here = harness.run(script, args, rows, **kwargs)
    with_splunk_python = harness.run(script, args, rows, python=python, **kwargs)
    return here, with_splunk_python


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_reporting_commands_give_identical_rows(version):
    python = interpreter(version)
    drift = both(python, "modeldrift.py", DRIFT_ARGS, kiln_rows(shift=0.6), chunk_size=300, map_partitions=2)
    assert drift[1].exit_code == 0 and drift[1].rows == drift[0].rows and drift[0].rows
    rows = [{k: str(v) for k, v in r.items()} for r in binary_rows(n=700, seed=4)]
    compare = both(python, "modelcompare.py", ["label=label", "score1=sa", "score2=sb", "bootstrap=100", "pa", "pb"],
                   rows, chunk_size=250)
    assert compare[1].exit_code == 0 and compare[1].rows == compare[0].rows and compare[0].rows
    bad = both(python, "modelcompare.py", ["label={x}", "pa", "pb"], rows[:5])
    assert bad[1].errors() == bad[0].errors() and len(bad[0].errors()) == 1


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_registry_under_splunks_python(version):
    python = interpreter(version)
    with FakeSplunkd(session_key="admin-key") as splunkd:
        KVEmulator(splunkd, ("modelops_versions", "modelops_aliases", "modelops_history", "modelops_state"))
        serve_capabilities(splunkd, {"admin-key": ["edit_modelops_registry"]})
        info = {"splunkd_uri": splunkd.uri, "session_key": "admin-key"}
        for args in (["action=register", "model=K_AE", "version=v1"], ["action=register", "model=K_AE", "version=v2"],
                     ["action=promote", "model=K_AE", "version=v1", "alias=production"],
                     ["action=promote", "model=K_AE", "version=v2", "alias=production"],
                     ["action=rollback", "model=K_AE", "alias=production"]):
            result = harness.run("modelregistry.py", args, [], python=python, searchinfo_overrides=info)
            assert result.exit_code == 0, result.messages
        resolved = harness.run("modelregistry.py", ["action=resolve", "model=K_AE", "alias=production"], [],
                               python=python, searchinfo_overrides=info)
        assert resolved.rows[0]["dsdl_model"] == "K_AE_v1"


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_every_command_answers_getinfo(version):
    python = interpreter(version)
    for script in ("modelcompare.py", "modeldrift.py", "modelopshec.py", "modelregistry.py"):
        phase = harness.run_phase(script, [], [], getinfo_only=True, python=python)
        assert phase.exit_code == 0 and phase.getinfo.get("type"), (script, phase.stderr)
