"""Ranks with ties, as ``scipy.stats.rankdata(method="average")``."""


def average_ranks(values):
    """1-based ranks with ties given their average rank (``scipy.stats.rankdata``)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        rank = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = rank
        i = j + 1
    return ranks
