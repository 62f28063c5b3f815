"""The template notebook exported the way DSDL exports it, then driven in DSDL's call order."""

import json
import os

import numpy as np
import pandas as pd
import pytest

import modelops
from modelops.errors import ModelOpsError
from modelops.schema import validate_event
from tests.dsdl_container import dsdl_fit, exported_container

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOK = os.path.join(ROOT, "container", "notebooks", "ModelOps_Template.ipynb")
FEATURES = ["temp_zone1", "temp_zone2", "o2", "feed_rate"]


def kiln(n, shift=0.0, seed=0):
    g = np.random.default_rng(seed)
    load = g.normal(0, 1, n)
    return pd.DataFrame({"temp_zone1": 1450 + 8 * load + g.normal(0, 4, n) + 30 * shift,
                         "temp_zone2": 1180 + 6 * load + g.normal(0, 5, n), "o2": 2.1 + g.normal(0, 0.25, n),
                         "feed_rate": 200 + 10 * load + g.normal(0, 2, n)})


def meta(model_name, epochs=5, mode="stage"):
    # what `| fit MLTKContainer mode=stage algo=ModelOps_Template epochs=5 ... into app:NAME` writes as .json
    return {"options": {"params": {"mode": mode, "algo": "ModelOps_Template", "epochs": '"%d"' % epochs},
                        "args": FEATURES, "feature_variables": FEATURES, "target_variable": [],
                        "model_name": model_name, "algo_name": "MLTKContainer",
                        "mlspl_limits": {"handle_new_cat": "default", "max_distinct_cat_values": "100",
                                         "max_fit_time": "600", "max_inputs": "100000", "use_sampling": "true"}},
            "feature_variables": FEATURES, "target_variables": []}


@pytest.fixture
def container(tmp_path, monkeypatch):
    return exported_container(NOTEBOOK, tmp_path, monkeypatch)


def test_exported_template_runs_dsdl_call_order_and_emits_valid_events(container):
    module, sender, model_dir, work = container
    reference = kiln(800, seed=1)
    param = meta("Horno4_AE_v1")
    reference.to_csv(work / "data" / "Horno4_AE_v1.csv", index=False)
    (work / "data" / "Horno4_AE_v1.json").write_text(json.dumps(param))
    staged_df, staged_param = module.stage("Horno4_AE_v1")
    out, name = dsdl_fit(module, staged_df, staged_param)
    assert list(out.columns) == ["anomaly", "anomaly_score"] and len(out) == 800
    # /apply: load on every call, then apply, on a drifted hour
    model = module.load(name)
    applied = module.apply(model, kiln(120, shift=2.0, seed=2), param)
    assert applied["anomaly"].mean() > out["anomaly"].mean()
    types = [e["event_type"] for e in sender.events()]
    assert types.count("fit_run") == 1 and types.count("training_step") == 5
    assert types.count("apply_run") == 2 and types.count("profile") == 4 * 3
    for event in sender.events():
        assert validate_event(event) == [], event
    fit_run = sender.events("fit_run")[0]
    assert fit_run["params"] == {"epochs": "5"} and fit_run["model_version"] == "v1"
    assert fit_run["metrics"]["loss"] == pytest.approx(sender.events("training_step")[-1]["metrics"]["loss"])
    drifted = sender.events("apply_run")[-1]
    assert drifted["prediction_summary"]["anomaly_rate"] == pytest.approx(applied["anomaly"].mean())
    # the apply inside /fit is on training data: marked, so dashboards and alerts skip it
    assert [e["context"] for e in sender.events("apply_run")] == ["fit", "apply"]
    current = [e for e in sender.events("profile") if e["role"] == "current"]
    assert [e["context"] for e in current] == ["fit"] * 4 + ["apply"] * 4
    assert all("context" not in e for e in sender.events() if e["event_type"] in ("fit_run", "training_step"))


def test_apply_context_is_fit_only_for_the_very_training_frame(container):
    module, sender, _, work = container
    training = kiln(300, seed=5)
    param = meta("Horno4_AE_v3", epochs=2, mode="fit")
    _, name = dsdl_fit(module, training, param)
    # /apply reads its CSV into a new DataFrame: same values, another object -> a real apply
    training.to_csv(work / "same.csv", index=False)
    same_values = pd.read_csv(work / "same.csv")
    module.apply(module.load(name), same_values, param)
    module.apply(module.load(name), training.copy(), param)
    # another model applied to this model's training frame is not that model's fit
    other = meta("Horno5_AE_v1", epochs=2, mode="fit")
    module.apply(module.load(name), training, other)
    # a refit on new data: the old training frame is now an ordinary apply, the new one is "fit"
    new_training = kiln(200, seed=6)
    dsdl_fit(module, new_training, param)
    module.apply(module.load(name), training, param)
    assert [e["context"] for e in sender.events("apply_run")] == ["fit", "apply", "apply", "apply", "fit", "apply"]
    for event in sender.events("apply_run"):
        assert validate_event(event) == []


def test_refit_keeps_the_previous_model_and_restore_brings_it_back(container):
    module, _, model_dir, _ = container
    param = meta("Horno4_AE_v2", epochs=3)
    _, name = dsdl_fit(module, kiln(300, seed=3), param)
    first = module.load(name)
    dsdl_fit(module, kiln(300, shift=1.0, seed=4), param)
    second = module.load(name)
    assert first["threshold"] != second["threshold"]
    versions = modelops.model_versions(name, directory=str(model_dir))
    assert [(v["version"], v["current"]) for v in versions] == [(1, False), (2, True)]
    modelops.restore_model(name, 1, directory=str(model_dir))
    assert module.load(name)["threshold"] == first["threshold"]


def test_model_files_keep_k_versions_and_detect_tampering(tmp_path):
    for i in range(7):
        modelops.save_model({"i": i}, "algo_m", directory=str(tmp_path), keep=3)
    versions = modelops.model_versions("algo_m", directory=str(tmp_path))
    assert [v["version"] for v in versions] == [5, 6, 7]
    assert sorted(os.listdir(tmp_path)) == ["algo_m.pkl", "algo_m.v5.pkl", "algo_m.v6.pkl", "algo_m.v7.pkl",
                                            "algo_m.versions.json"]
    assert modelops.load_model("algo_m", directory=str(tmp_path), version=5) == {"i": 4}
    with pytest.raises(ModelOpsError, match="has no kept version v2"):
        modelops.restore_model("algo_m", 2, directory=str(tmp_path))
    (tmp_path / "algo_m.pkl").write_bytes(b"not a model")
    with pytest.raises(ModelOpsError, match="does not match its recorded sha256"):
        modelops.load_model("algo_m", directory=str(tmp_path))
    with pytest.raises(ModelOpsError, match="plain name"):
        modelops.save_model({}, "../evil", directory=str(tmp_path))


def test_export_keeps_only_mltkc_cells_in_order(tmp_path):
    from modelops.client.notebook import exported_source

    source = exported_source(NOTEBOOK)
    order = [source.index("# %s" % n) for n in ("mltkc_import", "mltkc_stage", "mltkc_init", "mltkc_fit",
                                                "mltkc_apply", "mltkc_save", "mltkc_load", "mltkc_summary")]
    assert order == sorted(order)
    assert "Local dry run" not in source and "# ModelOps template for DSDL" not in source
