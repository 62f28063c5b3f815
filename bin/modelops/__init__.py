"""ModelOps for DSDL: the shared engine of the Splunk app and the notebook client.

Standard library only at import time, so Splunk's own Python can import it from ``bin/``.
Notebook helpers that need pandas import it lazily.
"""

from ._version import __version__
from .errors import ModelOpsError
from .schema import SCHEMA_VERSION, parse_model_name, validate_event

__all__ = ["SCHEMA_VERSION", "ModelOpsError", "__version__", "drift", "parse_model_name", "validate_event"]


def _records(data):
    """Rows of a pandas DataFrame or an iterable of mappings, as dicts."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        return data.to_dict(orient="records")
    return list(data)


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
