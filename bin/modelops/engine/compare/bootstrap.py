"""The paired bootstrap over blocks of consecutive rows.

Up to ``MAX_BLOCKS`` rows there is one row per block; past it, ``MAX_BLOCKS`` blocks, block k holding
rows floor(k*n/MAX_BLOCKS) to floor((k+1)*n/MAX_BLOCKS) - 1. Each block is reduced to its sufficient
statistics (one flat sequence per block, laid out by the task's named layout); a resample draws blocks
with replacement and sums their statistics column by column.
"""

import math
import random
from itertools import repeat, starmap
from operator import mul

MAX_BLOCKS = 500
# The work a comparison may spend resampling, in cost units of about 0.1 microsecond each, so about
# 4 s. With more work than this the number of resamples is lowered, with a warning; below
# MIN_RESAMPLES the bootstrap is skipped, with a warning, rather than giving intervals from too few
# draws. ``by=`` segments share it. The units were measured on the 2-core bench machine after the
# draws and the count sums moved to C (per resample of 500 blocks: draws 79 us; a packed binary
# resample 132 us; 0.065 us a sparse count; regression fsum 0.1 us a block and column; metrics
# 0.8 us a class and model) and are rounded up; bench_modelcompare.py --worst-case checks the bound.
BUDGET = 40_000_000
MIN_RESAMPLES = 100
BLOCK_DRAW_UNIT = 2  # drawing one block
PACKED_UNIT = 1  # adding one drawn block of packed counts (and unpacking one column per resample)
DENSE_UNIT = 1  # adding one column of one drawn block (fsum)
SPARSE_UNIT = 1  # adding one non-zero count of one drawn block
METRIC_UNIT = 10  # one class of one model in the metrics of a resample
VALUE_DRAW_UNIT = 18  # drawing and adding one run's value (runs mode)

def block_count(n):
    return min(n, MAX_BLOCKS)


def block_bounds(n, blocks):
    """(start, stop) of each block's rows."""
    return [(k * n // blocks, (k + 1) * n // blocks) for k in range(blocks)]


def rows_and_blocks(n, blocks):
    """(row, block) in row order."""
    for k, (start, stop) in enumerate(block_bounds(n, blocks)):
        for row in range(start, stop):
            yield row, k


def column_totals(sums, width=None):
    """Every column summed over all blocks (fsum: exact, the same on every Python). Sparse blocks
    (dicts of integer counts, see ``classification``) need ``width``."""
    if width is not None:
        total = [0] * width
        for block in sums:
            for column, count in block.items():
                total[column] += count
        return total
    return [math.fsum(column) for column in zip(*sums)]


def resample_cost(sums, width=None, metrics_cost=1):
    """Cost units of one resample of these blocks (see ``BUDGET``)."""
    draws = BLOCK_DRAW_UNIT * len(sums) + METRIC_UNIT * metrics_cost
    if width is not None:
        return draws + SPARSE_UNIT * sum(len(block) for block in sums) + width // 10
    columns = len(sums[0]) if sums else 0
    if _are_counts(sums):
        return draws + PACKED_UNIT * (len(sums) + columns)
    return draws + DENSE_UNIT * len(sums) * columns


def affordable(requested, cost, budget, notes, what):
    """How many of the ``requested`` resamples fit in ``budget`` at ``cost`` units each; a note in
    ``notes`` says when that is fewer, and what to do."""
    if not requested:
        return 0
    allowed = min(requested, int(budget // max(cost, 1)))
    if allowed >= requested:
        return requested
    if allowed < MIN_RESAMPLES:
        notes.append("%s: no bootstrap confidence intervals or bootstrap p-values: even %d resamples exceed the "
                     "cost budget; compare fewer rows, classes or segments, or set bootstrap=0"
                     % (what, MIN_RESAMPLES))
        return 0
    notes.append("%s: bootstrap lowered from %d to %d resamples to stay within the cost budget; set bootstrap=%d "
                 "or fewer to silence this" % (what, requested, allowed, allowed))
    return allowed


def draws(rng, blocks):
    """``rng.choices(range(blocks), k=blocks)``: the same draws (``floor(random() * n)`` each, as
    ``random.choices`` makes them), in C-level passes."""
    return list(map(math.floor, map(mul, starmap(rng.random, repeat((), blocks)), repeat(float(blocks)))))


def resample_deltas(sums, values, names, resamples, seed, width=None):
    """Deltas (b - a) of each metric over ``resamples`` draws of the blocks, with replacement.

    ``values(stat)`` turns summed statistics into ``(metrics of a, metrics of b)``; a draw where a
    metric is undefined (division by zero) is left out. Sparse blocks (dicts, with ``width``) give
    the same sums as dense ones: their counts are integers, exact in any order."""
    deltas = {name: [] for name in names}
    if not resamples:
        return deltas
    rng = random.Random(seed)
    blocks = len(sums)
    packed = _packed_counts(sums, blocks) if width is None else None
    columns = list(zip(*sums)) if width is None and packed is None else None
    items = [tuple(block.items()) for block in sums] if width is not None else None
    if packed is not None:
        packed_blocks, bits, shifts = packed
        mask = (1 << bits) - 1
    for _ in range(resamples):
        picks = draws(rng, blocks)
        if packed is not None:
            total = sum(map(packed_blocks.__getitem__, picks))
            stat = [float(total >> shift & mask) for shift in shifts]
        elif items is not None:
            stat = [0] * width
            for pick in picks:
                for column, count in items[pick]:
                    stat[column] += count
        else:
            # fsum: exact, so the interval is the same on every Python (3.12 changed float sum())
            stat = [math.fsum(map(column.__getitem__, picks)) for column in columns]
        try:
            pair = values(stat)
        except ZeroDivisionError:
            continue
        for name in names:
            deltas[name].append(pair[1][name] - pair[0][name])
    return deltas


EXACT_INT = 1 << 53  # below it every int is a float exactly


def _packed_counts(sums, picks):
    """Dense blocks of counts (non-negative ints below ``EXACT_INT``: classification) as one int per
    block, each column in a field wide enough for the sum of ``picks`` blocks, so a resample is one
    C-level ``sum`` of ``picks`` ints: (ints, field bits, field shifts); None for other blocks (floats: fsum).

    Each field's total is the exact integer sum of the column, and ``float`` of it is the fsum of the
    column (both are the exact sum correctly rounded; the counts are floats exactly)."""
    if not _are_counts(sums):
        return None
    bits = max(1, (max(max(block, default=0) for block in sums) * picks).bit_length())
    shifts = range(0, bits * len(sums[0]), bits)
    return [sum(v << shift for v, shift in zip(block, shifts)) for block in sums], bits, shifts


def _are_counts(sums):
    """Whether the blocks are dense counts ``_packed_counts`` packs (non-negative ints below ``EXACT_INT``)."""
    return bool(sums) and all(type(v) is int and 0 <= v < EXACT_INT for block in sums for v in block)
