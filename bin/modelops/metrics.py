"""Business metrics with scikit-learn's definitions, in pure Python.

Every function takes plain sequences (lists, tuples, numpy arrays, pandas Series). Edge cases are
decided explicitly and documented per function; ``zero_division`` is always 0, as
``sklearn.metrics`` with ``zero_division=0``.
"""

import math
from collections import Counter

from .schema import HIGHER_IS_BETTER, LOWER_IS_BETTER, MAX_INTEGER_CLASSES
from .schema import METRIC_ALIASES as ALIASES
from .stats.ranks import average_ranks

TASKS = ("classification", "regression", "anomaly", "clustering", "forecast")
# numpy.finfo(float64).eps, used by scikit-learn in MAPE and log loss.
FLOAT_EPS = 2.220446049250313e-16


def canonical_name(name: str) -> str:
    return ALIASES.get(name, name)


def direction(name: str):
    """``"higher"`` or ``"lower"`` is better for a known metric, else None."""
    name = canonical_name(name)
    if name in HIGHER_IS_BETTER:
        return "higher"
    if name in LOWER_IS_BETTER:
        return "lower"
    return None


def _pairs(y_true, y_pred):
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred have different lengths (%d and %d)" % (len(y_true), len(y_pred)))
    if not y_true:
        raise ValueError("metrics of an empty sample are undefined")
    return y_true, y_pred


def _floats(values):
    out = [float(v) for v in values]
    if not all(math.isfinite(v) for v in out):
        raise ValueError("values must be finite numbers (found NaN or infinity)")
    return out


# --- classification ----------------------------------------------------------------------------


def accuracy(y_true, y_pred) -> float:
    """Share of exact matches (``sklearn.metrics.accuracy_score``)."""
    y_true, y_pred = _pairs(y_true, y_pred)
    return sum(t == p for t, p in zip(y_true, y_pred)) / len(y_true)


def _labels(y_true, y_pred):
    labels = set(y_true) | set(y_pred)
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=repr)


def binary_pos_label(labels, pos_label=1):
    """The positive class of a two-label problem: ``pos_label`` if present, else the larger label."""
    if pos_label in labels or len(labels) < 2:
        return pos_label
    return labels[-1]


def _prf_counts(y_true, y_pred, label):
    tp = fp = fn = 0
    for t, p in zip(y_true, y_pred):
        if p == label:
            if t == label:
                tp += 1
            else:
                fp += 1
        elif t == label:
            fn += 1
    return tp, fp, fn


