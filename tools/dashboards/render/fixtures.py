"""Fixture rows for every search data source of every dashboard, from the demo's telemetry.

`python tools/dashboards/render/fixtures.py OUT.json` writes
``{"<view>": {"<data source id>": {"fields": [...], "columns": [[...], ...]}}}`` for render/run.js.

Where the data comes from:
- The telemetry is `make demo`'s (tools/demo.py `telemetry_demo`: two IsolationForest versions fitted
  and applied to six days of synthetic kiln data). The demo runs in seconds of wall-clock time, so
  the events are re-stamped onto the days the demo's data describes: fits after the three reference
  days, one apply per day after that (`restamp`).
- The events become rows the way Splunk extracts them (`KV_MODE = json`: `metrics.f1`, `counts{}`).
- A search that ends in one of our commands gets that command's real output: the command runs as
  splunkd runs it (tests/protocol/harness.py, chunked protocol v2, map then reduce), over those rows
  (`modelcompare`, `modeldrift`) or over a registry built with `| modelregistry` itself against a
  stand-in splunkd with the KV store's REST semantics (`modelregistry`). The SPL after the command
  (`where`, `stats`, `table` ...) is applied here in Python, spelled out per data source.
- Searches of plain Splunk commands (`timechart`, `stats`, `rest`) are computed here from the same
  rows. The render test checks every fixture's columns against what the search's last command says
  it outputs (`declared_columns`), so a hand-made fixture cannot drift from its search.

To add a panel: give its data source a `@fixture(view, data_source_id)` function below. A data
source without one fails the render test with a message pointing here.
"""

import collections
import contextlib
import csv
import gzip
import io
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
for _path in (ROOT, os.path.join(ROOT, "tools"), os.path.join(ROOT, "bin"), os.path.dirname(os.path.abspath(__file__))):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from declared import declared_columns  # noqa: E402

import demo  # noqa: E402  (the demo's data generators)
from tests.protocol import harness  # noqa: E402
from tests.splunkd_server import FakeSplunkd, KVEmulator, serve_capabilities, serve_export, serve_receiver  # noqa: E402

DAY = 86400
START = 1764000000  # tools/demo.py: the kiln data starts here; three reference days, then one day per apply
NOW = START + 9 * DAY  # the end of the demo's sixth applied day: "now" for relative_time() in the searches
FAMILY = "Horno4_IF"
FORECAST_FAMILY = "Horno4_ARIMA"
REGISTRY_COLLECTIONS = ("modelops_versions", "modelops_aliases", "modelops_history", "modelops_state")
FIXTURES = {}


def fixture(view, *data_sources):
    """Register the rows of `data_sources` of `view` (computed once per build, then reused)."""
    def register(function):
        def once(d):
            if function.__name__ not in d.cache:
                d.cache[function.__name__] = function(d)
            return [dict(row) for row in d.cache[function.__name__]]
        once.__name__ = function.__name__
        for data_source in data_sources:
            FIXTURES[(view, data_source)] = once
        return once
    return register


# --- the demo's telemetry as Splunk would hold it ------------------------------------------------


def demo_telemetry():
    """The HEC envelopes `make demo` spools, made in a throw-away folder (the demo prints; we don't)."""
    folder = tempfile.mkdtemp(prefix="render-demo-")
    saved_dir, saved_env = demo.DEMO_DIR, os.environ.get("MODELOPS_MODEL_DIR")
    demo.DEMO_DIR = folder
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return demo.telemetry_demo()
    finally:
        demo.DEMO_DIR = saved_dir
        if saved_env is None:
            os.environ.pop("MODELOPS_MODEL_DIR", None)
        else:
            os.environ["MODELOPS_MODEL_DIR"] = saved_env
        shutil.rmtree(folder, ignore_errors=True)


def restamp(envelopes):
    """Put each run on the day of the data it saw: fit at the end of the three reference days, the
    k-th apply of a version at the end of day k; profiles share their run's time. Versions are ten
    minutes apart. Indexing lag: a HEC batch flush, 2-6 s."""
    run_time, applies, fits = {}, collections.Counter(), 0
    for envelope in envelopes:
        event = envelope["event"]
        offset = 600 * (int(event["model_version"].lstrip("v")) - 1)
        if event["event_type"] == "fit_run":
            run_time[event["run_id"]] = START + 3 * DAY + offset
            fits += 1
        elif event["event_type"] == "apply_run":
            applies[event["model_name"]] += 1
            run_time[event["run_id"]] = START + (3 + applies[event["model_name"]]) * DAY + 6 * 3600 + offset
    out = []
    for i, envelope in enumerate(envelopes):
        when = run_time[envelope["event"]["run_id"]] + (i % 7)
        out.append(dict(envelope, time=when, indextime=when + 2 + i % 5))
    return out


