"""Result rows shared by every mode: one row per metric, Holm across the rows, winners and ``_summary_``."""

import math

from ... import metrics as m
from ...errors import ModelOpsError
from ...stats import paired
from ...stats.twosample import quantile_linear

SUMMARY = "_summary_"
ROW_FIELDS = ("metric", "model_a", "model_b", "value_a", "value_b", "delta", "delta_pct", "ci_low", "ci_high",
              "test", "statistic", "p_value", "p_holm", "n_a", "n_b", "winner")
PRIMARY_ORDER = ("f1", "accuracy", "roc_auc", "r2", "mae", "rmse", "mape", "log_loss", "val_loss", "loss",
                 "silhouette", "precision", "recall", "mse", "anomaly_rate", "smape", "mase")
NUMBERS = ("value_a", "value_b", "delta", "delta_pct", "ci_low", "ci_high", "statistic", "p_value")
# Fields the _summary_ row copies from the primary metric's row.
SUMMARY_COPIES = ("value_a", "value_b", "delta", "delta_pct", "ci_low", "ci_high", "p_value", "p_holm", "n_a", "n_b",
                  "winner")


def winner(metric, delta, p_holm, alpha, name_a, name_b):
    if p_holm is None or delta is None:
        return "insufficient_data"
    way = m.direction(metric)
    if way is None or p_holm >= alpha or delta == 0:
        return "tie"
    better_b = delta > 0 if way == "higher" else delta < 0
    return name_b if better_b else name_a


def percentile_ci(deltas, alpha):
    if not deltas:
        return "", ""
    ordered = sorted(deltas)
    return quantile_linear(ordered, alpha / 2.0), quantile_linear(ordered, 1.0 - alpha / 2.0)


def bootstrap_p(deltas):
    """Two-sided bootstrap p-value of "no difference": 2 (1 + k) / (B + 1), k the resampled deltas on
    the far side of 0 (the +1 keeps a finite B from claiming p = 0)."""
    if not deltas:
        return None
    below = sum(1 for d in deltas if d <= 0)
    above = sum(1 for d in deltas if d >= 0)
    return min(1.0, 2.0 * (1 + min(below, above)) / (len(deltas) + 1))


def new_row(metric, name_a, name_b, value_a, value_b, n_a, n_b):
    row = dict.fromkeys(ROW_FIELDS, "")
    delta = value_b - value_a if value_a is not None and value_b is not None else None
    row.update(metric=metric, model_a=name_a, model_b=name_b, n_a=n_a, n_b=n_b,
               value_a="" if value_a is None else value_a, value_b="" if value_b is None else value_b,
               delta="" if delta is None else delta,
               delta_pct="" if delta is None or not value_a else 100.0 * delta / abs(value_a))
    return row


def finish(rows, alpha, name_a, name_b, primary, notes=None):
    """Holm across the rows' p-values, winners, and the summary row (a ``primary`` that names no
    metric here gets a note in ``notes``). A value beyond the float range is one sentence."""
    for row in rows:
        for key in NUMBERS:
            value = row[key]
            if isinstance(value, float) and not math.isfinite(value):
                raise ModelOpsError("the %s of %s or %s exceeds the largest float; rescale the values (divide them by "
                                    "a constant)" % (row["metric"], name_a, name_b))
    adjusted = paired.holm([r["p_value"] if r["p_value"] != "" else None for r in rows])
    for row, p_holm in zip(rows, adjusted):
        row["p_holm"] = "" if p_holm is None else p_holm
        delta = row["delta"] if row["delta"] != "" else None
        row["winner"] = winner(row["metric"], delta, p_holm, alpha, name_a, name_b)
    present = [r["metric"] for r in rows]
    if primary:
        primary = m.canonical_name(primary)
        if primary not in present and notes is not None:
            notes.append("primary=%s is not a metric of this comparison (%s); the summary has no winner"
                         % (primary, ", ".join(present)))
    chosen = primary if primary else next((p for p in PRIMARY_ORDER if p in present), present[0] if present else "")
    summary = dict.fromkeys(ROW_FIELDS, "")
    summary.update(metric=SUMMARY, model_a=name_a, model_b=name_b, test="primary=%s" % chosen)
    match = next((r for r in rows if r["metric"] == chosen), None)
    if match is None:
        summary["winner"] = "insufficient_data"
    else:
        for key in SUMMARY_COPIES:
            summary[key] = match[key]
    return rows + [summary]