def _prf_from_counts(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return precision, recall, f1


AVERAGES = ("binary", "macro", "weighted", "micro")


def average_prf(counts, average="macro"):
    """(precision, recall, f1) from per-label ``(tp, fp, fn)`` counts, averaged as scikit-learn's
    ``average=`` with ``zero_division=0``. Labels with no count at all (in neither the truth nor the
    predictions) are left out, so the labels are scikit-learn's ``unique_labels(y_true, y_pred)``.

    macro: unweighted mean over labels; weighted: mean weighted by each label's support (tp + fn);
    micro: precision, recall and f1 of the summed counts."""
    counts = [c for c in counts if c[0] or c[1] or c[2]]
    if not counts:
        return 0.0, 0.0, 0.0
    if average == "micro":
        tp, fp, fn = (math.fsum(column) for column in zip(*counts))
        return _prf_from_counts(tp, fp, fn)
    per_label = [_prf_from_counts(tp, fp, fn) for tp, fp, fn in counts]
    if average == "weighted":
        weights = [tp + fn for tp, _, fn in counts]
        total = math.fsum(weights)
        if not total:
            return 0.0, 0.0, 0.0
        return tuple(math.fsum(w * v for w, v in zip(weights, values)) / total for values in zip(*per_label))
    if average != "macro":
        raise ValueError("average must be one of %s" % ", ".join(AVERAGES))
    return tuple(math.fsum(values) / len(counts) for values in zip(*per_label))


def precision_recall_f1(y_true, y_pred, pos_label=1, average=None):
    """(precision, recall, f1) as scikit-learn with ``zero_division=0``.

    ``average=None`` picks ``"binary"`` for at most two labels (positive class ``pos_label``, or the
    larger label when ``pos_label`` is absent) and ``"macro"`` otherwise; ``macro``, ``weighted`` and
    ``micro`` average over the union of labels in ``y_true`` and ``y_pred`` (see ``average_prf``).
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    labels = _labels(y_true, y_pred)
    if average is None:
        average = "binary" if len(labels) <= 2 else "macro"
    if average == "binary":
        return _prf_from_counts(*_prf_counts(y_true, y_pred, binary_pos_label(labels, pos_label)))
    if average not in AVERAGES:
        raise ValueError("average must be one of %s" % ", ".join(AVERAGES))
    return average_prf([_prf_counts(y_true, y_pred, label) for label in labels], average)


def roc_auc(y_true, y_score, pos_label=None) -> float:
    """Binary ROC AUC (``sklearn.metrics.roc_auc_score``), by the rank-sum identity with tied scores
    counted as one half. The positive class is ``pos_label`` or else the larger of the two labels.
    Raises ValueError unless both classes are present."""
    y_true, y_score = _pairs(y_true, y_score)
    scores = _floats(y_score)
    labels = _labels(y_true, [])
    if len(labels) != 2:
        raise ValueError("ROC AUC needs exactly two classes in y_true (found %d)" % len(labels))
    positive = labels[1] if pos_label is None else pos_label
    ranks = average_ranks(scores)
    n_pos = sum(1 for t in y_true if t == positive)
    n_neg = len(y_true) - n_pos
    rank_sum = math.fsum(r for r, t in zip(ranks, y_true) if t == positive)
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def log_loss(y_true, y_prob, pos_label=None) -> float:
    """Binary cross-entropy of the positive-class probability (``sklearn.metrics.log_loss``),
    probabilities clipped to [eps, 1 - eps] with eps the float64 machine epsilon."""
    y_true, y_prob = _pairs(y_true, y_prob)
    probs = _floats(y_prob)
    labels = _labels(y_true, [])
    if len(labels) > 2:
        raise ValueError("log_loss here is binary; y_true has %d classes" % len(labels))
    positive = labels[-1] if pos_label is None else pos_label
    total = 0.0
    for t, p in zip(y_true, probs):
        p = min(max(p, FLOAT_EPS), 1.0 - FLOAT_EPS)
        total -= math.log(p) if t == positive else math.log(1.0 - p)
    return total / len(probs)


# --- regression --------------------------------------------------------------------------------


def mae(y_true, y_pred) -> float:
    y_true, y_pred = _pairs(_floats(y_true), _floats(y_pred))
    return math.fsum(abs(t - p) for t, p in zip(y_true, y_pred)) / len(y_true)


def mse(y_true, y_pred) -> float:
    y_true, y_pred = _pairs(_floats(y_true), _floats(y_pred))
    return math.fsum((t - p) ** 2 for t, p in zip(y_true, y_pred)) / len(y_true)


def rmse(y_true, y_pred) -> float:
    return math.sqrt(mse(y_true, y_pred))


def mape(y_true, y_pred) -> float:
    """mean(|y - p| / max(|y|, eps)), as ``sklearn.metrics.mean_absolute_percentage_error`` (a fraction,
    not a percentage; a zero target gives a huge value, as in scikit-learn)."""
    y_true, y_pred = _pairs(_floats(y_true), _floats(y_pred))
    return math.fsum(abs(t - p) / max(abs(t), FLOAT_EPS) for t, p in zip(y_true, y_pred)) / len(y_true)


def r2(y_true, y_pred) -> float:
    """Coefficient of determination (``sklearn.metrics.r2_score``). A constant y_true gives 1.0 for a
    perfect prediction and 0.0 otherwise, as scikit-learn does."""
    y_true, y_pred = _pairs(_floats(y_true), _floats(y_pred))
    mean = math.fsum(y_true) / len(y_true)
    residual = math.fsum((t - p) ** 2 for t, p in zip(y_true, y_pred))
    total = math.fsum((t - mean) ** 2 for t in y_true)
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return 1.0 - residual / total


# --- forecast ----------------------------------------------------------------------------------


def smape_term(t, p):
    """One row's symmetric absolute percentage error, as sktime's ``_percentage_error(symmetric=True)``:
    |t - p| / (max(|t| + |p|, eps) / 2)."""
    return abs(t - p) / (max(abs(t) + abs(p), FLOAT_EPS) / 2)


def smape(y_true, y_pred) -> float:
    """Symmetric MAPE as a fraction (``sktime``'s ``mean_absolute_percentage_error(symmetric=True)``)."""
    y_true, y_pred = _pairs(_floats(y_true), _floats(y_pred))
    return math.fsum(smape_term(t, p) for t, p in zip(y_true, y_pred)) / len(y_true)


def mase(y_true, y_pred, y_train, season=1) -> float:
    """Mean absolute scaled error (``sktime``'s ``mean_absolute_scaled_error(y_true, y_pred, y_train=...,
    sp=season)``): the forecast's MAE over the in-sample MAE of the seasonal naive forecast
    y_train[t - season], floored at eps."""
    train = _floats(y_train)
    if not 1 <= season < len(train):
        raise ValueError("mase needs a season of at least 1 and fewer than the %d training values" % len(train))
    naive = math.fsum(abs(a - b) for a, b in zip(train[season:], train[:-season])) / (len(train) - season)
    return mae(y_true, y_pred) / max(naive, FLOAT_EPS)


def bias(y_true, y_pred) -> float:
    """Mean of prediction minus actual (positive: the forecast runs high)."""
    y_true, y_pred = _pairs(_floats(y_true), _floats(y_pred))
    return math.fsum(p - t for t, p in zip(y_true, y_pred)) / len(y_true)


def pinball(y_true, y_quantile, q) -> float:
    """Pinball loss of a q-quantile forecast (``sklearn.metrics.mean_pinball_loss(alpha=q)``)."""
    y_true, y_quantile = _pairs(_floats(y_true), _floats(y_quantile))
    if not 0.0 < q < 1.0:
        raise ValueError("a quantile must be between 0 and 1, not %r" % q)
    return math.fsum(q * (t - p) if t >= p else (1.0 - q) * (p - t) for t, p in zip(y_true, y_quantile)) / len(y_true)


def interval_metrics(y_true, lower, upper):
    """(coverage, interval_width): share of actuals inside [lower, upper] (bounds included) and the
    mean of upper - lower."""
    y_true, lower = _pairs(_floats(y_true), _floats(lower))
    _, upper = _pairs(y_true, _floats(upper))
    inside = sum(1 for t, lo, hi in zip(y_true, lower, upper) if lo <= t <= hi)
    return inside / len(y_true), math.fsum(hi - lo for lo, hi in zip(lower, upper)) / len(y_true)


def forecast_metrics(y_true, y_pred, y_train=None, season=1, lower=None, upper=None, quantiles=None) -> dict:
    result = {"mae": mae(y_true, y_pred), "rmse": rmse(y_true, y_pred), "mape": mape(y_true, y_pred),
              "smape": smape(y_true, y_pred), "bias": bias(y_true, y_pred)}
    if y_train is not None:
        result["mase"] = mase(y_true, y_pred, y_train, season)
    if (lower is None) != (upper is None):
        raise ValueError("give both lower and upper (a prediction interval), or neither")
    if lower is not None:
        result["coverage"], result["interval_width"] = interval_metrics(y_true, lower, upper)
    for q, predictions in sorted((quantiles or {}).items()):
        result["pinball_%s" % format(float(q), "g")] = pinball(y_true, predictions, float(q))
    return result


# --- anomaly and clustering -------------------------------------------------------------------


def anomaly_flags(y_pred) -> list:
    """Predictions as booleans (True = anomaly): IsolationForest style {-1, 1} marks -1 as the
    anomaly; {0, 1} or booleans mark 1/True."""
    values = list(y_pred)
    distinct = set(values)
    if distinct <= {-1, 1} and -1 in distinct:
        return [v == -1 for v in values]
    if distinct <= {0, 1}:
        return [bool(v) for v in values]
    raise ValueError("anomaly predictions must be -1/1 (IsolationForest) or 0/1 flags")


def anomaly_rate(y_pred) -> float:
    flags = anomaly_flags(y_pred)
    if not flags:
        raise ValueError("the anomaly rate of an empty sample is undefined")
    return sum(flags) / len(flags)


def silhouette(X, labels) -> float:
    """Mean silhouette coefficient with Euclidean distance (``sklearn.metrics.silhouette_score``).
    Samples in singleton clusters score 0. Needs 2 <= number of clusters <= n - 1. O(n^2): uses
    numpy when it is installed."""
    rows = [list(map(float, row)) for row in X]
    labels = list(labels)
    if len(rows) != len(labels):
        raise ValueError("X and labels have different lengths")
    clusters = sorted(set(labels), key=repr)
    if not 2 <= len(clusters) <= len(rows) - 1:
        raise ValueError("silhouette needs 2 to n-1 clusters (found %d for %d samples)" % (len(clusters), len(rows)))
    sizes = Counter(labels)
    index = {c: i for i, c in enumerate(clusters)}
    try:
        import numpy as np
    except ImportError:
        np = None
    total = 0.0
    for i, row in enumerate(rows):
        if np is not None:
            if i == 0:
                matrix = np.asarray(rows)
                codes = np.asarray([index[c] for c in labels])
            distances = np.sqrt(((matrix - matrix[i]) ** 2).sum(axis=1))
            sums = np.bincount(codes, weights=distances, minlength=len(clusters)).tolist()
        else:
            sums = [0.0] * len(clusters)
            for other, label in zip(rows, labels):
                sums[index[label]] += math.sqrt(math.fsum((a - b) ** 2 for a, b in zip(row, other)))
        own = index[labels[i]]
        if sizes[labels[i]] == 1:
            continue
        a = sums[own] / (sizes[labels[i]] - 1)
        b = min(sums[k] / sizes[c] for k, c in enumerate(clusters) if k != own)
        total += (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return total / len(rows)


# --- all at once ---------------------------------------------------------------------------------


def infer_task(y_true, y_pred) -> str:
    """``anomaly`` for IsolationForest-style predictions (-1/1) against 0/1 flags; ``classification``
    when the labels are text, booleans or at most ``MAX_INTEGER_CLASSES`` distinct integers; else ``regression``."""
    predicted, truth = set(y_pred), set(y_true)
    if -1 in predicted and predicted <= {-1, 1} and truth <= {0, 1}:
        return "anomaly"
    values = list(y_true) + list(y_pred)
    distinct = set(values)
    for v in distinct:
        if isinstance(v, (str, bool)):
            return "classification"
        try:
            number = float(v)
        except (TypeError, ValueError):
            return "classification"
        if not number.is_integer():
            return "regression"
    return "classification" if len(distinct) <= MAX_INTEGER_CLASSES else "regression"


def calculate_all_metrics(y_true, y_pred, task=None, y_score=None, X=None, pos_label=1, average=None, y_train=None,
                          season=1, lower=None, upper=None, quantiles=None) -> dict:
    """The metrics that fit the task, never mixed across tasks.

    * classification: accuracy, precision, recall, f1 (``average``: binary for two labels and macro
      otherwise by default; macro, weighted or micro as scikit-learn) (+ roc_auc and log_loss for two classes when
      ``y_score``, the positive-class score or probability, is given; log_loss only when it is in [0, 1]);
    * regression: r2, mae, mse, rmse, mape;
    * anomaly: anomaly_rate of ``y_pred`` (+ precision, recall, f1 of the anomaly class when
      ``y_true`` flags are given, + roc_auc of ``y_score``, higher meaning more anomalous);
    * clustering: silhouette of ``X`` (or ``y_true`` when X is None) under the labels ``y_pred``;
    * forecast (never inferred): mae, rmse, mape, smape (sktime's symmetric MAPE, a fraction), bias
      (mean of prediction - actual), + mase with ``y_train`` (sktime's, ``sp=season``), + coverage and
      interval_width with ``lower``/``upper``, + ``pinball_<q>`` for each ``quantiles={q: predictions}``.

    ``task=None`` infers classification or regression (see ``infer_task``). A metric that is
    undefined for the data (one class for AUC) is left out rather than guessed.
    """
    if task is None:
        task = infer_task(y_true, y_pred)
    if task not in TASKS:
        raise ValueError("task must be one of %s" % ", ".join(TASKS))
    if task == "clustering":
        return {"silhouette": silhouette(y_true if X is None else X, y_pred)}
    if task == "anomaly":
        flags = anomaly_flags(y_pred)
        result = {"anomaly_rate": sum(flags) / len(flags)}
        if y_true is not None:
            truth = anomaly_flags(y_true)
            p, r, f = precision_recall_f1(truth, flags, pos_label=True, average="binary")
            result.update(precision=p, recall=r, f1=f)
            if y_score is not None and len(set(truth)) == 2:
                result["roc_auc"] = roc_auc(truth, y_score, pos_label=True)
        return result
    if task == "forecast":
        return forecast_metrics(y_true, y_pred, y_train, season, lower, upper, quantiles)
    if task == "regression":
        return {"r2": r2(y_true, y_pred), "mae": mae(y_true, y_pred), "mse": mse(y_true, y_pred),
                "rmse": rmse(y_true, y_pred), "mape": mape(y_true, y_pred)}
    y_true, y_pred = _pairs(y_true, y_pred)
    precision, recall, f1 = precision_recall_f1(y_true, y_pred, pos_label=pos_label, average=average)
    result = {"accuracy": accuracy(y_true, y_pred), "precision": precision, "recall": recall, "f1": f1}
    if y_score is not None and len(_labels(y_true, [])) == 2:
        positive = binary_pos_label(_labels(y_true, []), pos_label)
        result["roc_auc"] = roc_auc(y_true, y_score, pos_label=positive)
        scores = _floats(y_score)
        if all(0.0 <= s <= 1.0 for s in scores):
            result["log_loss"] = log_loss(y_true, scores, pos_label=positive)
    return result
