"""Seed the lab stack with real telemetry: run inside the ModelOps golden-cpu container.

The template notebook, exported as DSDL exports it, fits two versions of the kiln autoencoder and
applies each to a normal and a drifted period; the client sends everything to Splunk's HEC.
"""

import sys

import numpy as np
import pandas as pd

import modelops
from modelops.client.notebook import export_notebook

FEATURES = ["temp_zone1", "temp_zone2", "o2", "feed_rate"]


def kiln(n, start, shift=0.0, seed=0):
    g = np.random.default_rng(seed)
    load = g.normal(0, 1, n)
    return pd.DataFrame({"_time": start + 60 * np.arange(n),
                         "temp_zone1": 1450 + 8 * load + g.normal(0, 4, n) + 30 * shift,
                         "temp_zone2": 1180 + 6 * load + g.normal(0, 5, n), "o2": 2.1 + g.normal(0, 0.25, n),
                         "feed_rate": 200 + 10 * load + g.normal(0, 2, n)})


def meta(name, epochs):
    return {"options": {"params": {"mode": "fit", "algo": "ModelOps_Template", "epochs": str(epochs)},
                        "feature_variables": FEATURES, "model_name": name, "algo_name": "MLTKContainer"},
            "feature_variables": FEATURES, "target_variables": []}


def main():
    module = export_notebook("/opt/modelops/notebooks/ModelOps_Template.ipynb", "/srv/app/model")
    start = 1_764_000_000
    reference = kiln(3 * 1440, start, seed=1)
    for name, epochs in (("Horno4_AE_v1", 10), ("Horno4_AE_v2", 30)):
        param = meta(name, epochs)
        model = module.init(reference, param)
        module.fit(model, reference, param)
        module.save(model, "ModelOps_Template_" + name)
        for shift, seed in ((0.0, 2), (1.5, 3)):
            module.apply(module.load("ModelOps_Template_" + name), kiln(1440, start + 4 * 86400, shift, seed), param)
        print("seeded", name)
    delivered = modelops.flush(60)
    print("delivered to HEC:", delivered)
    return 0 if delivered else 1


if __name__ == "__main__":
    sys.exit(main())
