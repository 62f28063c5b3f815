"""Feature profiles: the reference distribution at fit, the current one at apply, on the same bins.

Numeric features: the 11 reference deciles as edges (``numpy.quantile``, linear), 10 bins, the
outer ones open-ended; at most 10 distinct reference values are profiled per value instead.
Categorical features: counts of the ``MAX_CATEGORIES - 1`` most frequent categories plus ``OTHER``.
The bins come from ``modelops.stats.binning``, the functions ``| modeldrift`` bins raw rows with, so
PSI from profiles equals PSI from raw rows.
"""

from collections import Counter

from ...stats.binning import counts_on_edges, reference_bins, value_counts_sorted
from ...stats.twosample import mean_and_population_std
from ...values import MISSING, NUMBER, classify, format_category

MAX_CATEGORIES = 50
OTHER = "__other__"


def split_values(values):
    """(finite floats, category strings, n_null); a column with more text than numbers is all categories."""
    numbers, texts, n_null = [], [], 0
    for value in values:
        kind, parsed = classify(value)
        if kind == MISSING:
            n_null += 1
        elif kind == NUMBER:
            numbers.append(parsed)
            texts.append(format_category(parsed))
        else:
            texts.append(parsed)
    if len(texts) > len(numbers):
        return None, texts, n_null
    return numbers, None, n_null


def _numeric_stats(numbers):
    if not numbers:
        return {"mean": None, "std": None, "min": None, "max": None}
    mean, std = mean_and_population_std(numbers)
    return {"mean": mean, "std": std, "min": min(numbers), "max": max(numbers)}


def reference_profile(feature, values) -> dict:
    """The profile fields of a ``profile`` event with ``role=reference``."""
    numbers, texts, n_null = split_values(values)
    profile = {"role": "reference", "feature": str(feature), "n_null": n_null}
    if numbers is not None:
        numbers.sort()
        profile.update(kind="numeric", n=len(numbers), **_numeric_stats(numbers))
        values, edges = reference_bins(numbers)
        if values is not None:
            profile["categories"] = [format_category(v) for v in values]
            profile["counts"] = value_counts_sorted(numbers, values)
        else:
            profile["edges"] = edges
            profile["counts"] = counts_on_edges(numbers, edges)
        return profile
    counts = Counter(texts)
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if len(top) > MAX_CATEGORIES:
        kept, rest = top[: MAX_CATEGORIES - 1], top[MAX_CATEGORIES - 1:]
        top = kept + [(OTHER, sum(c for _, c in rest))]
    profile.update(kind="categorical", n=len(texts), categories=[c for c, _ in top], counts=[n for _, n in top],
                   mean=None, std=None, min=None, max=None)
    return profile


def current_profile(feature, values, reference) -> dict:
    """The profile of ``values`` on the bins of ``reference`` (a dict from ``reference_profile``).

    Categories unseen in the reference are appended (or folded into ``OTHER`` when it exists)."""
    numbers, texts, n_null = split_values(values)
    profile = {"role": "current", "feature": str(feature), "kind": reference["kind"], "n_null": n_null}
    if reference.get("edges") is not None:
        if numbers is None:
            numbers = []  # text in a numeric feature: nothing to bin, counted as missing
            n_null += len(texts)
            profile["n_null"] = n_null
        numbers.sort()
        profile.update(n=len(numbers), edges=list(reference["edges"]),
                       counts=counts_on_edges(numbers, reference["edges"]), **_numeric_stats(numbers))
        return profile
    labels = texts if numbers is None else [format_category(v) for v in numbers]
    counts = Counter(labels)
    categories = list(reference["categories"])
    known = set(categories)
    unseen = sorted(c for c in counts if c not in known)
    if OTHER in known:
        folded = sum(counts[c] for c in unseen)
        unseen = []
    else:
        folded = 0
    categories += unseen
    profile.update(n=len(labels), categories=categories,
                   counts=[counts.get(c, 0) + (folded if c == OTHER else 0) for c in categories])
    profile.update(_numeric_stats(numbers) if numbers is not None and reference["kind"] == "numeric"
                   else {"mean": None, "std": None, "min": None, "max": None})
    return profile
