"""Scale-safe sums: values beyond about 1e90 are scaled by a power of two (exact) before squares and
sums, and results scaled back, so |x| up to the float maximum gives an answer instead of an overflow."""

import math
from array import array

from ...errors import ModelOpsError

LARGE = 2.0 ** 300


def scale_exponent(*columns):
    """k such that every value times 2**-k is at most 1 in magnitude, or 0 when no value exceeds
    ``LARGE`` (ordinary data is never touched)."""
    biggest = max((max(map(abs, column)) for column in columns if len(column)), default=0.0)
    return math.frexp(biggest)[1] if biggest > LARGE else 0


def scaled(column, k):
    return array("d", (math.ldexp(v, -k) for v in column)) if k else column


def unscale(value, k, what):
    """``value * 2**k``; one sentence when the true result does not fit in a float."""
    if not k or value == "" or value is None:
        return value
    try:
        return math.ldexp(value, k)
    except OverflowError:
        raise ModelOpsError("%s exceeds the largest float; rescale the values (divide them by a constant)"
                            % what) from None
