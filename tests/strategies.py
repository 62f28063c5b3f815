"""Hypothesis strategies the hostile-input tests share."""

from hypothesis import strategies as st

# Cells of every awkward kind: magnitudes, non-finite text, unicode, braces, SPL quoting, multivalues.
CELLS = st.one_of(
    st.sampled_from(["", "nan", "NaN", "inf", "-inf", "null", "1e308", "-1e308", "1e154", "1e-320", "0", "1",
                     "1.0", "-0", "x", "{}", '{"$gt": ""}', "ö", "😀", "$a$", "a,b", 'say "hi"', "reference",
                     "current", "v1", "v2", "  "]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10 ** 30, max_value=10 ** 30).map(str),
    st.text(max_size=8),
    st.lists(st.sampled_from(["1", "2", "a", "nan"]), min_size=2, max_size=3),
)
