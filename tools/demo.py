"""`make demo`: the offline end-to-end run of what exists so far.

1. The package that `make build` made.
2. Telemetry: two versions of an IsolationForest+PCA anomaly model fitted and applied through the
   `modelops` client on synthetic kiln data, with no HEC configured: everything lands in the spool.
3. The registry (SQLite, offline): the fits above synced in, a third version registered, a
   promotion, a rollback and the history.
4. `| modelcompare` on that telemetry (runs mode) and on both versions' predictions (predictions mode).
5. `| modeldrift` run exactly as splunkd runs it (protocol v2, several chunks, map then reduce)
   on synthetic kiln sensor data: a stable period and a drifted one.
6. AppInspect's verdict on the package.
"""

import argparse
import collections
import glob
import json
import os
import random
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "bin"))
DEMO_DIR = os.path.join(ROOT, "build", "demo")

import appinspect  # noqa: E402
from tests.protocol import harness  # noqa: E402

FEATURES = ("temp_zone1", "temp_zone2", "o2", "feed_rate", "fuel_type")


def kiln_period(g, start, minutes, drift):
    """Minute rows of a cement kiln: two zone temperatures, O2, feed rate and the fuel in use."""
    rows = []
    for i in range(minutes):
        load = g.gauss(0, 1)
        rows.append({
            "_time": str(start + 60 * i),
            "temp_zone1": "%.2f" % (1450 + 8 * load + g.gauss(0, 4) + 25 * drift),
            "temp_zone2": "%.2f" % (1180 + 6 * load + g.gauss(0, 5)),
            "o2": "%.3f" % (2.1 + g.gauss(0, 0.25) - 0.4 * drift),
            "feed_rate": str(int(200 + 10 * load)),
            "fuel_type": g.choices(["coal", "petcoke", "rdf"], [0.6, 0.3 - 0.2 * drift, 0.1 + 0.2 * drift])[0],
        })
    return rows


def print_table(rows, columns):
    widths = {c: max(len(c), *(len(_fmt(r.get(c, ""))) for r in rows)) for c in columns}
    print("  " + "  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  " + "  ".join(_fmt(row.get(c, "")).ljust(widths[c]) for c in columns))


