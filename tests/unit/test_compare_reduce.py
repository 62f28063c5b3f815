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


@pytest.mark.parametrize("blocks", [1, 2, 7, 120, 500])
def test_draws_are_random_choices(blocks):
    """The bootstrap's draws are ``random.choices`` (the definition the sklearn test follows)."""
    ours, theirs = random.Random(blocks), random.Random(blocks)
    for _ in range(200):
        assert bootstrap.draws(ours, blocks) == theirs.choices(range(blocks), k=blocks)


# --- class codes checked and translated in C ---------------------------------------------------------


def _columns():
    from array import array

    g = random.Random(4)
    yield array("i")
    for limit in (1, 2, 3, 200, 255, 256, 257, 70000):
        yield array("i", [g.randrange(limit) for _ in range(3000)])
    for bad in (-1, 256, 257, 65536, 2 ** 24, -2 ** 31, 2 ** 31 - 1, 511):
        values = [g.randrange(3) for _ in range(1000)]
        values[g.randrange(1000)] = bad
        yield array("i", values)


@pytest.mark.parametrize("limit", [1, 2, 3, 200, 256, 300])
def test_codes_checks_equal_their_definitions(limit):
    from array import array

    from modelops.engine.compare import codes

    for column in _columns():
        inside = all(0 <= v < limit for v in column)
        assert codes.codes_below(column, limit) is inside
        small = codes.small_codes(column, limit)
        assert small == (bytes(column.tolist()) if inside and limit <= 256 else None)
        if inside:
            assert codes.distinct_codes(column, limit) == set(column)
    assert codes.small_codes([0, 1], 2) is None and codes.small_codes(array("l", [0, 1]), 2) is None
    assert codes.codes_below([0, 1, 2], 3) and not codes.codes_below([0, 3], 3)


def test_count_byte_is_bytes_count():
    from modelops.engine.compare import codes

    g = random.Random(3)
    data = bytes(g.choice([0, 1, 7, 255]) for _ in range(5000))
    for value in range(256):
        assert codes.count_byte(data, value) == data.count(value)
    assert codes.count_byte(b"", 0) == 0


def test_translated_codes_equal_the_lookup():
    from array import array

    from modelops.engine.compare import codes

    g = random.Random(8)
    for size, largest in ((2, 2), (3, 3), (200, 256), (256, 256), (5, 1000), (300, 300)):
        table = g.sample(range(largest), size)
        column = array("i", [g.randrange(size) for _ in range(5000)])
        translated = codes.translate_codes(column, table)
        assert translated == array("i", [table[v] for v in column]) and translated.typecode == "i"
    assert codes.translate_codes(array("i"), []) == array("i")


def test_partials_with_codes_out_of_their_table_or_bad_scores_are_counted():
    """Forged codes (negative, past the table, past 256) and non-finite scores: counted, not merged; the
    remaining partials (their class tables in another order: translated) give the raw result."""
    from array import array

    from modelops.engine import partials
    from modelops.engine.compare import compare_map, compare_rows, partial

    g = random.Random(12)
    rows = [{"y": str(g.randrange(2)), "a": str(g.randrange(2)), "b": str(g.randrange(2)), "sa": repr(g.random()),
             "sb": repr(g.random())} for _ in range(600)]
    options = dict(label="y", score_a="sa", score_b="sb", bootstrap=50)
    expected = compare_rows(rows, "a", "b", **options).result()
    mapped = [p for start in range(0, 600, 50) for p in compare_map(rows[start:start + 50], "a", "b", **options)]
    assert len({p["mo_labels"] for p in mapped}) == 2  # both table orders: some partials are translated
    good = mapped[0]
    kept = len(partials.unpack(good["mo_y"], "i"))
    forged = []
    for bad in (-1, 2, 256, 2 ** 20, -2 ** 31):
        codes = array("i", [0] * kept)
        codes[kept // 2] = bad
        forged.append(dict(good, mo_a=partials.pack(codes, "i")))
    past = array("i", [299] * (kept - 1) + [300])  # past a 300-class table: checked by min and max
    forged.append(dict(good, mo_labels=json_labels(300), mo_y=partials.pack(past, "i")))
    for bad in (math.inf, -math.inf, math.nan):
        scores = array("d", [0.5] * kept)
        scores[0] = bad
        forged.append(dict(good, mo_score_b=partials.pack(scores)))
    merged = compare_rows([], "a", "b", **options)
    merged.add_rows(forged + mapped)
    assert merged.bad_partials == len(forged) == 9
    assert merged.result() == expected
    assert partial.PARTIAL in good


def json_labels(count):
    import json

    return json.dumps([str(i) for i in range(count)])


@pytest.mark.parametrize("kind", ["ties", "continuous"])
def test_delong_on_truth_bytes_and_score_arrays_equals_lists(kind):
    """The reduce hands DeLong the truth as bytes and the scores as arrays: the same result as lists."""
    from array import array

    from modelops.stats import paired
    from tests.unit.test_paired import _scores, _textbook_delong

    g = random.Random(13)
    truth = [g.random() < 0.3 for _ in range(4000)]
    s1, s2 = _scores(kind, g, truth), _scores(kind, g, truth)
    expected = paired.delong(truth, s1, s2)
    assert paired.delong(bytes(truth), array("d", s1), array("d", s2)) == expected
    assert paired.delong([int(t) * 7 for t in truth], s1, s2) == expected  # truthy values, not only 0 and 1
    auc_a, auc_b, z, _, se = expected
    assert (auc_a, auc_b, z, se) == _textbook_delong(truth, s1, s2)
