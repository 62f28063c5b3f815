"""Confidence-based performance estimation (CBPE) for binary classification: the arithmetic of
NannyML 0.13 (``nannyml.performance_estimation.confidence_based``, ``nannyml.calibration``,
``nannyml.sampling_error.binary_classification``, ``nannyml.thresholds``), on plain lists.

Labels and predictions are 0/1 (1 = the positive class); scores are the positive-class
probability. ``calibrated`` scores are the isotonic map of the raw scores (or the raw scores when the
calibration check says calibration would not help).
"""

import math

from ... import metrics
from ...stats.isotonic import IsotonicRegression
from ...stats.nprandom import stratified_shuffle_split

METRICS = ("roc_auc", "f1", "precision", "recall", "accuracy")
SAMPLING_ERROR_RANGE = 3  # nannyml.sampling_error.SAMPLING_ERROR_RANGE: band = estimate +- 3 SE
STD_MULTIPLIER = 3  # StandardDeviationThreshold: reference mean +- 3 std of reference chunks
NAN = float("nan")


def _mean(values):
    return math.fsum(values) / len(values)


def _pstd(values):
    """Population standard deviation (``numpy.std``, ddof 0)."""
    if not values:
        return NAN
    mean = _mean(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))


def _two_valued_pstd(n_ones, n_total, value=1.0):
    """``numpy.std`` of ``n_ones`` copies of ``value`` and ``n_total - n_ones`` zeros."""
    if n_total == 0:
        return NAN
    share = n_ones / n_total
    return abs(value) * math.sqrt(share * (1.0 - share))


# --- estimates (nannyml ... confidence_based.metrics.estimate_*) --------------------------------


def expected_counts(preds, probs):
    """Expected TP, FP, FN, TN: each row adds its probability of being positive or negative."""
    positive = [p for y, p in zip(preds, probs) if y == 1]
    negative = [p for y, p in zip(preds, probs) if y != 1]
    tp, fn = math.fsum(positive), math.fsum(negative)
    return tp, len(positive) - tp, fn, len(negative) - fn


def estimate(metric, preds, calibrated, raw, counts=None):
    """The expected metric under the calibrated probabilities (``estimate_<metric>``); ``counts``
    may carry ``expected_counts(preds, calibrated)`` computed once for several metrics."""
    if not calibrated:
        return NAN
    if metric == "roc_auc":
        return estimate_roc_auc(calibrated, raw)
    tp, fp, fn, tn = counts or expected_counts(preds, calibrated)
    if metric == "accuracy":
        return (tp + tn) / len(preds)
    if metric == "precision":
        return tp / (tp + fp) if tp + fp else 0.0
    if metric == "recall":
        return tp / (tp + fn) if tp + fn else 0.0
    if metric == "f1":
        denominator = tp + 0.5 * (fp + fn)
        return tp / denominator if denominator else 0.0
    raise ValueError(metric)


def estimate_roc_auc(calibrated, raw):
    """Expected ROC curve from rows ordered by raw score, highest first; cumulative expected
    positives and negatives rounded to 5 decimals; trapezoid area (``estimate_roc_auc``)."""
    order = sorted(range(len(raw)), key=raw.__getitem__, reverse=True)
    tps, fps = [0.0], [0.0]
    running = 0.0
    for k, i in enumerate(order, 1):
        running += calibrated[i]
        tps.append(round(running, 5))
        fps.append(round(k - running, 5))
    if tps[-1] == 0 or fps[-1] == 0:
        return NAN
    area = 0.0
    for j in range(1, len(tps)):
        area += (fps[j] - fps[j - 1]) * (tps[j] + tps[j - 1]) / 2.0
    return area / (tps[-1] * fps[-1])


# --- realized metrics (NannyML's _realized_performance: NaN where one class is missing) ----------


def realized(metric, labels, preds, raw):
    if not labels:
        return NAN
    if metric == "accuracy":
        return metrics.accuracy(labels, preds)
    if len(set(labels)) <= 1:
        return NAN
    if metric == "roc_auc":
        return metrics.roc_auc(labels, raw, pos_label=1)
    if len(set(preds)) <= 1:
        return NAN
    precision, recall, f1 = metrics.precision_recall_f1(labels, preds, pos_label=1, average="binary")
    return {"precision": precision, "recall": recall, "f1": f1}[metric]


# --- sampling error (nannyml.sampling_error.binary_classification) -------------------------------


