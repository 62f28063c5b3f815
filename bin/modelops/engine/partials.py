"""Map-phase partial rows, shared by the engines whose map phase runs on the indexers.

A partial row carries a marker field (its value is the format version) and compact columns packed by
``pack``: the array's machine values, little-endian, zlib level 1, base64. Unpacking gives back the
very same values (floats to the last bit), so a reduce phase that merges partials computes exactly
what it would have computed from the raw rows. ``DECODE_ERRORS`` are the errors a forged or damaged
partial raises while being read; engines count such rows instead of trusting them."""

import base64
import binascii
import sys
import zlib
from array import array

_SWAP = sys.byteorder != "little"
DECODE_ERRORS = (KeyError, TypeError, ValueError, IndexError, RecursionError, binascii.Error, zlib.error)


def pack(values, typecode="d") -> str:
    """``values`` as text: an array of ``typecode`` (float64 by default), little-endian, zlib, base64."""
    block = values if isinstance(values, array) and values.typecode == typecode and not _SWAP else array(
        typecode, values)
    if _SWAP:
        block.byteswap()
    return base64.b64encode(zlib.compress(block.tobytes(), 1)).decode("ascii")


def unpack(text, typecode="d", limit=None) -> array:
    """The array ``pack`` wrote (ValueError, binascii.Error or zlib.error when it is damaged). With
    ``limit``, more than ``limit`` values is a ValueError, found without inflating more than that."""
    block = array(typecode)
    data = base64.b64decode(text, validate=True) if text else b""
    if limit is None:
        data = zlib.decompress(data) if data else b""
    elif data:
        inflate = zlib.decompressobj()
        most = limit * block.itemsize
        data = inflate.decompress(data, most + 1)
        if len(data) > most or inflate.unconsumed_tail or not inflate.eof:
            raise ValueError("more than %d values" % limit)
    block.frombytes(data)
    if _SWAP:
        block.byteswap()
    return block


def partial_row(fields, marker, version, **values) -> dict:
    """One partial row: every field of ``fields`` present (blank unless given), ``marker`` = ``version``."""
    row = dict.fromkeys(fields, "")
    row.update(values, **{marker: version})
    return row


# A float64 is inf or nan when its 11 exponent bits are all ones: the top byte & 0x7F == 0x7F and
# the next byte & 0xF0 == 0xF0. Both bytes of every value, picked by slicing and flagged by
# translate, are ANDed as two big integers: the whole check runs in C (a reduce phase checks every value of
# every partial; a Python-level isfinite per value was half the drift reduce's intake time).
_TOP, _NEXT = (7, 6) if sys.byteorder == "little" else (0, 1)
_TOP_ONES = bytes(int(b & 0x7F == 0x7F) for b in range(256))
_NEXT_ONES = bytes(int(b & 0xF0 == 0xF0) for b in range(256))


def all_finite(numbers: array) -> bool:
    """Whether every value of an ``array('d')`` is finite (``all(map(math.isfinite, numbers))``)."""
    data = numbers.tobytes()
    return not (int.from_bytes(data[_TOP::8].translate(_TOP_ONES), "little")
                & int.from_bytes(data[_NEXT::8].translate(_NEXT_ONES), "little"))
