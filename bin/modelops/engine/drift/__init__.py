"""Data drift between a reference and a current sample, feature by feature.

The engine is an accumulator: ``add(row)`` for every row in any chunking, ``result()`` once. Its
parts, one job each:

* ``rows``: raw-row intake (routing by ``split``/``reference_until``, per-feature samples, ``by=``);
* ``profiles``: profile mode (``profile`` telemetry events, validated one by one);
* ``stattests``: the tests as named records and the one function that selects a test;
* ``decision``: option checks, the drift flag, the PSI reading and the ``_dataset_`` row;
* the bins themselves live in ``modelops.stats.binning``, shared with the client's profiles.

Statistics (pinned so they can be checked against scipy/numpy):

* bins: the reference deciles (``numpy.quantile``, linear), outer bins open, value v in bin i when
  ``edge[i] <= v < edge[i+1]``; numeric features with at most 10 distinct reference values get one
  bin per value instead;
* ``psi`` on those bins (empty shares -> 0.0001) and ``js``, the Jensen-Shannon distance with the
  natural logarithm (scipy's default, Evidently's scale);
* ``ks_d`` and its asymptotic p-value (``kstwobign``), ``wasserstein_norm`` = W1 / max(std_ref, 0.001);
* chi-square on the 2 x k table of category (or value) counts, no continuity correction.

Test selection follows Evidently's defaults: a reference of at most 1000 rows uses KS for numeric
features with more than 5 distinct values (reference and current together) and chi-square
otherwise, drift when p < 0.05; a larger reference uses the normalised Wasserstein distance for
those numeric features and Jensen-Shannon for the others, drift when the distance >= 0.1.
"""

from ...errors import ModelOpsError
from ...stats.binning import PER_VALUE_BINS_UP_TO
from ..table import Table
from .decision import DATASET_ROW, DEFAULT_DRIFT_SHARE, OUTPUT_FIELDS, dataset_row, decide, psi_level
from .profiles import ProfileDrift
from .rows import DriftAccumulator, SegmentedDrift
from .stattests import FEW_DISTINCT_VALUES, SMALL_REFERENCE_ROWS, STATTESTS, StatTest, select_stattest

__all__ = [
    "DATASET_ROW", "DEFAULT_DRIFT_SHARE", "FEW_DISTINCT_VALUES", "OUTPUT_FIELDS", "PER_VALUE_BINS_UP_TO",
    "SMALL_REFERENCE_ROWS", "STATTESTS", "DriftAccumulator", "ModelOpsError", "ProfileDrift", "SegmentedDrift",
    "StatTest", "dataset_row", "decide", "drift_engine", "drift_map", "psi_level", "select_stattest",
]


def drift_engine(features=(), split_field=None, reference_until=None, by=None, **options):
    """Raw mode when features or a split are given, profile mode otherwise (see ``| modeldrift``)."""
    if not features and split_field is None and reference_until is None:
        if by is not None:
            raise ModelOpsError("by= applies to raw mode; profile mode already compares per model")
        return ProfileDrift(**{k: v for k, v in options.items()
                                if k in ("stattest", "threshold", "drift_share", "history")})
    if options.pop("history", False):
        raise ModelOpsError("history=true applies to profile mode (no fields, split or reference_until)")
    if by is None:
        return DriftAccumulator(features, split_field=split_field, reference_until=reference_until, **options)
    DriftAccumulator(features, split_field=split_field, reference_until=reference_until, **options)  # checks now
    return SegmentedDrift(lambda key: DriftAccumulator(features, split_field=split_field,
                                                       reference_until=reference_until,
                                                       **dict(options, model=key)), by)


def drift_map(records, *args, **options):
    """The map phase of ``| modeldrift`` over one chunk (rows, or the same rows as a ``Table``): raw
    mode parses the rows and yields compact partial rows (sorted, packed numbers per feature and
    side; see ``rows.PARTIAL``) for the reduce phase to merge; profile mode forwards its events.
    Same arguments as ``drift_engine``."""
    try:
        engine = drift_engine(*args, **options)
    except ModelOpsError:
        engine = None  # bad options: the reduce phase says so, once
    if engine is None or isinstance(engine, ProfileDrift):
        yield from records.rows() if isinstance(records, Table) else records
        return
    if isinstance(records, Table):
        engine.add_table(records)
    else:
        engine.add_rows(records)
    yield from engine.partial_rows()