def sampling_error_components(metric, labels, preds, raw):
    """(std, fraction) from the whole reference; the chunk's SE is std / sqrt(n * fraction)."""
    n = len(labels)
    if metric == "accuracy":
        correct = sum(1 for y, p in zip(labels, preds) if y == p)
        return _two_valued_pstd(correct, n), 1.0
    if metric == "precision":
        tp = sum(1 for y, p in zip(labels, preds) if p == 1 and y == 1)
        predicted = sum(preds)
        return _two_valued_pstd(tp, predicted), predicted / n
    if metric == "recall":
        tp = sum(1 for y, p in zip(labels, preds) if p == 1 and y == 1)
        positives = sum(labels)
        return _two_valued_pstd(tp, positives), positives / n
    if metric == "f1":
        tp = sum(1 for y, p in zip(labels, preds) if p == 1 and y == 1)
        wrong = sum(1 for y, p in zip(labels, preds) if y != p)
        relevant = tp + wrong
        if relevant == 0:
            return NAN, 0.0
        correcting = relevant / (wrong * 0.5 + tp)
        return _two_valued_pstd(tp, relevant, correcting), relevant / n
    if metric == "roc_auc":
        return _auroc_components(labels, raw)
    raise ValueError(metric)


def _auroc_components(labels, raw):
    """Mann-Whitney view of AUROC: for each positive (the minority class), the share of negatives
    ranked below it; NannyML drops the positive that sits at rank 0, and so do we."""
    if _mean(labels) > 0.5:
        labels = [1 - y for y in labels]
        raw = [1.0 - s for s in raw]
    order = sorted(range(len(raw)), key=raw.__getitem__)
    positive_ranks = sorted({rank for rank, i in enumerate(order) if labels[i] == 1 and rank > 0})
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    shares = [(rank - k) / n_neg for k, rank in enumerate(positive_ranks)]
    return _pstd(shares), n_pos / len(labels)


def sampling_error(components, n_rows):
    std, fraction = components
    if n_rows == 0 or not fraction or math.isnan(std):
        return NAN
    return std / math.sqrt(n_rows * fraction)


# --- thresholds (StandardDeviationThreshold + calculate_threshold_values, limits [0, 1]) ----------


def thresholds(reference_chunk_values):
    values = [v for v in reference_chunk_values if not math.isnan(v)]
    if not values:
        return None, None
    mean, std = _mean(values), _pstd(values)
    lower, upper = mean - STD_MULTIPLIER * std, mean + STD_MULTIPLIER * std
    return (0.0 if lower <= 0 else lower), (1.0 if upper >= 1 else upper)


# --- calibration check (nannyml.calibration.needs_calibration) ----------------------------------


def _bin_edges(length, bin_count=10):
    if length <= 2 * bin_count:
        bin_count = length // 2
    width = length // bin_count
    edges = list(range(0, length + 1, width))
    edges[-1] = length
    return list(zip(edges[:-1], edges[1:]))


def _expected_calibration_error(labels, probs, edges):
    order = sorted(range(len(probs)), key=probs.__getitem__)
    probs = [probs[i] for i in order]
    labels = [labels[i] for i in order]
    terms = []
    for left, right in edges:
        terms.append((right - left) / len(probs) * abs(_mean(probs[left:right]) - _mean(labels[left:right])))
    return math.fsum(terms)


def needs_calibration(labels, raw, bin_count=10, split_count=10):
    """True when isotonic calibration lowers the expected calibration error over ten stratified
    90/10 splits (seed 42, the same splits as scikit-learn's); False when one class only or the raw
    scores' AUROC exceeds 0.999.

    The error is binned by sorted score; tied calibrated scores are kept in row order, where NannyML
    leaves their order to numpy's unstable quicksort. On scores that are already calibrated the two
    errors are close and the decision can then differ from NannyML's; either choice moves those
    estimates by less than 0.005 (measured on the test datasets)."""
    if len(set(labels)) == 1:
        return False
    if metrics.roc_auc(labels, raw, pos_label=1) > 0.999:
        return False
    test_labels, test_raw, test_calibrated = [], [], []
    pairs = [(float(s), float(y)) for s, y in zip(raw, labels)]
    order = sorted(range(len(pairs)), key=pairs.__getitem__)  # sorted once; each split filters it
    for train, test in stratified_shuffle_split(labels, n_splits=split_count, test_size=0.1, random_state=42):
        in_train = bytearray(len(pairs))
        for i in train:
            in_train[i] = 1
        model = IsotonicRegression().fit_sorted([pairs[i] for i in order if in_train[i]])
        test_labels.extend(labels[i] for i in test)
        test_raw.extend(raw[i] for i in test)
        test_calibrated.extend(model.predict([raw[i] for i in test]))
    edges = _bin_edges(len(test_raw), bin_count)
    before = _expected_calibration_error(test_labels, test_raw, edges)
    after = _expected_calibration_error(test_labels, test_calibrated, edges)
    return before > after
