"""The reduce phase of modelcompare's exact shortcuts, each against its definition (same floats to the
last bit): the bootstrap on packed counts, the DeLong covariances per distinct score, and the C-level
checks and translations of partials' class codes."""

import math
import random

import pytest

from modelops.engine.compare import bootstrap


def _column_values(stat):
    """Metrics that are the summed columns themselves (every column checked to the last bit)."""
    return [{i: 0.0 for i in range(len(stat))}, {i: v for i, v in enumerate(stat)}]


@pytest.mark.parametrize("largest", [1, 7, 3000, 2 ** 40])
def test_packed_counts_resample_equals_the_fsum_of_each_draw(largest):
    """Integer blocks (the packed path) give each draw's column sums as the definition does: the same
    draws (``random.choices`` with the seed), each column the fsum of the drawn blocks' counts; and
    the same as the very blocks as floats (the fsum path)."""
    g = random.Random(largest)
    sums = [[g.choice([0, 0, 1, largest, g.randrange(largest + 1)]) for _ in range(9)] for _ in range(500)]
    names = list(range(9))
    packed = bootstrap.resample_deltas(sums, _column_values, names, 50, seed=3)
    as_floats = bootstrap.resample_deltas([[float(v) for v in b] for b in sums], _column_values, names, 50, seed=3)
    rng = random.Random(3)
    expected = {name: [] for name in names}
    for _ in range(50):
        picks = rng.choices(range(500), k=500)
        for column in names:
            expected[column].append(math.fsum(sums[pick][column] for pick in picks))
    assert packed == expected == as_floats
    assert all(type(v) is float for values in packed.values() for v in values)


def test_packed_counts_only_for_non_negative_exact_ints():
    assert bootstrap._packed_counts([[1, 2], [3, 4]], 2) is not None
    assert bootstrap._packed_counts([[0, 0], [0, 0]], 2) is not None  # all zero: one-bit fields
    for sums in ([[1, -2]], [[1, 2.0]], [[1, True]], [[1, 2 ** 53]], []):
        assert bootstrap._packed_counts(sums, 2) is None
    zeros = bootstrap.resample_deltas([[0, 0]] * 3, _column_values, [0, 1], 5, seed=1)
    assert zeros == {0: [0.0] * 5, 1: [0.0] * 5}


# --- DeLong: placements per distinct score, their sums and variances per group ----------------------


def test_fsum_repeated_is_the_fsum_of_the_repeated_values():
    from modelops.stats import paired

    g = random.Random(5)
    values = [g.uniform(-1, 1) for _ in range(300)] + [5e-324, -5e-324, 2.2e-308, 1.0, -1.0, 0.0, 0.1, 1 / 3]
    counts = [g.choice([0, 1, 2, 3, 1000, g.randrange(100000)]) for _ in values]
    expanded = [v for v, c in zip(values, counts) for _ in range(c)]
    assert paired._fsum_repeated(values, counts) == math.fsum(expanded)
    assert paired._fsum_repeated(iter(values), None) == math.fsum(values)
    assert paired._fsum_repeated([], []) == 0.0


@pytest.mark.parametrize("scores", ["one value", "two values", "one positive"])
def test_delong_per_distinct_score_equals_the_textbook_on_degenerate_scores(scores):
    """Few distinct scores take the per-score groups; the result is the textbook's to the last bit."""
    from modelops.stats import paired
    from tests.unit.test_paired import _textbook_delong

    g = random.Random(9)
    truth = [g.random() < 0.4 for _ in range(5000)]
    if scores == "one positive":
        truth = [False] * 4999 + [True]
    s1 = [0.5 if scores == "one value" else g.choice([0.25, 0.75]) for _ in truth]
    s2 = [g.choice([0.25, 0.75]) for _ in truth]
    m = sum(truth)
    assert paired._placements(truth, s1, m, len(truth) - m) == paired._placements_sorted(truth, s1, m, len(truth) - m)
    result = paired.delong(truth, s1, s2)
    if scores == "one positive":  # one positive: its variance term is 0.0, as the textbook's ddof=1 leaves out
        assert result[:2] == (math.fsum(paired._placements(truth, s1, 1, 4999)[0]),
                              math.fsum(paired._placements(truth, s2, 1, 4999)[0]))
    else:
        auc_a, auc_b, z, _, se = result
        assert (auc_a, auc_b, z, se) == _textbook_delong(truth, s1, s2)