def splunk_row(envelope):
    """One event as search-time JSON extraction shows it: nested keys dotted, arrays as `name{}`
    multivalues, nulls absent, plus the envelope's _time, _indextime, host, source, sourcetype."""
    row = {"_time": envelope["time"], "_indextime": envelope["indextime"], "host": envelope["host"],
           "source": envelope["source"], "sourcetype": envelope["sourcetype"], "index": envelope["index"]}

    def walk(prefix, value):
        if value is None:
            return
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(prefix + "." + key if prefix else key, inner)
        elif isinstance(value, list):
            row[prefix + "{}"] = [_text(v) for v in value]
        else:
            row[prefix] = value

    walk("", envelope["event"])
    return row


def _text(value):
    return json.dumps(value) if isinstance(value, bool) else str(value)


def wire(rows):
    """Rows as splunkd hands them to a command: every value a string, multivalues lists of strings."""
    return [{k: v if isinstance(v, list) else _text(v) for k, v in row.items()} for row in rows]


_RUNS = {}


def run_command(script, args, rows=(), **kwargs):
    """`| <command> <args>` over `rows` through the harness; the same run twice is answered once."""
    key = json.dumps([script, list(args), wire(rows), kwargs], sort_keys=True, default=str)
    if key not in _RUNS:
        _RUNS[key] = _run_command(script, args, rows, **kwargs)
    return [dict(row) for row in _RUNS[key]]


def _run_command(script, args, rows=(), **kwargs):
    result = harness.run(script, list(args), wire(rows), **kwargs)
    if result.exit_code != 0 or result.errors():
        raise RuntimeError("| %s %s failed: %s" % (script[:-3], " ".join(args), result.messages or result.final.stderr))
    return result.rows


ROLLBACK_SCRIPT = os.path.join(ROOT, "bin", "modelops_rollback.py")


