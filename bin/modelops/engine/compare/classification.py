"""Classification statistics: per-block confusion counts, metrics from summed counts.

A block's counts are one flat list (so the bootstrap sums columns; with many classes, a dict of its
non-zero columns), laid out by ``ConfusionLayout``:
rows right by a, rows right by b, row count, then (tp, fp, fn) of every class for model a, then for
model b. ``read`` turns such a list back into a named ``Confusion``."""

from collections import namedtuple

from ... import metrics as m
from .bootstrap import block_bounds, rows_and_blocks
from .codes import count_byte, small_codes

MODELS = (0, 1)
# (tp, fp, fn) of one class for one model
ClassCounts = namedtuple("ClassCounts", "tp fp fn")
# right: rows each model got right; rows: row count; counts[model][k]: ClassCounts of class k
Confusion = namedtuple("Confusion", "right rows counts")


class ConfusionLayout:
    """Where each count sits in a block's flat list of ``width`` columns."""

    __slots__ = ("classes", "width")
    RIGHT = (0, 1)
    ROWS = 2
    FIRST = 3
    TP, FP, FN = 0, 1, 2

    def __init__(self, classes):
        self.classes = classes
        self.width = self.FIRST + 6 * classes

    def offset(self, model, k):
        """Index of class k's tp for ``model``; fp and fn follow it."""
        return self.FIRST + 3 * (model * self.classes + k)

    def model_counts(self, stat, model):
        """(tp, fp, fn) of every class for ``model``, straight from a flat list (no copies per class)."""
        start = self.offset(model, 0)
        stop = start + 3 * self.classes
        return zip(stat[start:stop:3], stat[start + 1:stop:3], stat[start + 2:stop:3])

    def read(self, stat):
        counts = tuple(tuple(ClassCounts(*stat[self.offset(model, k):self.offset(model, k) + 3])
                             for k in range(self.classes)) for model in MODELS)
        return Confusion((stat[self.RIGHT[0]], stat[self.RIGHT[1]]), stat[self.ROWS], counts)


# The 8 states of a binary row: 4 * (truth is positive) + 2 * (a says positive) + (b says positive).
TRUTH, SAYS_A, SAYS_B = 4, 2, 1


def _binary_states(y, a, b, positive):
    """One byte per row: its state (see TRUTH, SAYS_A, SAYS_B). Class codes in ``array("i")`` columns
    below 256 (the usual case) are turned into state bits with ``bytes.translate`` and added as big
    integers (no carries: a byte sums to at most 7), all in C; otherwise row by row."""
    codes = [small_codes(column) for column in (y, a, b)]
    if len(y) and None not in codes:
        total = 0
        for column, bit in zip(codes, (TRUTH, SAYS_A, SAYS_B)):
            table = bytes(bit * (code == positive) for code in range(256))
            total += int.from_bytes(column.translate(table), "big")
        return total.to_bytes(len(y), "big")
    return bytes([TRUTH * (t == positive) + SAYS_A * (x == positive) + SAYS_B * (z == positive)
                  for t, x, z in zip(y, a, b)])


def binary_block_counts(columns, positive, blocks):
    """Per block, a ``ConfusionLayout(1)`` list for the positive class, from the 8 row states counted
    in C; and the discordant pairs (only a right, only b right) over all rows."""
    y, a, b = columns
    n = len(y)
    layout = ConfusionLayout(1)
    states = _binary_states(y, a, b, positive)
    # which states count where: a is right when its bit equals the truth bit, and so on
    right = [[s for s in range(8) if bool(s & TRUTH) == bool(s & bit)] for bit in (SAYS_A, SAYS_B)]
    tp = [[s for s in range(8) if s & TRUTH and s & bit] for bit in (SAYS_A, SAYS_B)]
    fp = [[s for s in range(8) if not s & TRUTH and s & bit] for bit in (SAYS_A, SAYS_B)]
    fn = [[s for s in range(8) if s & TRUTH and not s & bit] for bit in (SAYS_A, SAYS_B)]
    sums = []
    for start, stop in block_bounds(n, blocks):
        part = states[start:stop]
        c = [count_byte(part, state) for state in range(8)]
        block = [0] * layout.width
        for model in MODELS:
            block[layout.RIGHT[model]] = sum(c[s] for s in right[model])
            at = layout.offset(model, 0)
            block[at + layout.TP] = sum(c[s] for s in tp[model])
            block[at + layout.FP] = sum(c[s] for s in fp[model])
            block[at + layout.FN] = sum(c[s] for s in fn[model])
        block[layout.ROWS] = stop - start
        sums.append(block)
    whole = [count_byte(states, state) for state in range(8)]
    a_only = sum(whole[s] for s in right[0] if s not in right[1])
    b_only = sum(whole[s] for s in right[1] if s not in right[0])
    return layout, sums, (a_only, b_only)


def multiclass_block_counts(columns, classes, blocks):
    """Per block, the non-zero counts of a ``ConfusionLayout(len(classes))`` list as a dict
    {column: count} (a block holds few of many classes); and the discordant pairs."""
    y, a, b = columns
    n = len(y)
    layout = ConfusionLayout(len(classes))
    sums = [{} for _ in range(blocks)]
    # tp index of each class code, per model
    at = [{c: layout.offset(model, k) for k, c in enumerate(classes)} for model in MODELS]
    right_a, right_b, rows = layout.RIGHT[0], layout.RIGHT[1], layout.ROWS
    fp, fn = layout.FP, layout.FN
    a_only = b_only = 0
    for row, k in rows_and_blocks(n, blocks):
        block = sums[k]
        get = block.get
        t, pa, pb = y[row], a[row], b[row]
        ra, rb = pa == t, pb == t
        block[right_a] = get(right_a, 0) + ra
        block[right_b] = get(right_b, 0) + rb
        block[rows] = get(rows, 0) + 1
        if ra and not rb:
            a_only += 1
        elif rb and not ra:
            b_only += 1
        for model, p in ((0, pa), (1, pb)):
            if p == t:
                i = at[model][t]
                block[i] = get(i, 0) + 1
            else:
                i, j = at[model][p] + fp, at[model][t] + fn
                block[i] = get(i, 0) + 1
                block[j] = get(j, 0) + 1
    return layout, sums, (a_only, b_only)


def metric_values(layout, average):
    """``values(stat)`` for the bootstrap: accuracy, and precision, recall and f1 of the positive class
    (``average="binary"``, a one-class layout) or averaged over the classes each model has in the truth
    or its predictions, as scikit-learn's ``average=`` for that model alone."""

    def values(stat):
        out = []
        rows = stat[layout.ROWS]
        for model in MODELS:
            counts = layout.model_counts(stat, model)
            if average == "binary":
                precision, recall, f1 = m._prf_from_counts(*next(counts))
            else:
                precision, recall, f1 = m.average_prf(counts, average)
            out.append({"accuracy": stat[layout.RIGHT[model]] / rows, "precision": precision, "recall": recall,
                        "f1": f1})
        return out

    return values
