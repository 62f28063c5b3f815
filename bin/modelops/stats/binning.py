"""The bins drift is measured on, in ONE place: ``| modeldrift`` (raw rows and profiles) and the
client's ``profile`` events both call these functions, which is what makes PSI from profiles equal
PSI from raw rows.

* A numeric reference with at most ``PER_VALUE_BINS_UP_TO`` distinct values gets one bin per value.
* Otherwise its 11 deciles ``q0..q100`` (``numpy.quantile``, linear) are the edges of 10 bins whose
  outer bins are open: value v is in bin i when ``edge[i] <= v < edge[i+1]`` for the inner edges,
  below ``edge[1]`` in bin 0 and at or above ``edge[9]`` in bin 9. Repeated edges give bins that are
  empty on both sides, which add exactly 0 to PSI and Jensen-Shannon.

Sorted ``numpy`` float arrays (notebooks) are counted with ``numpy.searchsorted``: the same integer
counts as ``bisect`` (both compare floats with ``<``), returned as plain Python lists.
"""

from bisect import bisect_left, bisect_right

from .twosample import quantile_linear

try:
    import numpy
    _NDARRAY = numpy.ndarray
except ImportError:  # Splunk's Python: bisect on lists and arrays
    numpy = None
    _NDARRAY = ()

PER_VALUE_BINS_UP_TO = 10


def decile_edges(values_sorted) -> list:
    """The 11 edges q0, q10, ..., q100 of a sorted, non-empty sample."""
    return [quantile_linear(values_sorted, k / 10.0) for k in range(11)]


def counts_on_edges(values_sorted, edges) -> list:
    """Counts of a sorted sample in the ``len(edges) - 1`` bins of ``edges`` (outer bins open)."""
    if isinstance(values_sorted, _NDARRAY):
        positions = [0] + numpy.searchsorted(values_sorted, edges[1:-1], "left").tolist() + [len(values_sorted)]
        return [b - a for a, b in zip(positions, positions[1:])]
    counts = []
    previous = 0
    for edge in edges[1:-1]:
        position = bisect_left(values_sorted, edge)
        counts.append(position - previous)
        previous = position
    counts.append(len(values_sorted) - previous)
    return counts


def distinct_sorted(values_sorted, limit=None) -> list:
    """The distinct values of a sorted sample, ascending; stops after ``limit + 1`` values when given."""
    if isinstance(values_sorted, _NDARRAY) and limit is None:
        if not len(values_sorted):
            return []
        first = numpy.concatenate(([True], values_sorted[1:] != values_sorted[:-1]))
        return values_sorted[first].tolist()
    distinct = []
    position, n = 0, len(values_sorted)
    while position < n:
        value = values_sorted[position]
        distinct.append(float(value))
        if limit is not None and len(distinct) > limit:
            break
        position = bisect_right(values_sorted, value, position)
    return distinct


def value_counts_sorted(values_sorted, values) -> list:
    """How often each of ``values`` occurs in a sorted sample."""
    if isinstance(values_sorted, _NDARRAY):
        return (numpy.searchsorted(values_sorted, values, "right")
                - numpy.searchsorted(values_sorted, values, "left")).tolist()
    return [bisect_right(values_sorted, v) - bisect_left(values_sorted, v) for v in values]


def reference_bins(reference_sorted):
    """``(values, None)``: one bin per distinct reference value, when there are at most
    ``PER_VALUE_BINS_UP_TO``; else ``(None, edges)`` with the reference's 11 decile edges."""
    distinct = distinct_sorted(reference_sorted, PER_VALUE_BINS_UP_TO)
    if len(distinct) <= PER_VALUE_BINS_UP_TO:
        return distinct, None
    return None, decile_edges(reference_sorted)
