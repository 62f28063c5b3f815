"""Class codes in ``array("i")`` columns, checked and translated in C.

A comparison rarely has more than 256 classes: then every code is its value's low byte, and a
column's codes are one ``bytes`` slice, checked by ``bytes.translate`` with deletions and mapped by
``bytes.translate`` with a table (a reduce phase does this for every value of every partial; the
Python-level min, max and map per value took half of its intake)."""

import sys
from array import array

_LOW = 0 if sys.byteorder == "little" else None  # else the last byte of each value


def small_codes(column, limit=256):
    """Every value of an ``array("i")`` as one byte, when each is in ``range(limit)`` and ``limit`` is
    at most 256; else None (also for anything but an ``array("i")``)."""
    if not (isinstance(column, array) and column.typecode == "i") or limit > 256:
        return None
    size = column.itemsize
    data = column.tobytes()
    start = size - 1 if _LOW is None else 0
    low = data[start::size]
    if low.translate(None, bytes(range(limit))):  # a byte left that is not below limit
        return None
    alone = bytearray(len(data))
    alone[start::size] = low
    return low if alone == data else None  # else a byte above the lowest is not zero


def count_byte(data, value):
    """``data.count(value)``: how many bytes ``bytes.translate`` deletes (several times faster than
    ``bytes.count`` of one byte)."""
    return len(data) - len(data.translate(None, bytes((value,))))


def codes_below(column, limit):
    """Whether every value of a column of codes is in ``range(limit)``."""
    if limit <= 256 and isinstance(column, array) and column.typecode == "i":
        return small_codes(column, limit) is not None
    return not column or (min(column) >= 0 and max(column) < limit)


def translate_codes(column, codes):
    """``array("i", [codes[v] for v in column])`` (``column`` holds codes in ``range(len(codes))``)."""
    low = small_codes(column, len(codes)) if max(codes, default=256) < 256 else None
    if low is None:
        return array("i", map(codes.__getitem__, column))
    size = column.itemsize
    out = bytearray(len(low) * size)
    out[size - 1 if _LOW is None else 0::size] = low.translate(bytes(codes) + bytes(256 - len(codes)))
    translated = array("i")
    translated.frombytes(out)
    return translated


def distinct_codes(column, limit):
    """``set(column)`` for a column of codes in ``range(limit)``: with few classes, each code looked
    for in the column's bytes (a C-level scan) instead of a set built value by value."""
    low = small_codes(column, limit)
    if low is None:
        return set(column)
    return {code for code in range(limit) if code in low}
