"""Wrappers for the notebook functions DSDL calls, so every fit and apply reports itself.

    @modelops.track_fit
    def fit(model, df, param): ...

    @modelops.track_apply
    def apply(model, df, param): ...

A wrapped call emits a ``fit_run``/``apply_run`` event (status, duration, rows, features, params,
metrics, prediction summary) and ``profile`` events: the reference at fit, saved beside the model,
and the current one at apply on the same bins. An exception is reported as ``status=error`` and
re-raised unchanged. Telemetry problems are logged, never raised.
"""

import contextvars
import functools
import hashlib
import inspect
import json
import logging
import math
import os
import time
import weakref

from ...metrics import anomaly_flags, calculate_all_metrics
from ...schema import MAX_INTEGER_CLASSES, new_event_id
from .client import clean_metrics, get_telemetry
from .profile import current_profile, reference_profile

log = logging.getLogger("modelops.telemetry")

DEFAULT_MODEL_DIR = "/srv/app/model/data"
RESERVED_PARAMS = ("mode", "algo")
PREDICTION_NAMES = ("prediction", "predicted", "anomaly", "is_anomaly", "outlier", "cluster", "label")
SCORE_NAMES = ("probability", "proba", "score", "anomaly_score", "reconstruction_error")
LOWER_NAMES = ("lower", "yhat_lower")
UPPER_NAMES = ("upper", "yhat_upper")

_active_run = contextvars.ContextVar("modelops_active_run", default=None)
# The DataFrame each model's last fit trained on (weakly held): DSDL's /fit applies the model to it
# right after save, and that apply_run is marked context=fit so it never counts as production.
_last_fit = {}


def _remember_fit(model_name, df):
    try:
        _last_fit[model_name] = ("ref", weakref.ref(df))
    except TypeError:  # not weak-referenceable: identity and shape (an id alone may be reused)
        _last_fit[model_name] = ("id", id(df), len(df), tuple(_columns(df)))


def apply_context(model_name, df) -> str:
    """``fit`` when ``df`` is the very object the model's last fit trained on, else ``apply``."""
    seen = _last_fit.get(model_name)
    if seen is None:
        return "apply"
    if seen[0] == "ref":
        return "fit" if seen[1]() is df else "apply"
    try:
        same = seen[1:] == (id(df), len(df), tuple(_columns(df)))
    except TypeError:
        same = False
    return "fit" if same else "apply"


def active_run():
    """``{"run_id", "model_name", "algo"}`` of the fit/apply being tracked, or None."""
    return _active_run.get()


def model_dir() -> str:
    return os.environ.get("MODELOPS_MODEL_DIR") or DEFAULT_MODEL_DIR


def _unquote(value):
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def option(param, name, default=None, kind=str):
    """A user option of ``| fit MLTKContainer ... name=value`` from DSDL's ``param``, unquoted and
    converted with ``kind`` (DSDL may deliver ``epochs="5"`` with the quotes)."""
    params = ((param or {}).get("options") or {}).get("params") or {}
    if name not in params or params[name] in (None, ""):
        return default
    value = _unquote(params[name])
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError("option %s=%r is not a valid %s" % (name, value, getattr(kind, "__name__", kind))) from None


def parse_param(param) -> dict:
    """Model name, algo, user params, features and target from DSDL's ``param`` (its meta)."""
    param = param if isinstance(param, dict) else {}
    options = param.get("options") or {}
    params = {k: _unquote(v) for k, v in (options.get("params") or {}).items()}
    features = param.get("feature_variables") or options.get("feature_variables") or []
    target = param.get("target_variables") or options.get("target_variable") or []
    if isinstance(target, str):
        target = [target]
    return {"model_name": _unquote(options.get("model_name")) or "unnamed_model",
            "algo": params.get("algo") or options.get("algo_name"),
            "params": {k: v for k, v in params.items() if k not in RESERVED_PARAMS},
            "features": [str(f) for f in features if f != "*"], "target": [str(t) for t in target]}


def _columns(df):
    return [str(c) for c in getattr(df, "columns", [])]


def _column(df, name):
    values = df[name]
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _features(df, info):
    columns = _columns(df)
    wanted = info["features"] or [c for c in columns if c not in info["target"]]
    return [c for c in wanted if c in columns]


def code_hash(fn):
    try:
        path = inspect.getsourcefile(fn)
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()[:16]
    except (OSError, TypeError):
        try:
            return hashlib.sha256(inspect.getsource(fn).encode()).hexdigest()[:16]
        except (OSError, TypeError):
            return None


def profile_path(info) -> str:
    return os.path.join(model_dir(), "%s_%s.profile.json" % (info["algo"] or "model", info["model_name"]))


