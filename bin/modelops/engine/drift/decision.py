"""The drift decision: options checked the same way in every mode, the test columns of a feature
row, the PSI reading and the ``_dataset_`` row."""

import math

from ...errors import ModelOpsError

DEFAULT_DRIFT_SHARE = 0.5
DATASET_ROW = "_dataset_"

OUTPUT_FIELDS = (
    "model", "feature", "kind", "n_ref", "n_cur", "n_null_ref", "n_null_cur", "test", "statistic",
    "p_value", "threshold", "drift", "psi", "psi_level", "js", "wasserstein_norm", "ks_d",
    "drift_share", "n_drifted",
)


def check_options(stattests, stattest, threshold, drift_share) -> None:
    """The checks every mode applies (raw rows, segments, profiles); one sentence each."""
    if stattest is not None and stattest not in stattests:
        raise ModelOpsError("stattest must be one of %s, not %r" % (", ".join(sorted(stattests)), stattest))
    if threshold is not None and not (isinstance(threshold, (int, float)) and math.isfinite(threshold)
                                      and threshold > 0):
        raise ModelOpsError("threshold must be a positive number")
    if not (isinstance(drift_share, (int, float)) and 0 < drift_share <= 1):
        raise ModelOpsError("drift_share must be greater than 0 and at most 1")


def empty_row(model, feature) -> dict:
    row = dict.fromkeys(OUTPUT_FIELDS, "")
    row.update(model=model, feature=feature)
    return row


def psi_level(value: float) -> str:
    """The usual reading of PSI: below 0.1 none, 0.1 to 0.2 moderate, 0.2 and above significant."""
    if value < 0.1:
        return "none"
    if value < 0.2:
        return "moderate"
    return "significant"


def decide(row, test, statistic, p_value, threshold=None) -> None:
    """Fill the test columns of ``row`` (``test`` is a StatTest record) and its drift flag: p below
    the threshold for p-value tests, distance at or above it for distances."""
    threshold = threshold if threshold is not None else test.threshold
    measured = p_value if test.kind == "p_value" else statistic
    drift = measured < threshold if test.direction == "below" else measured >= threshold
    row.update(test=test.name, statistic=statistic, p_value="" if p_value is None else p_value,
               threshold=threshold, drift=int(drift), psi_level=psi_level(row["psi"]))


def dataset_row(model, rows, n_ref, n_cur, drift_share):
    """The ``_dataset_`` row: the share of compared features that drift, flagged at ``drift_share``."""
    compared = [r for r in rows if r["drift"] != ""]
    drifted = sum(r["drift"] for r in compared)
    share = drifted / len(compared) if compared else 0.0
    dataset = empty_row(model, DATASET_ROW)
    dataset.update(n_ref=n_ref, n_cur=n_cur, test="drift_share", statistic=share, threshold=drift_share,
                   drift=int(bool(compared) and share >= drift_share), drift_share=share, n_drifted=drifted)
    return dataset