def _fmt(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(value) if number == int(number) and "." not in str(value) else "%.4g" % number


def kiln_frame(n, start, drift=0.0, seed=0):
    """Minute data of a kiln: zone temperatures, O2, feed, and the incidents operators logged."""
    import numpy as np
    import pandas as pd

    g = np.random.default_rng(seed)
    load = g.normal(0, 1, n)
    incident = g.random(n) < 0.03
    return pd.DataFrame({
        "_time": start + 60 * np.arange(n),
        "temp_zone1": 1450 + 8 * load + g.normal(0, 4, n) + 25 * drift + 60 * incident,
        "temp_zone2": 1180 + 6 * load + g.normal(0, 5, n),
        "o2": 2.1 + g.normal(0, 0.25, n) - 0.4 * drift - 0.8 * incident,
        "feed_rate": 200 + 10 * load + g.normal(0, 2, n),
        "incident": incident.astype(int),
    })


MODELS = {}


def telemetry_demo():
    """Fit and apply two model versions the way DSDL calls a notebook, with telemetry spooled offline."""
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import modelops
    from modelops.client.telemetry.client import Telemetry, set_telemetry
    from modelops.client.telemetry.config import TelemetryConfig

    spool_dir = os.path.join(DEMO_DIR, "spool")
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    os.environ["MODELOPS_MODEL_DIR"] = os.path.join(DEMO_DIR, "models")
    set_telemetry(Telemetry(TelemetryConfig(spool_dir=spool_dir)))  # no HEC: everything is spooled

    features = ["temp_zone1", "temp_zone2", "o2", "feed_rate"]

    @modelops.track_fit
    def fit(model, df, param):
        model.fit(df[features])
        return {"message": "model trained"}

    @modelops.track_apply
    def apply(model, df, param):
        import pandas as pd

        return pd.DataFrame({"anomaly": model.predict(df[features]),
                             "anomaly_score": -model.score_samples(df[features])})

    def param(name, **params):
        return {"options": {"model_name": name, "params": {"mode": "fit", "algo": "kiln_iforest_pca", **params}},
                "feature_variables": features, "target_variables": ["incident"]}

    start = 1764000000
    reference = kiln_frame(3 * 1440, start, seed=1)
    days = [("day %d" % d, kiln_frame(1440, start + (3 + d) * 86400, drift=1.0 if d == 6 else 0.0, seed=10 + d))
            for d in range(1, 7)]  # six applied days, the last one after a burner change
    versions = {"Horno4_IF_v1": dict(n_estimators=50, contamination=0.05, n_components=2),
                "Horno4_IF_v2": dict(n_estimators=200, contamination=0.03, n_components=3)}
    print("\n-- telemetry: fit and apply two versions through the modelops client (no HEC: spooled) --")
    for name, p in versions.items():
        model = make_pipeline(StandardScaler(), PCA(n_components=p["n_components"]),
                              IsolationForest(n_estimators=p["n_estimators"], contamination=p["contamination"],
                                              random_state=0))
        fit(model, reference, param(name, **{k: str(v) for k, v in p.items()}))
        rates = []
        for _label, day in days:
            out = apply(model, day, param(name))
            rates.append("%.3f" % float((out["anomaly"] == -1).mean()))
        print("  %s fitted, applied to 6 days; anomaly rate per day: %s" % (name, " ".join(rates)))
        MODELS[name] = model
    delivered = modelops.flush(5)
    lines = []
    for path in sorted(glob.glob(os.path.join(spool_dir, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            lines.extend(json.loads(line) for line in f if line.strip())
    counts = collections.Counter(e["event"]["event_type"] for e in lines)
    print("  delivered to HEC: %s; spooled in %s: %d events %s"
          % (delivered, os.path.relpath(spool_dir, ROOT), len(lines), dict(sorted(counts.items()))))
    problems = [p for e in lines for p in modelops.validate_event(e["event"])]
    print("  schema v1 problems: %d" % len(problems))
    example = next(e for e in lines if e["event"]["event_type"] == "apply_run")
    print("  one apply_run event, as HEC will receive it:")
    for line in json.dumps(example, indent=2).splitlines():
        print("    " + line)
    return lines


def registry_demo(spooled):
    """The registry offline: sync from the spooled fit_run events, then promote, roll back, read history."""
    from modelops.client.registry import open_registry

    print("\n-- registry (sqlite:///build/demo/registry.db) --")
    registry = open_registry("sqlite:///" + os.path.join(DEMO_DIR, "registry.db"), actor="ana")
    fits = [e["event"] for e in spooled if e["event"]["event_type"] == "fit_run"]
    registered, refreshed = registry.sync(fits)
    print("  sync from %d fit_run events: %d versions registered" % (len(fits), registered))
    registry.register("Horno4_IF", "v3", description="v2 retrained on March data", tags="kiln4,candidate")
    registry.promote("Horno4_IF", "v1", "production", reason="first go-live")
    registry.promote("Horno4_IF", "v3", "production", reason="lower false-alarm rate in shadow mode")
    registry.promote("Horno4_IF", "v2", "staging")
    back = registry.rollback("Horno4_IF", "production", reason="v3 missed a real kiln-4 incident")
    print("  rollback of production: %s -> %s" % (back["from_version"], back["version"]))
    print("  | modelregistry model=Horno4_IF")
    print_table([dict(r, aliases=",".join(r["aliases"])) for r in registry.list_versions("Horno4_IF")],
                ("family", "version", "dsdl_model", "aliases", "status", "created_by", "algo"))
    print("  | modelregistry action=history model=Horno4_IF")
    print_table(registry.history("Horno4_IF"), ("action", "alias", "from_version", "to_version", "actor", "reason"))
    print("  `modelops_apply(Horno4_IF, production)` now applies %s"
          % registry.resolve("Horno4_IF", "production")["dsdl_model"])


def compare_demo(spooled):
    """| modelcompare in both modes, run as splunkd runs it."""
    import modelops

    print("\n-- | modelcompare, runs mode: the apply_run telemetry of both versions --")
    runs = [modelops._flatten_metrics(e["event"]) for e in spooled if e["event"]["event_type"] == "apply_run"]
    rows = [{k: str(v) for k, v in r.items() if not isinstance(v, (dict, list))} for r in runs]
    result = harness.run("modelcompare.py", ["seed=1", "Horno4_IF_v1", "Horno4_IF_v2"], rows, chunk_size=5)
    _check(result)
    print_table(result.rows, ("metric", "value_a", "value_b", "delta", "ci_low", "ci_high", "test", "p_value", "p_holm",
                              "winner"))
    print("\n-- | modelcompare, predictions mode: both versions on the same labelled day --")
    day = kiln_frame(2 * 1440, 1764000000 + 20 * 86400, seed=99)
    features = ["temp_zone1", "temp_zone2", "o2", "feed_rate"]
    labelled = []
    outputs = {name: (model.predict(day[features]), -model.score_samples(day[features]))
               for name, model in MODELS.items()}
    (pa, sa), (pb, sb) = outputs["Horno4_IF_v1"], outputs["Horno4_IF_v2"]
    for i, incident in enumerate(day["incident"]):
        labelled.append({"incident": str(int(incident)), "pa": str(int(pa[i] == -1)), "pb": str(int(pb[i] == -1)),
                         "sa": "%.5f" % sa[i], "sb": "%.5f" % sb[i], "shift": "ABC"[(i // 480) % 3]})
    args = ["label=incident", "score1=sa", "score2=sb", "seed=1", "pa", "pb"]
    result = harness.run("modelcompare.py", args, labelled, chunk_size=1000)
    _check(result)
    print("  | modelcompare %s   (pa = Horno4_IF_v1, pb = Horno4_IF_v2; %d rows)" % (" ".join(args), len(labelled)))
    print_table(result.rows, ("metric", "value_a", "value_b", "delta", "ci_low", "ci_high", "test", "p_value", "p_holm",
                              "winner"))


def _check(result):
    if result.exit_code != 0:
        raise SystemExit("command failed: %s" % result.messages)


def profile_drift_demo(spooled):
    """| modeldrift in profile mode over the spooled profile telemetry, as Splunk extracts it."""
    def splunk_style(envelope):
        event = envelope["event"]
        row = {k: str(v) for k, v in event.items() if not isinstance(v, (list, dict)) and v is not None}
        row["_time"] = str(envelope["time"])
        for key in ("counts", "edges", "categories"):
            if event.get(key) is not None:
                row[key + "{}"] = [str(v) for v in event[key]]
        return row

    profiles = [e for e in spooled if e["event"]["event_type"] == "profile"]
    print("\n-- | modeldrift (profile mode) over %d profile events: latest applied day vs the fit --" % len(profiles))
    result = harness.run("modeldrift.py", [], [splunk_style(e) for e in profiles], chunk_size=20)
    _check(result)
    print_table(result.rows, ("model", "feature", "kind", "n_ref", "n_cur", "test", "statistic", "drift", "psi",
                              "psi_level", "js", "drift_share"))


def drift_demo():
    g = random.Random(2026)
    start = 1764000000
    reference = kiln_period(g, start, 3 * 1440, drift=0.0)
    stable = kiln_period(g, start + 3 * 86400, 1440, drift=0.0)
    drifted = kiln_period(g, start + 4 * 86400, 1440, drift=1.0)
    columns = ("feature", "kind", "test", "statistic", "p_value", "drift", "psi", "psi_level", "drift_share")
    for label, current in (("stable day", stable), ("drifted day (burner change)", drifted)):
        rows = [dict(r, period="reference") for r in reference] + [dict(r, period="current") for r in current]
        args = ["split=period", "fields=%s" % ",".join(FEATURES), "model=Horno4_AE_v3"]
        result = harness.run("modeldrift.py", args, rows, chunk_size=1000, map_partitions=2)
        if result.exit_code != 0:
            raise SystemExit("modeldrift failed: %s" % result.messages)
        print("\n| modeldrift %s   (%s: %d reference rows vs %d current rows, %d chunks, map on 2 'indexers')"
              % (" ".join(args), label, len(reference), len(current), len(result.final.replies)))
        print_table(result.rows, columns)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True)
    args = parser.parse_args(argv)
    package = os.path.abspath(args.package)
    print("== ModelOps for DSDL demo ==")
    print("package: %s (%d KiB)" % (package, os.path.getsize(package) // 1024))
    spooled = telemetry_demo()
    registry_demo(spooled)
    compare_demo(spooled)
    profile_drift_demo(spooled)
    drift_demo()
    print()
    return appinspect.main([package])


if __name__ == "__main__":
    sys.exit(main())