def fit_metrics(returned) -> dict:
    """Numbers a fit returns: a dict of metrics, or a Keras History (last value per metric)."""
    history = getattr(returned, "history", None)
    if isinstance(history, dict):
        return clean_metrics({k: v[-1] for k, v in history.items() if isinstance(v, (list, tuple)) and v})
    if isinstance(returned, dict):
        return clean_metrics({k: v for k, v in returned.items() if isinstance(v, (int, float))
                              and not isinstance(v, bool)})
    return {}


def _pick(columns, wanted, names):
    if wanted and wanted in columns:
        return wanted
    for column in columns:
        lowered = column.lower()
        base = lowered[len("predicted_"):] if lowered.startswith("predicted_") else lowered
        if base in names or lowered in names:
            return column
    return None


def prediction_summary(values) -> dict:
    summary = {"n": len(values)}
    numbers = []
    for v in values:
        try:
            number = float(v)
        except (TypeError, ValueError):
            numbers = None
            break
        if math.isfinite(number):
            numbers.append(number)
    if numbers:
        mean = math.fsum(numbers) / len(numbers)
        std = math.sqrt(math.fsum((x - mean) ** 2 for x in numbers) / len(numbers))
        summary.update(mean=mean, std=std, min=min(numbers), max=max(numbers))
        try:
            flags = anomaly_flags([int(x) if x.is_integer() else x for x in numbers])
            summary["anomaly_rate"] = sum(flags) / len(flags)
        except ValueError:
            pass
    if numbers is None or len(set(values)) <= MAX_INTEGER_CLASSES:
        counts = {}
        for v in values:
            counts[str(v)] = counts.get(str(v), 0) + 1
        summary["counts"] = dict(sorted(counts.items(), key=lambda kv: -kv[1])[:20])
    return summary


class _Run:
    def __init__(self, kind, fn, param, df, options):
        self.kind = kind
        self.info = parse_param(param)
        self.param = param
        self.options = options
        self.telemetry = options.get("telemetry") or get_telemetry()
        self.run_id = new_event_id()
        self.df = df
        self.fn = fn
        self.started_at = time.time()
        self._t0 = time.perf_counter()

        self.context = apply_context(self.info["model_name"], df) if kind == "apply" else None

    def common(self):
        return {"run_id": self.run_id, "algo": self.info["algo"]}

    def context_field(self):
        return {"context": self.context} if self.kind == "apply" else {}

    def emit_run(self, status, error=None, metrics=None, summary=None):
        features = _features(self.df, self.info)
        target = self.info["target"]
        self.telemetry.emit(
            "%s_run" % self.kind, self.info["model_name"], status=status, error=error, started_at=self.started_at,
            duration_s=round(time.perf_counter() - self._t0, 6), n_rows=len(self.df), n_features=len(features),
            features=features, target=target[0] if len(target) == 1 else (target or None),
            params=self.info["params"], metrics=metrics or {}, prediction_summary=summary or {},
            code_hash=code_hash(self.fn), **self.common(), **self.context_field())

    def emit_profiles(self, role):
        features = _features(self.df, self.info)
        path = profile_path(self.info)
        if role == "reference":
            profiles = {f: reference_profile(f, _column(self.df, f)) for f in features}
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path + ".tmp", "w", encoding="utf-8") as f:
                    json.dump({"model_name": self.info["model_name"], "profiles": profiles}, f)
                os.replace(path + ".tmp", path)
            except OSError as error:
                self.telemetry.warn_once("profile-save", "modelops could not save the reference profile %s: %s"
                                         % (path, error))
        else:
            try:
                with open(path, encoding="utf-8") as f:
                    reference = json.load(f)["profiles"]
            except (OSError, ValueError, KeyError):
                self.telemetry.warn_once("profile-load", "modelops found no reference profile at %s; fit the "
                                                         "model with track_fit to get drift profiles" % path)
                return
            profiles = {f: current_profile(f, _column(self.df, f), reference[f]) for f in features if f in reference}
        for profile in profiles.values():
            self.telemetry.emit("profile", self.info["model_name"], **self.common(), **self.context_field(),
                                **profile)


def _install_signals(options, telemetry):
    if options.get("signals", True):
        telemetry.install_signal_handlers(options.get("signal_timeout", 5.0))


