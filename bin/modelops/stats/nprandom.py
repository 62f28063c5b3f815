"""numpy's legacy ``numpy.random.RandomState`` (MT19937) for the few draws we need to repeat
exactly: ``RandomState(seed).permutation`` and scikit-learn's ``StratifiedShuffleSplit`` on top of
it (NannyML's calibration check uses ``StratifiedShuffleSplit(random_state=42)``).

The Mersenne Twister core is the standard library's ``random.Random`` (the same MT19937); only
numpy's seeding (``init_genrand``) and its bounded-integer rejection sampling are written here.
"""

import math
import random

_MT_N = 624


class LegacyRandomState:
    """``numpy.random.RandomState(seed)`` for ``permutation``/``choice(replace=False)``."""

    def __init__(self, seed: int):
        if not 0 <= seed <= 0xFFFFFFFF:
            raise ValueError("seed must be between 0 and 2**32 - 1")
        key = []
        value = seed
        for position in range(_MT_N):  # numpy's mt19937_seed (init_genrand)
            key.append(value)
            value = (1812433253 * (value ^ (value >> 30)) + position + 1) & 0xFFFFFFFF
        self._mt = random.Random()
        self._mt.setstate((3, tuple(key) + (_MT_N,), None))

    def _interval(self, maximum: int) -> int:
        """Uniform integer in [0, maximum] by masked rejection (numpy's legacy random_interval)."""
        if maximum == 0:
            return 0
        mask = maximum
        for shift in (1, 2, 4, 8, 16, 32):
            mask |= mask >> shift
        draw = self._mt.getrandbits(32) if maximum <= 0xFFFFFFFF else self._mt.getrandbits(64)
        value = draw & mask
        while value > maximum:
            draw = self._mt.getrandbits(32) if maximum <= 0xFFFFFFFF else self._mt.getrandbits(64)
            value = draw & mask
        return value

    def shuffle(self, items: list) -> None:
        """In place, Fisher-Yates from the end (``RandomState.shuffle`` of a 1-d array); the same
        draws as ``_interval`` (inlined: this loop runs once per element)."""
        bits = self._mt.getrandbits
        for i in range(len(items) - 1, 0, -1):
            if i > 0xFFFFFFFF:
                j = self._interval(i)
            else:
                mask = (1 << i.bit_length()) - 1
                j = bits(32) & mask
                while j > i:
                    j = bits(32) & mask
            items[i], items[j] = items[j], items[i]

    def permutation(self, n_or_items):
        items = list(range(n_or_items)) if isinstance(n_or_items, int) else list(n_or_items)
        self.shuffle(items)
        return items

    def choice_without_replacement(self, items, size: int):
        return [items[i] for i in self.permutation(len(items))[:size]]


def _approximate_mode(class_counts, n_draws, rng):
    """``sklearn.utils.extmath._approximate_mode``: per-class draws, ties broken by ``rng``."""
    total = sum(class_counts)
    continuous = [c / total * n_draws for c in class_counts]
    floored = [float(math.floor(c)) for c in continuous]
    need = int(n_draws - sum(floored))
    if need > 0:
        remainder = [c - f for c, f in zip(continuous, floored)]
        for value in sorted(set(remainder), reverse=True):
            candidates = [i for i, r in enumerate(remainder) if r == value]
            add_now = min(len(candidates), need)
            for i in rng.choice_without_replacement(candidates, add_now):
                floored[i] += 1
            need -= add_now
            if need == 0:
                break
    return [int(f) for f in floored]


def stratified_shuffle_split(y, n_splits=10, test_size=0.1, random_state=42):
    """(train, test) index lists as ``sklearn.model_selection.StratifiedShuffleSplit(n_splits,
    test_size=<float>, random_state)``. ``y`` holds sortable class labels; every class needs two
    members (scikit-learn raises otherwise, and so do we)."""
    n = len(y)
    n_test = math.ceil(test_size * n)
    n_train = n - n_test
    classes = sorted(set(y))
    position = {c: i for i, c in enumerate(classes)}
    class_indices = [[] for _ in classes]
    for index, label in enumerate(y):
        class_indices[position[label]].append(index)
    counts = [len(ix) for ix in class_indices]
    if min(counts) < 2:
        raise ValueError("every class needs at least two members")
    if n_train < len(classes) or n_test < len(classes):
        raise ValueError("too few rows to split into train and test with every class")
    rng = LegacyRandomState(random_state)
    for _ in range(n_splits):
        n_i = _approximate_mode(counts, n_train, rng)
        t_i = _approximate_mode([c - k for c, k in zip(counts, n_i)], n_test, rng)
        train, test = [], []
        for k, indices in enumerate(class_indices):
            permuted = [indices[j] for j in rng.permutation(counts[k])]
            train.extend(permuted[:n_i[k]])
            test.extend(permuted[n_i[k]:n_i[k] + t_i[k]])
        yield rng.permutation(train), rng.permutation(test)
