"""ModelOps for DSDL: the shared engine of the Splunk app and the notebook client.

Standard library only at import time, so Splunk's own Python can import it from ``bin/``.
Notebook helpers that need pandas import it lazily.
"""

from ._version import __version__
from .errors import ModelOpsError
from .schema import SCHEMA_VERSION, parse_model_name, validate_event

# Notebook verbs, imported on first use so `import modelops` stays cheap inside Splunk's commands.
_LAZY = {
    "log_metrics": "telemetry.client",
    "log_training_step": "telemetry.client",
    "flush": "telemetry.client",
    "get_telemetry": "telemetry.client",
    "calculate_all_metrics": "metrics",
    "track_fit": "telemetry.dsdl",
    "track_apply": "telemetry.dsdl",
    "option": "telemetry.dsdl",
    "keras_callback": "telemetry.callbacks",
    "TrainingLogger": "telemetry.callbacks",
    "save_model": "modelfiles",
    "load_model": "modelfiles",
    "restore_model": "modelfiles",
    "model_versions": "modelfiles",
    "search_df": "splunk",
}

__all__ = ["SCHEMA_VERSION", "ModelOpsError", "TrainingLogger", "__version__", "calculate_all_metrics", "compare",
           "drift",
           "flush", "get_telemetry", "keras_callback", "load_model", "log_metrics", "log_training_step",
           "model_versions", "option", "parse_model_name", "restore_model", "save_model", "search_df", "track_apply",
           "track_fit", "validate_event"]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError("module 'modelops' has no attribute %r" % name)
    import importlib

    value = getattr(importlib.import_module("." + _LAZY[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def _records(data):
    """Rows of a pandas DataFrame or an iterable of mappings, as dicts."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        return data.to_dict(orient="records")
    return list(data)


def compare(data, model_a, model_b, label=None, by=None, **options) -> list:
    """A/B comparison of two versions, the engine of ``| modelcompare`` (same numbers).

    Runs mode (no ``label``): ``data`` holds fit_run/apply_run events (flattened: ``metrics.<name>``
    fields or plain metric names) and ``model_a``/``model_b`` are versions or model names.
    Predictions mode: ``model_a``/``model_b`` are prediction columns compared against ``label``;
    options ``score1``/``score2`` (scores for AUC), ``task``, ``pos_label``, ``alpha``, ``bootstrap``,
    ``seed``, ``primary``. Returns one dict per metric (and segment, with ``by``) plus ``_summary_``.
    """
    from .comparison import compare_rows

    renamed = dict(options)
    for old, new in (("score1", "score_a"), ("score2", "score_b")):
        if old in renamed:
            renamed[new] = renamed.pop(old)
    rows = _records(data)
    if label is None:
        rows = [_flatten_metrics(r) for r in rows]
    return compare_rows(rows, model_a, model_b, label=label, by=by, **renamed).result()


def _flatten_metrics(row):
    metrics = row.get("metrics")
    if isinstance(metrics, dict):
        row = dict(row)
        for name, value in row.pop("metrics").items():
            row["metrics." + name] = value
    return row


def drift(reference, current, features=None, **options) -> list:
    """Data drift of ``current`` against ``reference`` (DataFrames or lists of dicts).

    Same engine and numbers as ``| modeldrift``; ``options`` are its keyword options
    (``stattest``, ``threshold``, ``drift_share``, ``model``). Returns one dict per feature plus
    the ``_dataset_`` row.
    """
    from .datadrift import DriftAccumulator

    reference_rows, current_rows = _records(reference), _records(current)
    if features is None:
        features = list(dict.fromkeys(k for row in reference_rows[:1] for k in row))
    accumulator = DriftAccumulator(features, split_field="_modelops_side", **options)
    for side, rows in (("reference", reference_rows), ("current", current_rows)):
        for row in rows:
            accumulator.add(dict(row, _modelops_side=side))
    return accumulator.result()
