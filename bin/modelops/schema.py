"""Event schema v1: the contract between the container client and the Splunk side.

Every event the client sends to HEC is one JSON object with the common fields below plus the
fields of its ``event_type``. ``validate_event`` returns the list of problems (empty when valid);
it never raises on bad input, so callers can report every problem at once.
"""

import math
import os
import re
from collections.abc import Mapping

SCHEMA_VERSION = 1
APP = "dsdl_modelops"
INDEX = "ml_metrics"
SOURCETYPE = "dsdl:modelops"

EVENT_TYPES = ("fit_run", "apply_run", "training_step", "metrics", "profile", "registry_change")
RUN_STATUSES = ("ok", "error")
# apply_run.context (optional): "fit" when DSDL applied the model to the very DataFrame its fit had just
# trained on (DSDL's /fit applies after save), "apply" otherwise. Dashboards and alerts skip "fit".
APPLY_CONTEXTS = ("fit", "apply")
PROFILE_ROLES = ("reference", "current")
PROFILE_KINDS = ("numeric", "categorical")
# The registry's changes, each recorded in its history and sent as a registry_change event: the one
# table behind the registry's verbs, this schema, ``| modelregistry`` and its searchbnf syntax.
REGISTRY_ACTIONS = ("register", "promote", "rollback", "delete_alias", "archive", "restore", "tag")
REGISTRY_READS = ("list", "history", "resolve")
# Changes that move an alias (what ``rollback`` undoes).
ALIAS_MOVES = ("promote", "rollback")

# Which way is better, per canonical metric name.
HIGHER_IS_BETTER = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc", "r2", "silhouette"})
LOWER_IS_BETTER = frozenset({"mae", "rmse", "mse", "mape", "smape", "mase", "log_loss", "loss", "val_loss"})
CANONICAL_METRICS = (
    "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss",
    "r2", "mae", "rmse", "mse", "mape", "silhouette", "anomaly_rate", "loss", "val_loss",
    "smape", "mase", "bias", "coverage", "interval_width",
)
# Names written by hand-rolled notebook helpers, mapped to the canonical ones.
METRIC_ALIASES = {"r2_score": "r2", "f1_score": "f1", "accuracy_score": "accuracy", "precision_score": "precision",
                  "recall_score": "recall", "roc_auc_score": "roc_auc", "mean_absolute_error": "mae",
                  "mean_squared_error": "mse", "root_mean_squared_error": "rmse",
                  "mean_absolute_percentage_error": "mape", "silhouette_score": "silhouette"}
# Integer labels with at most this many distinct values are classes; more make a regression target.
MAX_INTEGER_CLASSES = 20

# Present in every event; the first group must be non-empty strings.
REQUIRED_STRINGS = ("event_type", "event_id", "model_name", "model_family", "model_version", "run_id")
OPTIONAL_STRINGS = ("algo", "user", "host", "container_image", "client_version")

_EVENT_ID = re.compile(r"^[0-9a-f]{32}$")
_VERSIONED_NAME = re.compile(r"^(?P<family>.+?)_[vV](?P<number>\d+)$")


def new_event_id() -> str:
    """A fresh event id: 32 lowercase hex characters (128 random bits), used to de-duplicate in SPL."""
    return os.urandom(16).hex()


def parse_model_name(name: str):
    """Split a DSDL model name into (family, version) by the ``<family>_v<N>`` convention.

    ``Horno4_AE_v3`` -> ``("Horno4_AE", "v3")``; ``Horno4_AE_v03`` -> ``("Horno4_AE", "v3")``;
    a name without the suffix is its own family at version ``v0``.
    """
    if not isinstance(name, str) or not name:
        raise ValueError("a model name must be a non-empty string")
    match = _VERSIONED_NAME.match(name)
    if match is None:
        return name, "v0"
    return match.group("family"), "v%d" % int(match.group("number"))


def hec_envelope(event: Mapping, time: float, host: str = "") -> dict:
    """The HEC ``/services/collector/event`` object that carries one schema event."""
    return {
        "time": round(float(time), 6),
        "host": host or event.get("host") or "",
        "source": "modelops:%s" % event.get("event_type", "unknown"),
        "sourcetype": SOURCETYPE,
        "index": INDEX,
        "event": dict(event),
    }


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_optional_string(value) -> bool:
    return value is None or isinstance(value, str)


def _check_metrics(event, problems, required):
    metrics = event.get("metrics")
    if metrics is None and not required:
        return
    if not isinstance(metrics, Mapping):
        problems.append("metrics must be an object of name -> number")
        return
    if required and not metrics:
        problems.append("metrics must not be empty")
    for name, value in metrics.items():
        if not isinstance(name, str) or not name:
            problems.append("metric names must be non-empty strings")
        elif value is not None and not _is_number(value):
            problems.append("metric %r must be a finite number or null, not %r" % (name, value))