def rollback_alert(server, search_name, results, owner="ops_bot"):
    """`python3 bin/modelops_rollback.py --execute` with splunkd's payload on stdin and a gzipped
    results file (as tests/protocol/test_rollback_action.py runs it)."""
    folder = tempfile.mkdtemp(prefix="render-alert-")
    try:
        path = os.path.join(folder, "results.csv.gz")
        with gzip.open(path, "wt", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(results[0]))
            writer.writeheader()
            writer.writerows(results)
        payload = {"app": "dsdl_modelops", "owner": owner, "session_key": "admin-key", "server_uri": server.uri,
                   "server_host": "sh1", "sid": "scheduler__%s__dsdl_modelops__RMD5e1f2_at_%d_7" % (owner, NOW),
                   "search_name": search_name, "results_file": path, "result": {}, "configuration": {}}
        done = subprocess.run([harness.COMMAND_PYTHON, "-I", "-S", "-B", ROLLBACK_SCRIPT, "--execute"],
                              input=json.dumps(payload), capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        if done.returncode != 0 or "rolled back" not in done.stderr:
            raise RuntimeError("modelops_rollback failed: %s" % done.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the SPL after a command, spelled out ---------------------------------------------------------


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def table(rows, *fields):
    return [{f: row.get(f) for f in fields} for row in rows]


def timechart(rows, value, by=None, agg="avg", span=DAY):
    """`timechart span=1d <agg>(value) by <by>` (count when value is None)."""
    buckets = collections.defaultdict(lambda: collections.defaultdict(list))
    series = []
    for row in rows:
        key = row.get(by) if by else value
        if key not in series:
            series.append(key)
        bucket = int(row["_time"]) // span * span
        buckets[bucket][key].append(1 if value is None else num(row.get(value)))
    out = []
    for bucket in sorted(buckets):
        line = {"_time": iso(bucket)}
        for key in series:
            got = [v for v in buckets[bucket].get(key, []) if v is not None]
            line[key] = (len(got) if agg == "count" else round(sum(got) / len(got), 6)) if got else (
                0 if agg == "count" else None)
        out.append(line)
    return out


def iso(epoch):
    import datetime

    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def strftime(epoch, fmt="%Y-%m-%d %H:%M"):
    import datetime

    return datetime.datetime.fromtimestamp(float(epoch), datetime.timezone.utc).strftime(fmt)


# --- what every dashboard reads ---------------------------------------------------------------


class Demo:
    """The demo's telemetry and registry, computed once; fixtures read from here."""

    def __init__(self):
        self.envelopes = restamp(demo_telemetry())
        self.events = [splunk_row(e) for e in self.envelopes]
        self.events.sort(key=lambda r: -r["_time"])  # a search returns newest first
        self.tokens = {}
        self.cache = {}
        self._registry = None
        self._drift = {}

    def of_type(self, *types, family=FAMILY):
        return [e for e in self.events if e["event_type"] in types and (family is None or e["model_family"] == family)]

    # | modelregistry, as the demo's registry story goes, but through the command
    def registry(self, *args):
        if self._registry is None:
            self._registry = self._build_registry()
        server, history = self._registry
        return run_command("modelregistry.py", args, searchinfo_overrides={
            "splunkd_uri": server.uri, "session_key": "admin-key", "username": "ana"})

    def _build_registry(self):
        server = FakeSplunkd(session_key="admin-key").__enter__()
        server.kv = KVEmulator(server, REGISTRY_COLLECTIONS)
        serve_capabilities(server, {"admin-key": ["edit_modelops_registry", "search"]})
        server.indexed = []
        serve_receiver(server, server.indexed)
        fits = [{"_raw": json.dumps(e["event"]), "_indextime": str(e["indextime"])}
                for e in self.envelopes if e["event"]["event_type"] == "fit_run"]
        serve_export(server, fits)
        self._registry = (server, None)
        for args in (["action=sync"],
                     ["action=register", "model=%s" % FAMILY, "version=v3", "description=v2 retrained on March data",
                      "tags=kiln4,candidate"],
                     ["action=promote", "model=%s" % FAMILY, "version=v1", "alias=production", "reason=first go-live"],
                     ["action=promote", "model=%s" % FAMILY, "version=v3", "alias=production",
                      "reason=lower false-alarm rate in shadow mode"],
                     ["action=promote", "model=%s" % FAMILY, "version=v2", "alias=staging"],
                     ["action=rollback", "model=%s" % FAMILY, "alias=production",
                      "reason=v3 missed a real kiln-4 incident"],
                     ["action=promote", "model=%s" % FAMILY, "version=v2", "alias=production",
                      "reason=v2 passed a week in staging"]):
            self.registry(*args)
        # The night v2's quality alert fired: the modelops_rollback alert action, run as splunkd runs it.
        rollback_alert(server, "ModelOps - Quality below threshold", [{"model_family": FAMILY, "metric": "f1"}])
        return self._registry

    def close(self):
        if self._registry:
            self._registry[0].__exit__(None, None, None)

    # | modeldrift over profile rows
    def drift(self, *args, family=FAMILY):
        key = (args, family)
        if key not in self._drift:
            self._drift[key] = run_command("modeldrift.py", args, self.of_type("profile", family=family),
                                           chunk_size=20, map_partitions=2)
        return self._drift[key]


# --- the views --------------------------------------------------------------------------------

def dropdown(rows):
    return table(rows, "label", "value")


def family_choices(d):
    listed = d.registry()
    families = list(dict.fromkeys(r["model"] for r in listed))
    return [{"label": f, "value": f} for f in families]


for _view in ("modelops_model_detail", "modelops_ab", "modelops_drift", "modelops_registry"):
    fixture(_view, "ds_models")(lambda d: dropdown(family_choices(d)))


# modelops_overview

@fixture("modelops_overview", "ds_runs")
def overview_runs(d):
    return d.of_type("fit_run", "apply_run", family=None)


@fixture("modelops_overview", "ds_registry")
def overview_registry(d):
    by_model = collections.OrderedDict()
    for row in d.registry():
        entry = by_model.setdefault(row["model"], {"pointers": set(), "versions": set()})
        aliases = row.get("aliases") or []
        for alias in aliases if isinstance(aliases, list) else [aliases]:
            if alias:
                entry["pointers"].add("%s=%s" % (alias, row["version"]))
        entry["versions"].add(row["version"])
    return [{"model_family": m, "aliases": sorted(e["pointers"]), "versions": len(e["versions"])}
            for m, e in by_model.items()]


@fixture("modelops_overview", "ds_quality")
def overview_quality(d):
    out = []
    applies = d.of_type("apply_run", family=None)
    for family in dict.fromkeys(r["model_family"] for r in applies):
        rows = [r for r in applies if r["model_family"] == family]  # newest first: latest() is rows[0]
        latest = {m: next((num(r.get("metrics." + m)) for r in rows if r.get("metrics." + m) is not None), None)
                  for m in ("f1", "r2", "accuracy")}
        primary = next((round(latest[m], 3) for m in ("f1", "accuracy", "r2") if latest[m] is not None), None)
        health = ("no metric" if primary is None else "green" if primary >= 0.9 else "amber" if primary >= 0.8
                  else "red")
        out.append({"model_family": family, "health": health, "primary": primary,
                    "last_apply": strftime(rows[0]["_time"]),
                    "failed": sum(1 for r in rows if r.get("status") == "error")})
    return out


@fixture("modelops_overview", "ds_drift")
def overview_drift(d):
    out = collections.OrderedDict()
    for row in d.drift(family=None):
        if row.get("feature") != "_dataset_":
            continue
        match = re.match(r"^(.+?)_[vV]\d+$", row["model"])
        if not match:
            continue
        entry = out.setdefault(match.group(1), {"model_family": match.group(1), "drift_share": None, "drifting": None})
        for field, target in (("drift_share", "drift_share"), ("drift", "drifting")):
            value = num(row.get(field))
            if value is not None and (entry[target] is None or value > entry[target]):
                entry[target] = value
    return list(out.values())


@fixture("modelops_overview", "ds_alerts")
def overview_alerts(d):
    # | rest .../alerts/fired_alerts: the demo's telemetry has one day of feature drift (the burner
    # change), which is what `ModelOps - Feature drift` fires on; nothing else breaks a threshold.
    drifting = [r for r in d.drift() if r.get("feature") == "_dataset_" and num(r.get("drift")) == 1]
    return [{"title": "ModelOps - Feature drift", "triggered_alert_count": len(drifting)}] if drifting else []


@fixture("modelops_overview", "ds_timeline")
def overview_timeline(d):
    return timechart(overview_runs(d), None, by="event_type", agg="count")


# modelops_model_detail

def fit_choices(d):
    rows = d.of_type("fit_run")
    return [{"label": "%s %s" % (r["model_name"], strftime(r["_time"])), "value": r["run_id"]} for r in rows]


def version_table(d, *fields):
    rows = []
    for row in d.registry("model=%s" % d.tokens["model"]):
        row = dict(row, created=strftime(row["created_at"]) if row.get("created_at") else None)
        rows.append(row)
    return table(rows, *fields)


@fixture("modelops_model_detail", "ds_versions")
def detail_versions(d):
    return version_table(d, "version", "dsdl_model", "aliases", "status", "created", "created_by", "algo", "run_id")


@fixture("modelops_model_detail", "ds_applies")
def detail_applies(d):
    return d.of_type("apply_run", family=d.tokens["model"])


@fixture("modelops_model_detail", "ds_metric")
def detail_metric(d):
    return timechart(detail_applies(d), "metrics." + d.tokens["metric"], by="model_version")


@fixture("modelops_model_detail", "ds_speed")
def detail_speed(d):
    rows = [dict(r, rows_per_s=num(r["n_rows"]) / num(r["duration_s"]) if num(r["duration_s"]) else None)
            for r in detail_applies(d)]
    a, b = timechart(rows, "duration_s"), timechart(rows, "rows_per_s")
    return [dict(x, **y) for x, y in zip(a, b)]


@fixture("modelops_model_detail", "ds_fits")
def detail_fits(d):
    return fit_choices(d)


@fixture("modelops_model_detail", "ds_curve")
def detail_curve(d):
    # Hand-written: the demo's IsolationForest has no epochs, so its telemetry has no training_step
    # events. The shape of a Keras autoencoder's loss curve, with the columns of `chart ... by epoch`.
    return [{"epoch": str(e), "loss": round(0.9 * math.exp(-e / 6) + 0.08, 4),
             "val_loss": round(0.95 * math.exp(-e / 7) + 0.11 + 0.002 * max(0, e - 14), 4)} for e in range(1, 21)]


@fixture("modelops_model_detail", "ds_errors")
def detail_errors(d):
    rows = [r for r in d.of_type("fit_run", "apply_run", family=d.tokens["model"]) if r.get("status") == "error"]
    return [{"_time": iso(r["_time"]), "event_type": r["event_type"], "model_name": r["model_name"],
             "error": r.get("error")} for r in rows]


def floor_day(epoch):
    return int(epoch) // DAY * DAY


def relative_day(days):
    """relative_time(now(), "-<days>d@d") with now() = NOW (UTC)."""
    return floor_day(NOW - days * DAY)


def production_model(d):
    """The subsearch `| modelregistry action=resolve model=... alias=production | return model_name=dsdl_model`."""
    rows = d.registry("action=resolve", "model=%s" % d.tokens["model"], "alias=production")
    return rows[0]["dsdl_model"]


def scored_classifier_rows(d):
    """Scored events of production (`modelops_scored` + the production subsearch): tests/unit/test_estimate.py's
    covariate-shift dataset (score = P(y=1|x), prediction = score >= 0.5) put on the demo's days, one row
    every 5 minutes; labels (a confirmed incident) arrive two days late, so the last two days have none."""
    from tests.unit.test_estimate import make_dataset

    data = make_dataset(11, n_ref=3 * 288, n_ana=6 * 288)
    model = production_model(d)
    rows = []
    for i, r in enumerate(data):
        when = START + 300 * i
        known = when < NOW - 2 * DAY
        rows.append({"_time": str(when), "model_name": model, "label": str(r["y_true"]) if known else "",
                     "score": repr(r["y_pred_proba"]), "prediction": str(r["y_pred"])})
    rows.reverse()  # a search returns newest first
    return rows


@fixture("modelops_model_detail", "ds_estimate")
def detail_estimate(d):
    rows = []
    for row in scored_classifier_rows(d):  # eval period=...
        labelled = row["label"] != "" and int(row["_time"]) < relative_day(7)
        rows.append(dict(row, period="reference" if labelled else "analysis"))
    out = run_command("modelestimate.py", ["label=label", "score=score", "prediction=prediction", "split=period",
                                           "span=1d", "metrics=%s" % d.tokens["cbpe"]], rows, chunk_size=1000)
    out = [dict(r, _time=iso(float(r["chunk_start"]))) for r in out]
    return table(out, "_time", "estimated", "lower", "upper", "lower_threshold", "upper_threshold", "realized")


def forecast_story():
    """A kiln-4 zone-1 temperature forecaster (the shape of the ARIMA template's output): hourly series
    with a daily cycle and AR(1) noise; trained on 14 days before the demo's apply days, then one
    day-ahead forecast a day (the seasonal profile plus the last residual decaying at the AR rate, a
    95% interval from the AR(1) forecast variance). On the sixth day the burner change moves the
    temperature, as in the demo. Returns (hourly rows, one apply_run row a day with forecast metrics
    computed by modelops.calculate_all_metrics(task="forecast"), the whole hourly series)."""
    from modelops import calculate_all_metrics

    g = random.Random(4)
    first = floor_day(START) + 3 * DAY - 14 * DAY
    hours = (14 + 6) * 24
    noise, series = 0.0, []
    for h in range(hours):
        noise = 0.8 * noise + g.gauss(0, 3)
        shift = 18.0 if h >= (14 + 5) * 24 else 0.0
        series.append(1450 + 12 * math.sin(2 * math.pi * (h % 24) / 24) + noise + shift)
    train = series[:14 * 24]
    profile = [sum(train[h] for h in range(k, len(train), 24)) / 14 for k in range(24)]
    residual = [train[h] - profile[h % 24] for h in range(len(train))]
    mean = sum(residual) / len(residual)
    phi = (sum((residual[i] - mean) * (residual[i - 1] - mean) for i in range(1, len(residual)))
           / sum((r - mean) ** 2 for r in residual))
    sigma = math.sqrt(sum((residual[i] - phi * residual[i - 1]) ** 2 for i in range(1, len(residual)))
                      / (len(residual) - 1))
    hourly, applies = [], []
    for day in range(6):
        start = 14 * 24 + 24 * day
        last = series[start - 1] - profile[(start - 1) % 24]
        actual, forecast, lower, upper = [], [], [], []
        for k in range(1, 25):
            h = start + k - 1
            mean_k = profile[h % 24] + phi ** k * last
            sd_k = sigma * math.sqrt(sum(phi ** (2 * j) for j in range(k)))
            actual.append(series[h])
            forecast.append(mean_k)
            lower.append(mean_k - 1.96 * sd_k)
            upper.append(mean_k + 1.96 * sd_k)
            hourly.append({"_time": first + 3600 * h, "actual": round(series[h], 2), "forecast": round(mean_k, 2),
                           "lower": round(mean_k - 1.96 * sd_k, 2), "upper": round(mean_k + 1.96 * sd_k, 2)})
        metrics = calculate_all_metrics(actual, forecast, task="forecast", y_train=series[:start], season=24,
                                        lower=lower, upper=upper)
        applies.append({"_time": first + 3600 * (start + 24) + 600, "model_family": FORECAST_FAMILY,
                        "metrics.mase": metrics["mase"], "metrics.coverage": metrics["coverage"]})
    return hourly, applies, series


@fixture("modelops_model_detail", "ds_forecast_models")
def detail_forecast_models(d):
    _hourly, applies, _series = forecast_story()
    families = list(dict.fromkeys(r["model_family"] for r in applies))
    return [{"label": f, "value": f} for f in families]


@fixture("modelops_model_detail", "ds_forecast")
def detail_forecast(d):
    hourly, _applies, _series = forecast_story()
    return [dict(r, _time=iso(r["_time"])) for r in hourly]


@fixture("modelops_model_detail", "ds_forecast_quality")
def detail_forecast_quality(d):
    _hourly, applies, _series = forecast_story()
    mase, coverage = timechart(applies, "metrics.mase"), timechart(applies, "metrics.coverage")
    return [{"_time": a["_time"], "mase": a["metrics.mase"], "coverage": c["metrics.coverage"]}
            for a, c in zip(mase, coverage)]


# modelops_ab

def ab_runs(d):
    versions = (d.tokens["va"], d.tokens["vb"])
    return [r for r in d.of_type("apply_run", family=d.tokens["model"]) if r["model_version"] in versions]


def aliases_of(row):
    aliases = row.get("aliases") or []
    return aliases if isinstance(aliases, list) else [aliases]


@fixture("modelops_ab", "ds_version_a")
def ab_version_a(d):
    rows = d.registry("model=%s" % d.tokens["model"])
    rows.sort(key=lambda r: (0 if "production" in aliases_of(r) else 1, -float(r.get("created_at") or 0)))
    return [{"label": r["version"], "value": r["version"]} for r in rows]


@fixture("modelops_ab", "ds_version_b")
def ab_version_b(d):
    last = collections.OrderedDict()
    for row in d.of_type("apply_run", family=d.tokens["model"]):
        if row["model_version"] != d.tokens["va"]:
            last[row["model_version"]] = max(row["_time"], last.get(row["model_version"], 0))
    ordered = sorted(last, key=lambda v: -last[v])
    return [{"label": v, "value": v} for v in ordered]


@fixture("modelops_ab", "ds_ab")
def ab_modelcompare(d):
    return run_command("modelcompare.py", ['primary=%s' % d.tokens["primary"], d.tokens["va"], d.tokens["vb"]],
                       ab_runs(d), chunk_size=5)


@fixture("modelops_ab", "ds_compare")
def ab_compare(d):
    out = []
    for row in ab_modelcompare(d):
        row = dict(row)
        for field in ("value_a", "value_b", "delta"):
            if num(row.get(field)) is not None:
                row[field] = round(num(row[field]), 4)
        for field in ("p_value", "p_holm"):
            if num(row.get(field)) is not None:
                row[field] = "<0.0001" if num(row[field]) < 0.0001 else round(num(row[field]), 4)
        out.append(row)
    return table(out, "metric", "value_a", "value_b", "delta", "test", "p_value", "p_holm", "winner")


@fixture("modelops_ab", "ds_intervals")
def ab_intervals(d):
    return table([r for r in ab_modelcompare(d) if r.get("metric") != "_summary_"], "metric", "ci_low", "delta",
                 "ci_high")


@fixture("modelops_ab", "ds_trend")
def ab_trend(d):
    return timechart(ab_runs(d), "metrics." + d.tokens["primary"], by="model_version")


@fixture("modelops_ab", "ds_segments")
def ab_segments(d):
    rows = run_command("modelcompare.py", ["by=%s" % d.tokens["segment"], "primary=%s" % d.tokens["primary"],
                                           d.tokens["va"], d.tokens["vb"]], ab_runs(d), chunk_size=5)
    rows = [r for r in rows if r.get("metric") == "_summary_"]
    for row in rows:
        for field in ("value_a", "value_b", "delta", "ci_low", "ci_high", "p_holm"):
            if num(row.get(field)) is not None:
                row[field] = round(num(row[field]), 4)
    return table(rows, d.tokens["segment"], "winner", "value_a", "value_b", "delta", "ci_low", "ci_high", "p_holm")


# modelops_drift

@fixture("modelops_drift", "ds_latest")
def drift_latest(d):
    return d.drift(family=d.tokens["model"])


@fixture("modelops_drift", "ds_latest_table")
def drift_latest_table(d):
    rows = drift_latest(d)
    for row in rows:
        for field in ("psi", "js", "statistic", "drift_share"):
            if num(row.get(field)) is not None:
                row[field] = round(num(row[field]), 3)
    return table(rows, "model", "feature", "test", "psi", "psi_level", "js", "drift", "drift_share")


@fixture("modelops_drift", "ds_features")
def drift_features(d):
    rows = [r for r in drift_latest(d) if r.get("feature") != "_dataset_"]
    rows.sort(key=lambda r: -(num(r.get("psi")) or 0))
    features = list(dict.fromkeys(r["feature"] for r in rows))  # dedup feature
    return [{"label": f, "value": f} for f in features]


@fixture("modelops_drift", "ds_history")
def drift_history(d):
    best = collections.OrderedDict()
    for row in d.drift("history=true", family=d.tokens["model"]):
        if row.get("feature") == "_dataset_":
            continue
        key = (int(float(row["_time"])) // DAY * DAY, row["feature"])
        psi = num(row.get("psi"))
        if key not in best or (psi is not None and (best[key] is None or psi > best[key])):
            best[key] = psi
    return [{"day": strftime(t, "%Y-%m-%d"), "feature": f, "psi": p} for (t, f), p in sorted(best.items())]


@fixture("modelops_drift", "ds_histogram")
def drift_histogram(d):
    profiles = [r for r in d.of_type("profile", family=d.tokens["model"]) if r["feature"] == d.tokens["feature"]]
    newest = next(r["model_name"] for r in d.of_type("profile", family=d.tokens["model"]) if r["role"] == "current")
    shares = collections.OrderedDict()
    for role in ("current", "reference"):
        profile = next(r for r in profiles if r["model_name"] == newest and r["role"] == role)  # dedup: newest
        counts = [float(c) for c in profile["counts{}"]]
        for i, c in enumerate(counts):
            shares.setdefault(str(i), {})[role] = round(c / sum(counts), 6)
    return [{"bin": b, "current": s.get("current"), "reference": s.get("reference")} for b, s in shares.items()]


def scored_kiln_rows(d):
    """Production's scored events as inputs: the demo's kiln minutes (tools/demo.py kiln_period) of the six
    applied days, the last one after the burner change (drift=1). On that day the O2 analyser sticks for
    75 minutes and zone 2's thermocouple drops out for 40: what the panel is there to catch."""
    g = random.Random(5)
    rows = []
    for day in range(6):
        rows += demo.kiln_period(g, START + (3 + day) * DAY, 1440, 1.0 if day == 5 else 0.0)
    last = START + 8 * DAY
    for row in rows:
        minute = (int(row["_time"]) - last) // 60
        if 300 <= minute < 375:
            row["o2"] = "2.118"
        if 600 <= minute < 640:
            row["temp_zone2"] = ""
        row["model_name"] = production_model(d)
    rows.reverse()
    return rows


@fixture("modelops_drift", "ds_data_quality")
def drift_data_quality(d):
    features = d.of_type("fit_run")[0]["features{}"]  # the subsearch: the newest fit's features
    rows = [dict(r, period="reference" if int(r["_time"]) < relative_day(1) else "current")
            for r in scored_kiln_rows(d)]
    out = run_command("modelquality.py", ["split=period", "fields=%s" % ",".join(features)], rows,
                      chunk_size=2000, map_partitions=2)
    for row in out:
        for field in ("missing_share", "missing_share_ref"):
            if num(row.get(field)) is not None:
                row[field] = round(num(row[field]), 3)
    return table(out, "feature", "kind", "missing_share", "missing_share_ref", "out_of_range", "unseen", "max_run",
                 "stuck", "alert", "reasons")


# modelops_registry

@fixture("modelops_registry", "ds_versions")
def registry_versions(d):
    return version_table(d, "version", "dsdl_model", "aliases", "status", "created", "created_by", "tags",
                         "description")


@fixture("modelops_registry", "ds_history")
def registry_history(d):
    rows = d.registry("action=history", "model=%s" % d.tokens["model"])
    rows.sort(key=lambda r: str(r.get("when")), reverse=True)
    return table(rows, "when", "action", "alias", "from_version", "to_version", "actor", "reason")


@fixture("modelops_registry", "ds_automatic")
def registry_automatic(d):
    rows = []
    for row in d.registry("action=history", "model=%s" % d.tokens["model"]):
        match = re.search(r"by alert '(?P<alert>[^']+)' sid (?P<sid>\S+)", str(row.get("reason")))
        if str(row.get("reason")).startswith("automatic rollback by alert ") and match:
            rows.append(dict(row, alert=match.group("alert"), sid=match.group("sid")))
    rows.sort(key=lambda r: str(r.get("when")), reverse=True)
    return table(rows, "when", "alias", "from_version", "to_version", "actor", "alert", "sid")


@fixture("modelops_registry", "ds_aliases")
def registry_aliases(d):
    return [{"alias": alias, "version": row["version"]}
            for row in d.registry("model=%s" % d.tokens["model"]) for alias in aliases_of(row) if alias]


# modelops_telemetry

@fixture("modelops_telemetry", "ds_events")
def telemetry_events(d):
    return list(d.events)


@fixture("modelops_telemetry", "ds_by_type")
def telemetry_by_type(d):
    return timechart(d.events, None, by="event_type", agg="count")


@fixture("modelops_telemetry", "ds_models")
def telemetry_models(d):
    return [{"models": len({e["model_name"] for e in d.events})}]


@fixture("modelops_telemetry", "ds_last")
def telemetry_last(d):
    by_model = collections.OrderedDict()
    for e in d.events:
        entry = by_model.setdefault(e["model_name"], {"model_name": e["model_name"], "last_event": e["_time"],
                                                      "count": 0})
        entry["count"] += 1
    rows = sorted(by_model.values(), key=lambda r: -r["count"])
    return [dict(r, last_event=strftime(r["last_event"], "%Y-%m-%d %H:%M:%S")) for r in rows]


@fixture("modelops_telemetry", "ds_lag")
def telemetry_lag(d):
    rows = [dict(e, lag_s=e["_indextime"] - e["_time"]) for e in d.events]
    avg = timechart(rows, "lag_s")
    p95 = []
    buckets = collections.defaultdict(list)
    for r in rows:
        buckets[int(r["_time"]) // DAY * DAY].append(r["lag_s"])
    for bucket in sorted(buckets):
        values = sorted(buckets[bucket])
        p95.append(values[min(len(values) - 1, int(math.ceil(0.95 * len(values))) - 1)])
    return [{"_time": a["_time"], "avg_lag_s": a["lag_s"], "p95_lag_s": p} for a, p in zip(avg, p95)]


# --- the tokens the render test expects, and the whole file -------------------------------------

def choose_tokens(d, definitions):
    """The value each input lands on when the page loads: its defaultValue, or the first row of its
    data source when it selects the first search result. Fixtures that depend on a token read it here."""
    d.tokens = {"metric": "f1", "primary": "f1", "segment": "host", "cbpe": "roc_auc",
                "model": family_choices(d)[0]["value"]}
    d.tokens["forecast"] = detail_forecast_models(d)[0]["value"]
    d.tokens["run"] = fit_choices(d)[0]["value"]
    d.tokens["va"] = ab_version_a(d)[0]["value"]
    d.tokens["vb"] = ab_version_b(d)[0]["value"]
    d.tokens["feature"] = drift_features(d)[0]["value"]
    for definition in definitions.values():
        for item in definition.get("inputs", {}).values():
            options = item.get("options", {})
            if "defaultValue" in options and options.get("token") in d.tokens and item["type"] != "input.timerange":
                assert d.tokens[options["token"]] == options["defaultValue"], (options["token"], options)
    return dict(d.tokens)


def columns_of(rows):
    return list(dict.fromkeys(name for row in rows for name in row))


def encode(rows, fields):
    def cell(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value
    return {"fields": fields, "columns": [[cell(row.get(f)) for row in rows] for f in fields]}


def build(definitions):
    """{view: {data source: {"fields", "columns", "rows"}}} for every data source that has a fixture."""
    d = Demo()
    try:
        tokens = choose_tokens(d, definitions)
        out = {}
        for view, definition in definitions.items():
            out[view] = {}
            for data_source in definition.get("dataSources", {}):
                function = FIXTURES.get((view, data_source))
                if function is None:
                    continue
                rows = function(d)
                out[view][data_source] = dict(encode(rows, columns_of(rows) or _empty_columns(definition,
                                                                                                data_source)))
        return {"tokens": tokens, "views": out}
    finally:
        d.close()


def _empty_columns(definition, data_source):
    declared = declared_columns(definition["dataSources"][data_source]["options"]["query"])
    return list(declared[1]) if declared else []


def definitions_from_views(names=None):
    folder = os.path.join(ROOT, "default", "data", "ui", "views")
    out = {}
    for name in sorted(names or (f[:-4] for f in os.listdir(folder) if f.endswith(".xml"))):
        with open(os.path.join(folder, name + ".xml"), encoding="utf-8") as f:
            text = f.read()
        out[name] = json.loads(re.search(r"<definition><!\[CDATA\[(.*?)\]\]></definition>", text, re.S).group(1))
    return out


def main(argv):
    result = build(definitions_from_views())
    with open(argv[0], "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
