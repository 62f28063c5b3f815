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