def _check_run(event, problems):
    if event.get("status") not in RUN_STATUSES:
        problems.append("status must be one of %s" % ", ".join(RUN_STATUSES))
    if event.get("status") == "error" and not event.get("error"):
        problems.append("an error run must say its error")
    if not _is_optional_string(event.get("error")):
        problems.append("error must be a string or null")
    for key in ("started_at", "duration_s"):
        if not _is_number(event.get(key)) or event.get(key) < 0:
            problems.append("%s must be a non-negative number" % key)
    for key in ("n_rows", "n_features"):
        if not _is_count(event.get(key)):
            problems.append("%s must be a non-negative integer" % key)
    features = event.get("features")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        problems.append("features must be a list of strings")
    target = event.get("target")
    if not (target is None or isinstance(target, str)
            or (isinstance(target, list) and all(isinstance(t, str) for t in target))):
        problems.append("target must be a string, a list of strings or null")
    for key in ("params", "prediction_summary"):
        if not isinstance(event.get(key), Mapping):
            problems.append("%s must be an object" % key)
    if not _is_optional_string(event.get("code_hash")):
        problems.append("code_hash must be a string or null")
    if event.get("context") is not None:
        if event.get("event_type") != "apply_run":
            problems.append("only an apply_run has a context")
        elif event.get("context") not in APPLY_CONTEXTS:
            problems.append("context must be one of %s or null" % ", ".join(APPLY_CONTEXTS))
    _check_metrics(event, problems, required=False)


def _check_training_step(event, problems):
    if not _is_count(event.get("epoch")):
        problems.append("epoch must be a non-negative integer")
    if "step" in event and event["step"] is not None and not _is_count(event["step"]):
        problems.append("step must be a non-negative integer or null")
    _check_metrics(event, problems, required=True)


def _check_profile(event, problems):
    if event.get("role") not in PROFILE_ROLES:
        problems.append("role must be one of %s" % ", ".join(PROFILE_ROLES))
    if not isinstance(event.get("feature"), str) or not event.get("feature"):
        problems.append("feature must be a non-empty string")
    kind = event.get("kind")
    if kind not in PROFILE_KINDS:
        problems.append("kind must be one of %s" % ", ".join(PROFILE_KINDS))
    for key in ("n", "n_null"):
        if not _is_count(event.get(key)):
            problems.append("%s must be a non-negative integer" % key)
    counts = event.get("counts")
    if not isinstance(counts, list) or not all(_is_count(c) for c in counts):
        problems.append("counts must be a list of non-negative integers")
        return
    edges, categories = event.get("edges"), event.get("categories")
    if edges is not None:
        if kind != "numeric":
            problems.append("only numeric profiles have edges")
        if not isinstance(edges, list) or not all(_is_number(e) for e in edges):
            problems.append("edges must be a list of finite numbers")
        elif len(edges) < 2 or len(edges) > 11 or any(a > b for a, b in zip(edges, edges[1:])):
            problems.append("edges must be 2 to 11 non-decreasing numbers")
        elif len(counts) != len(edges) - 1:
            problems.append("a profile with k edges has k-1 counts")
    elif categories is not None:
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            problems.append("categories must be a list of strings")
        elif len(categories) != len(counts):
            problems.append("categories and counts must have the same length")
    else:
        problems.append("a profile needs edges (binned numeric) or categories")
    if _is_count(event.get("n")) and isinstance(counts, list) and sum(counts) != event["n"]:
        problems.append("counts must add up to n")
    for key in ("mean", "std", "min", "max"):
        if event.get(key) is not None and not _is_number(event.get(key)):
            problems.append("%s must be a finite number or null" % key)


def _check_registry_change(event, problems):
    if event.get("action") not in REGISTRY_ACTIONS:
        problems.append("action must be one of %s" % ", ".join(REGISTRY_ACTIONS))
    for key in ("alias", "from_version", "to_version", "reason"):
        if not _is_optional_string(event.get(key)):
            problems.append("%s must be a string or null" % key)
    if not isinstance(event.get("actor"), str) or not event.get("actor"):
        problems.append("actor must be a non-empty string")


_TYPE_CHECKS = {
    "fit_run": _check_run,
    "apply_run": _check_run,
    "training_step": _check_training_step,
    "metrics": lambda event, problems: _check_metrics(event, problems, required=True),
    "profile": _check_profile,
    "registry_change": _check_registry_change,
}


def validate_event(event) -> list:
    """Return the problems that make ``event`` invalid under schema v1 (an empty list when valid)."""
    if not isinstance(event, Mapping):
        return ["an event must be a JSON object"]
    problems = []
    if event.get("schema_version") != SCHEMA_VERSION:
        problems.append("schema_version must be %d" % SCHEMA_VERSION)
    for key in REQUIRED_STRINGS:
        if not isinstance(event.get(key), str) or not event.get(key):
            problems.append("%s must be a non-empty string" % key)
    for key in OPTIONAL_STRINGS:
        if not _is_optional_string(event.get(key)):
            problems.append("%s must be a string or null" % key)
    if isinstance(event.get("event_id"), str) and not _EVENT_ID.match(event["event_id"]):
        problems.append("event_id must be 32 lowercase hex characters")
    event_type = event.get("event_type")
    if event_type not in EVENT_TYPES:
        problems.append("event_type must be one of %s" % ", ".join(EVENT_TYPES))
    else:
        _TYPE_CHECKS[event_type](event, problems)
    return problems
