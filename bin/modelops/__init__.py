"""ModelOps for DSDL: the shared engine of the Splunk app and the notebook client.

Standard library only at import time, so Splunk's own Python can import it from ``bin/``.
Notebook helpers that need pandas import it lazily. Where code runs:

    stats/, schema, values, metrics, engine/, registry/   both sides
    splunk/                                               inside Splunk (the only splunklib user)
    client/                                               in the DSDL container (not in the Splunk app)
"""

import importlib
import sys
import warnings

from ._version import __version__
from .errors import ModelOpsError
from .schema import SCHEMA_VERSION, parse_model_name, validate_event

# Notebook verbs, imported on first use so `import modelops` stays cheap inside Splunk's commands.
_LAZY = {
    "log_metrics": "client.telemetry.client",
    "log_training_step": "client.telemetry.client",
    "flush": "client.telemetry.client",
    "get_telemetry": "client.telemetry.client",
    "calculate_all_metrics": "metrics",
    "track_fit": "client.telemetry.dsdl",
    "track_apply": "client.telemetry.dsdl",
    "option": "client.telemetry.dsdl",
    "keras_callback": "client.telemetry.callbacks",
    "TrainingLogger": "client.telemetry.callbacks",
    "save_model": "client.modelfiles",
    "load_model": "client.modelfiles",
    "restore_model": "client.modelfiles",
    "model_versions": "client.modelfiles",
    "search_df": "client.search",
    "open_registry": "client.registry",
}

# Module paths of release 0.1, importable for one more release (with a DeprecationWarning).
MOVED = {
    "modelops.telemetry": "modelops.client.telemetry",
    "modelops.telemetry.csvsend": "modelops.client.csvsend",
    "modelops.telemetry.timeparse": "modelops.client.timeparse",
    "modelops.cli": "modelops.client.cli",
    "modelops.modelfiles": "modelops.client.modelfiles",
    "modelops.notebook": "modelops.client.notebook",
    "modelops.preprocess": "modelops.client.preprocess",
    "modelops.splunkrest": "modelops.client.rest",
    "modelops.comparison": "modelops.engine.compare",
    "modelops.datadrift": "modelops.engine.drift",
}


class _MovedModules:
    """Import hook: an old module path resolves to the module object at its new path (one object,
    so module state such as the telemetry singleton is shared)."""

    @staticmethod
    def _target(fullname):
        if fullname in MOVED:
            return MOVED[fullname]
        parent, _, leaf = fullname.rpartition(".")
        if parent == "modelops.telemetry":
            return "modelops.client.telemetry." + leaf
        return None

    def find_spec(self, fullname, path=None, target=None):
        new = self._target(fullname)
        if new is None:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(fullname, self, is_package=fullname == "modelops.telemetry")

    def create_module(self, spec):
        warnings.warn("%s moved to %s; the old path goes away in the next release"
                      % (spec.name, self._target(spec.name)), DeprecationWarning, stacklevel=3)
        return importlib.import_module(self._target(spec.name))

    def exec_module(self, module):
        pass


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())

__all__ = ["SCHEMA_VERSION", "ModelOpsError", "TrainingLogger", "__version__", "calculate_all_metrics", "compare",
           "drift", "estimate", "flush", "get_telemetry", "keras_callback", "load_model", "log_metrics",
           "log_training_step", "model_versions", "open_registry", "option", "parse_model_name", "quality",
           "restore_model", "save_model", "search_df", "track_apply", "track_fit", "validate_event"]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError("module 'modelops' has no attribute %r" % name)
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
    A DataFrame is read column by column, and where numpy is importable DeLong's placements are
    computed with it; without it the same engine runs in pure Python, with the same numbers.
    """
    from .engine.compare import compare_rows

    renamed = dict(options)
    for old, new in (("score1", "score_a"), ("score2", "score_b")):
        if old in renamed:
            renamed[new] = renamed.pop(old)
    if label is not None:
        try:
            import numpy  # noqa: F401  (DeLong's placements vectorised: the same numbers)
            renamed.setdefault("vectorise", True)
        except ImportError:
            pass
    if label is not None and _is_frame(data) and data.columns.is_unique:
        # predictions from a DataFrame: column by column (no dict per row), the same numbers
        from .engine.table import Table

        comparison = compare_rows([], model_a, model_b, label=label, by=by, **renamed)
        comparison.add_table(Table({name: data[name].tolist() for name in data.columns}, len(data)))
        return comparison.result()
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
    the ``_dataset_`` row. Where numpy is importable it converts, sorts, bins and compares the
    numbers vectorised; without it the same engine runs in pure Python, with the same numbers.
    """
    from .engine.drift import DriftAccumulator

    try:
        import numpy
    except ImportError:
        numpy = None
    reference, current = (d if _is_frame(d) else list(d) for d in (reference, current))
    if features is None:
        features = _first_row_keys(reference)
    accumulator = DriftAccumulator(features, split_field="_modelops_side", vectorise=numpy is not None, **options)
    for side, data in (("reference", reference), ("current", current)):
        accumulator.add_columns(side, _columns(data, accumulator.features, numpy))
    return accumulator.result()


