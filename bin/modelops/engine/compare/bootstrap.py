"""The paired bootstrap over blocks of consecutive rows.

Up to ``MAX_BLOCKS`` rows there is one row per block; past it, ``MAX_BLOCKS`` blocks, block k holding
rows floor(k*n/MAX_BLOCKS) to floor((k+1)*n/MAX_BLOCKS) - 1. Each block is reduced to its sufficient
statistics (one flat sequence per block, laid out by the task's named layout); a resample draws blocks
with replacement and sums their statistics column by column.
"""

import math
import random

MAX_BLOCKS = 500


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


def column_totals(sums):
    """Every column summed over all blocks (fsum: exact, the same on every Python)."""
    return [math.fsum(column) for column in zip(*sums)]


def resample_deltas(sums, values, names, resamples, seed):
    """Deltas (b - a) of each metric over ``resamples`` draws of the blocks, with replacement.

    ``values(stat)`` turns summed statistics into ``(metrics of a, metrics of b)``; a draw where a
    metric is undefined (division by zero) is left out."""
    deltas = {name: [] for name in names}
    if not resamples:
        return deltas
    rng = random.Random(seed)
    blocks = len(sums)
    columns = list(zip(*sums))
    for _ in range(resamples):
        picks = rng.choices(range(blocks), k=blocks)
        # fsum: exact, so the interval is the same on every Python (3.12 changed float sum())
        stat = [math.fsum(map(column.__getitem__, picks)) for column in columns]
        try:
            pair = values(stat)
        except ZeroDivisionError:
            continue
        for name in names:
            deltas[name].append(pair[1][name] - pair[0][name])
    return deltas
