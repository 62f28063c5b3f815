"""The shared map-phase packing: exact round trips, bounded unpacking, and the C-level finiteness check
against ``math.isfinite`` value by value."""

import math
import struct
from array import array

import pytest

from modelops.engine import partials

SPECIAL = [0.0, -0.0, 1.0, -1.5, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
           -1.7976931348623157e308, math.inf, -math.inf, math.nan]


def test_pack_round_trips_floats_to_the_last_bit():
    values = array("d", [0.1, -0.0, 5e-324, 1.7976931348623157e308, 1 / 3])
    back = partials.unpack(partials.pack(values))
    assert [struct.pack("<d", v) for v in back] == [struct.pack("<d", v) for v in values]
    assert partials.unpack(partials.pack([3, -7], "i"), "i").tolist() == [3, -7]
    assert partials.unpack("").tolist() == []


def test_unpack_refuses_more_than_the_limit_without_inflating_it():
    text = partials.pack(array("d", range(100)))
    assert len(partials.unpack(text, limit=100)) == 100
    with pytest.raises(ValueError):
        partials.unpack(text, limit=99)


@pytest.mark.parametrize("bad", ["not base64!", "AAAA"])
def test_unpack_of_damaged_text_raises_a_decode_error(bad):
    with pytest.raises(partials.DECODE_ERRORS):
        partials.unpack(bad)


@pytest.mark.parametrize("value", SPECIAL)
@pytest.mark.parametrize("position", [0, 1, 6])
def test_all_finite_equals_isfinite_at_every_position(value, position):
    numbers = array("d", [1.0] * 7)
    numbers[position] = value
    assert partials.all_finite(numbers) is math.isfinite(value)


def test_all_finite_on_every_exponent_and_top_mantissa_pattern():
    # the two bytes it reads: every exponent (11 bits) with the mantissa's top nibble set or clear
    for exponent in range(2048):
        for mantissa in (0, 1, 0xF << 48, 0x8 << 48):
            value = struct.unpack("<d", struct.pack("<Q", exponent << 52 | mantissa))[0]
            assert partials.all_finite(array("d", [2.0, value, 3.0])) is math.isfinite(value), (exponent, mantissa)
    assert partials.all_finite(array("d")) is True
