"""A DSDL container for template tests: a notebook exported exactly as DSDL does, telemetry collected,
and DSDL's /fit call order (app/main.py of splunk/splunk-mltk-container-docker)."""

from modelops.client.notebook import export_notebook
from modelops.client.telemetry import client as client_module
from modelops.client.telemetry.client import Telemetry
from modelops.client.telemetry.config import TelemetryConfig
from tests.telemetry_fakes import CollectingSender


def exported_container(notebook, tmp_path, monkeypatch):
    """(exported module, collecting sender, model folder, notebooks folder), with the working folder
    and model folder laid out as in the container."""
    sender = CollectingSender()
    monkeypatch.setattr(client_module, "_default", Telemetry(TelemetryConfig(spool_dir=str(tmp_path / "s")),
                                                             sender=sender))
    model_dir = tmp_path / "srv" / "app" / "model" / "data"
    monkeypatch.setenv("MODELOPS_MODEL_DIR", str(model_dir))
    work = tmp_path / "notebooks"
    (work / "data").mkdir(parents=True)
    monkeypatch.chdir(work)
    module = export_notebook(notebook, str(tmp_path / "srv" / "app" / "model"))
    return module, sender, model_dir, work


def dsdl_fit(module, df, param):
    """The order of DSDL's /fit endpoint: summary(), init, summary(model), fit, save, then apply on the
    very training DataFrame. Returns (apply's output, the saved model name)."""
    module.summary()
    model = module.init(df, param)
    module.summary(model)
    module.fit(model, df, param)
    name = "%s_%s" % (param["options"]["params"]["algo"], param["options"]["model_name"])
    module.save(model, name)
    return module.apply(model, df, param), name