def _first_row_keys(data):
    """The feature names ``drift`` compares by default: the keys of the first reference row."""
    if _is_frame(data):
        return list(dict.fromkeys(data.columns)) if len(data) else []
    return list(dict.fromkeys(k for row in data[:1] for k in row))


def _is_frame(data) -> bool:
    return hasattr(data, "to_dict") and hasattr(data, "columns")


def _columns(data, features, numpy=None) -> dict:
    """Each feature's values (the cells ``row.get(feature)`` of every row), for ``add_columns``: a
    DataFrame's plain numeric columns as numpy arrays when numpy is given, other columns as lists."""
    if _is_frame(data) and data.columns.is_unique:
        columns = {}
        for feature in features:
            if feature not in data.columns:
                columns[feature] = [None] * len(data)
                continue
            series = data[feature]
            if numpy is not None and isinstance(series.dtype, numpy.dtype) and series.dtype.kind in "biuf":
                columns[feature] = series.to_numpy()
            else:
                columns[feature] = series.tolist()
        return columns
    rows = data.to_dict(orient="records") if _is_frame(data) else data
    return {feature: [row.get(feature) for row in rows] for feature in features}


def quality(reference, current, features=None, **options) -> list:
    """Sensor data quality of ``current`` against ``reference`` (DataFrames or lists of dicts), the
    engine of ``| modelquality`` (same numbers): missing, out-of-range and unseen counts, the longest
    run of one repeated value (in row order, or ``_time`` order when every current row has one),
    ``stuck`` and ``alert``. ``options``: ``chunk``, ``max_run``, ``unexpected_share``, ``model``.
    Returns one dict per feature (and chunk).
    """
    from .engine.quality import QualityAccumulator

    reference_rows, current_rows = _records(reference), _records(current)
    if features is None:
        features = list(dict.fromkeys(k for row in reference_rows[:1] for k in row if k != "_time"))
    accumulator = QualityAccumulator(features, split_field="_modelops_side", **options)
    for side, rows in (("reference", reference_rows), ("current", current_rows)):
        accumulator.add_rows(dict(row, _modelops_side=side) for row in rows)
    return accumulator.result()


def estimate(reference, analysis, label, score, prediction, chunk_size=None, span=None, **options) -> list:
    """Performance of a binary classifier estimated without labels (CBPE), the engine of
    ``| modelestimate`` (same numbers, equal to NannyML 0.13's ``CBPE``).

    ``reference`` (labels present) calibrates the scores and sets the thresholds; ``analysis`` (labels
    optional) is cut into chunks of ``chunk_size`` rows in order, or by ``span`` ("1d") on a ``_time``
    column of epoch seconds. ``options``: ``metrics`` (list), ``pos_label``, ``model``. Returns one
    dict per chunk and metric (estimated, sampling_error, lower, upper, thresholds, alert, realized).
    """
    from .engine.estimate import EstimateAccumulator

    accumulator = EstimateAccumulator(label=label, score=score, prediction=prediction,
                                      split_field="_modelops_side", chunk=chunk_size, span=span, **options)
    for side, rows in (("reference", _records(reference)), ("analysis", _records(analysis))):
        for row in rows:
            accumulator.add(dict(row, _modelops_side=side))
    rows = accumulator.result()
    for message in accumulator.warnings():
        warnings.warn(message, stacklevel=2)
    return rows