def _track(kind, fn, options):
    @functools.wraps(fn)
    def wrapper(model, df, param, *args, **kwargs):
        try:
            run = _Run(kind, fn, param, df, options)
            _install_signals(options, run.telemetry)
            token = _active_run.set({"run_id": run.run_id, "model_name": run.info["model_name"],
                                     "algo": run.info["algo"]})
        except Exception as error:  # telemetry must never stop the model
            log.warning("modelops could not start tracking %s: %s", kind, error)
            return fn(model, df, param, *args, **kwargs)
        try:
            returned = fn(model, df, param, *args, **kwargs)
        except Exception as error:
            _safely(run.emit_run, "error", error=("%s: %s" % (type(error).__name__, error))[:2000])
            _active_run.reset(token)
            raise
        _active_run.reset(token)
        if kind == "fit":
            _safely(_remember_fit, run.info["model_name"], df)
            _safely(run.emit_run, "ok", metrics=fit_metrics(returned))
            if options.get("profile", True):
                _safely(run.emit_profiles, "reference")
        else:
            metrics, summary = _safely(_apply_outcome, run, returned, model) or ({}, {})
            _safely(run.emit_run, "ok", metrics=metrics, summary=summary)
            if options.get("profile", True):
                _safely(run.emit_profiles, "current")
        return returned

    return wrapper


def _metric_args(run, model):
    extra = run.options.get("metric_args")
    if callable(extra):
        extra = extra(model, run.param)
    return dict(extra or {})


def _apply_outcome(run, returned, model=None):
    columns = _columns(returned)
    prediction = _pick(columns, run.options.get("prediction_column"), PREDICTION_NAMES)
    if prediction is None and len(columns) == 1:
        prediction = columns[0]
    if prediction is None:
        return {}, {}
    predicted = _column(returned, prediction)
    summary = dict(prediction_summary(predicted), column=prediction)
    target = run.options.get("target") or (run.info["target"][0] if run.info["target"] else None)
    if not target or target not in _columns(run.df):
        return {}, summary
    task = run.options.get("task") or run.info["params"].get("task")
    truth = _column(run.df, target)
    score_column = _pick(columns, run.options.get("score_column"), SCORE_NAMES)
    # a forecast's prediction interval: both bounds or neither
    lower_column = _pick(columns, run.options.get("lower_column"), LOWER_NAMES) if task == "forecast" else None
    upper_column = _pick(columns, run.options.get("upper_column"), UPPER_NAMES) if task == "forecast" else None
    if lower_column is None or upper_column is None:
        lower_column = upper_column = None
    nothing = [None] * len(truth)
    rows = [row for row in zip(truth, predicted, _column(returned, score_column) if score_column else nothing,
                               _column(returned, lower_column) if lower_column else nothing,
                               _column(returned, upper_column) if upper_column else nothing)
            if row[0] is not None and row[1] is not None and not (isinstance(row[0], float) and math.isnan(row[0]))]
    if not rows:
        return {}, summary
    truth, predicted, scores, lower, upper = (list(x) for x in zip(*rows))
    metrics = calculate_all_metrics(truth, predicted, task=task, y_score=scores if score_column else None,
                                    lower=lower if lower_column else None, upper=upper if upper_column else None,
                                    **_metric_args(run, model))
    return clean_metrics(metrics), summary


def _safely(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except Exception as error:
        log.warning("modelops telemetry problem in %s: %s", getattr(function, "__name__", function), error)
        return None


def track_fit(fn=None, **options):
    """Decorate DSDL's ``fit(model, df, param)``. Options: ``profile`` (default True), ``telemetry``,
    ``signals`` (default True: on SIGTERM/SIGINT deliver for up to ``signal_timeout`` = 5 s, then chain)."""
    if fn is None:
        return lambda f: _track("fit", f, options)
    return _track("fit", fn, options)


def track_apply(fn=None, **options):
    """Decorate DSDL's ``apply(model, df, param)``. Options: ``target`` (ground-truth column, default the
    fit target), ``prediction_column``, ``score_column``, ``task``, ``profile``, ``telemetry``, ``signals``,
    ``signal_timeout``. Forecasts (``task="forecast"``): ``lower_column``/``upper_column`` (the prediction
    interval; default the columns named ``lower``/``upper`` or ``yhat_lower``/``yhat_upper``) add coverage and
    interval_width; ``metric_args``, a dict or a callable ``(model, param) -> dict``, gives further keyword
    arguments of ``calculate_all_metrics``, e.g. ``lambda model, param: {"y_train": model["y_train"],
    "season": 24}`` for MASE scaled on the training series saved with the model. The ``apply_run`` carries
    ``context=fit`` when ``df`` is the DataFrame the last fit of the model trained on (DSDL's /fit applies
    right after save), ``context=apply`` otherwise."""
    if fn is None:
        return lambda f: _track("apply", f, options)
    return _track("apply", fn, options)
