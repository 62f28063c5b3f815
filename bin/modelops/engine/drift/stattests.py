"""Drift tests as named records, registered once, and the one function that picks a test.

Each feature is first summarised as ``Evidence`` (its bins' counts, PSI, Jensen-Shannon and, for
raw numbers, the sorted samples, KS D and the normalised Wasserstein distance); a ``StatTest``
turns evidence into ``(statistic, p_value)``. Selection follows Evidently's defaults
(``evidently.legacy.calculations.stattests.registry.get_stattest``): a reference of at most 1000
values uses KS for numeric features with more than 5 distinct values (reference and current
together) and chi-square otherwise; a larger reference uses the normalised Wasserstein distance for
those numeric features and Jensen-Shannon otherwise. Profiles binned on deciles use PSI.
"""

import math
from array import array
from collections import namedtuple

from ...errors import ModelOpsError
from ...stats import twosample
from ...stats.binning import counts_on_edges, distinct_sorted, reference_bins, value_counts_sorted

try:
    import numpy
except ImportError:  # Splunk's Python
    numpy = None

SMALL_REFERENCE_ROWS = 1000
FEW_DISTINCT_VALUES = 5

NUMERIC, CATEGORICAL, BINNED = "numeric", "categorical", "binned"  # what the evidence holds
ALL_KINDS = (NUMERIC, CATEGORICAL, BINNED)

# Above this magnitude squares and differences may overflow: samples are scaled by a power of two.
HUGE = 2.0 ** 500


class StatTest(namedtuple("StatTest", "name kind threshold direction applies_to function")):
    """A drift test: ``kind`` p_value or distance, default ``threshold``, drift when the measure is
    ``below`` (p-values) or ``at_or_above`` (distances) it; ``applies_to`` the evidence kinds it
    can use; ``function(evidence) -> (statistic, p_value or None)``."""

    __slots__ = ()


class Evidence:
    """One feature compared: bin counts on both sides (per value, per decile bin or per category),
    PSI and Jensen-Shannon on them; raw numeric evidence also keeps the sorted samples."""

    __slots__ = ("kind", "n_reference", "n_distinct", "ref", "cur", "ref_counts", "cur_counts", "per_value",
                 "psi", "js", "ks_d", "wasserstein_norm")

    def __init__(self, kind, ref_counts, cur_counts, n_distinct=None, ref=None, cur=None, per_value=True):
        self.kind, self.n_distinct, self.ref, self.cur, self.per_value = kind, n_distinct, ref, cur, per_value
        self.ref_counts, self.cur_counts = ref_counts, cur_counts
        self.n_reference = sum(ref_counts)
        ref_shares, cur_shares = twosample.shares(ref_counts), twosample.shares(cur_counts)
        self.psi = twosample.psi(ref_shares, cur_shares)
        self.js = twosample.jensenshannon_distance(ref_shares, cur_shares)
        self.ks_d = self.wasserstein_norm = None


def numeric_evidence(ref, cur) -> Evidence:
    """Evidence from two sorted, non-empty samples of finite floats: lists or ``array('d')`` (pure
    Python), or numpy float64 arrays (notebooks; vectorised, the same numbers)."""
    exponent = 0
    if max(-ref[0], ref[-1], -cur[0], cur[-1]) > HUGE:
        # Exact power-of-two scaling: bins, KS, PSI, JS and the Wasserstein/std ratio are unchanged.
        exponent = math.frexp(max(-ref[0], ref[-1], -cur[0], cur[-1]))[1]
        ref, cur = _scaled(ref, -exponent), _scaled(cur, -exponent)
    values, edges = reference_bins(ref)
    if values is not None:
        values = sorted(set(values).union(distinct_sorted(cur)))
        ref_counts, cur_counts = value_counts_sorted(ref, values), value_counts_sorted(cur, values)
    else:
        ref_counts, cur_counts = counts_on_edges(ref, edges), counts_on_edges(cur, edges)
    n_distinct = len(set(distinct_sorted(ref, FEW_DISTINCT_VALUES)).union(distinct_sorted(cur, FEW_DISTINCT_VALUES)))
    evidence = Evidence(NUMERIC, ref_counts, cur_counts, n_distinct, ref, cur, per_value=values is not None)
    evidence.ks_d, wasserstein = twosample.ks_and_wasserstein_sorted(ref, cur)
    _, std_ref = twosample.mean_and_population_std(ref)
    if exponent and std_ref < math.ldexp(0.001, -exponent):  # the 0.001 floor, in original units
        evidence.wasserstein_norm = wasserstein * 2.0 ** min(exponent, 1023) / 0.001
    else:
        evidence.wasserstein_norm = wasserstein / max(std_ref, 0.001)
    return evidence


def _scaled(values, exponent):
    """values * 2**exponent, each as ``math.ldexp`` gives it (numpy arrays stay numpy arrays)."""
    if numpy is not None and isinstance(values, numpy.ndarray):  # numpy.ldexp is C's ldexp, as math.ldexp
        return numpy.ldexp(values, exponent)
    return array("d", [math.ldexp(v, exponent) for v in values])


def counts_evidence(kind, ref_counts, cur_counts) -> Evidence:
    """Evidence from counts on the same bins or categories (categorical rows, profiles)."""
    return Evidence(kind, ref_counts, cur_counts, per_value=kind != BINNED)


def _ks(e):
    return e.ks_d, twosample.ks_asymptotic_pvalue(e.ks_d, len(e.ref), len(e.cur))


def _chisquare(e):
    if e.kind == NUMERIC and not e.per_value:  # the table over every value, not over decile bins
        values = sorted(set(distinct_sorted(e.ref)).union(distinct_sorted(e.cur)))
        table = value_counts_sorted(e.ref, values), value_counts_sorted(e.cur, values)
    else:
        table = e.ref_counts, e.cur_counts
    statistic, p_value, _ = twosample.chi2_contingency_2xk(*table)
    return statistic, p_value


KS = StatTest("ks", "p_value", 0.05, "below", (NUMERIC,), _ks)
CHISQUARE = StatTest("chisquare", "p_value", 0.05, "below", ALL_KINDS, _chisquare)
WASSERSTEIN = StatTest("wasserstein", "distance", 0.1, "at_or_above", (NUMERIC,), lambda e: (e.wasserstein_norm, None))
JENSENSHANNON = StatTest("jensenshannon", "distance", 0.1, "at_or_above", ALL_KINDS, lambda e: (e.js, None))
PSI = StatTest("psi", "distance", 0.2, "at_or_above", ALL_KINDS, lambda e: (e.psi, None))

STATTESTS = {test.name: test for test in (KS, CHISQUARE, WASSERSTEIN, JENSENSHANNON, PSI)}


def select_stattest(evidence, forced=None, feature="") -> StatTest:
    """The test for this evidence: ``forced`` (a name) when given, else Evidently's default."""
    if forced is not None:
        test = STATTESTS[forced]
        if evidence.kind not in test.applies_to:
            raise ModelOpsError("stattest=%s needs numeric values, but feature %r has text values" % (forced, feature))
        return test
    if evidence.kind == BINNED:
        return PSI
    small = evidence.n_reference <= SMALL_REFERENCE_ROWS
    if evidence.kind == NUMERIC and evidence.n_distinct > FEW_DISTINCT_VALUES:
        return KS if small else WASSERSTEIN
    return CHISQUARE if small else JENSENSHANNON


def needs_raw_values(name) -> bool:
    """True for tests that need raw numbers (not counts): they cannot run on profiles or text."""
    return CATEGORICAL not in STATTESTS[name].applies_to
