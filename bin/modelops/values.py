"""What counts as missing, as a number, as a category, and as yes/no: one definition for every
engine, the client and the commands.

Missing: ``None``, a multivalue cell (a list: no single value to compare), an empty or blank
string, the texts ``nan``/``null``/``none`` (and pandas' ``<NA>``/``NaT``, so ``pd.NA`` too) in any
case, and non-finite numbers (NaN, +-inf).
Anything else that ``float()`` reads is a number; the rest is text.
"""

import math

# pandas writes its missing markers as <NA> (pd.NA) and NaT; NaN and null come from numpy and JSON.
MISSING_TEXTS = frozenset({"nan", "null", "none", "-nan", "+nan", "<na>", "nat"})
TRUE_TEXTS = frozenset({"1", "true", "yes", "on", "y", "t"})
FALSE_TEXTS = frozenset({"0", "false", "no", "off", "n", "f"})

MISSING, NUMBER, TEXT = "missing", "number", "text"


def classify(value):
    """``(kind, value)``: ``(MISSING, None)``, ``(NUMBER, finite float)`` or ``(TEXT, str)``."""
    if value is None or isinstance(value, (list, tuple)):
        return MISSING, None
    if isinstance(value, bool):
        return NUMBER, float(value)
    if isinstance(value, (int, float)):
        number = float(value) if not isinstance(value, int) or abs(value) < 2 ** 1023 else math.inf
        return (NUMBER, number) if math.isfinite(number) else (MISSING, None)
    text = str(value).strip()
    if not text or text.lower() in MISSING_TEXTS:
        return MISSING, None
    try:
        number = float(text)
    except ValueError:
        return TEXT, text
    return (NUMBER, number) if math.isfinite(number) else (MISSING, None)


def is_missing(value) -> bool:
    return classify(value)[0] == MISSING


def finite_or_none(value):
    """The value as a finite float, or ``None`` (missing, text, NaN or infinite)."""
    kind, number = classify(value)
    return number if kind == NUMBER else None


def format_category(value: float) -> str:
    """A number as a category label: ``3.0`` -> ``"3"``, so ``3`` and ``3.0`` are one category."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def category(value):
    """The category label of a cell, or ``None`` when it is missing (numbers as ``format_category``)."""
    kind, parsed = classify(value)
    if kind == MISSING:
        return None
    return format_category(parsed) if kind == NUMBER else parsed


def parse_bool(value, default=False) -> bool:
    """Yes/no in any of the spellings splunkd, DSDL and people use; blank gives ``default``.

    Raises ``ValueError`` on anything else so a caller can say which setting is wrong."""
    if value is None or isinstance(value, bool):
        return default if value is None else value
    text = str(value).strip().strip("'\"").lower()
    if not text:
        return default
    if text in TRUE_TEXTS:
        return True
    if text in FALSE_TEXTS:
        return False
    raise ValueError("not a yes/no value: %r" % value)


def truthy(value) -> bool:
    """Lenient yes/no for flags splunkd reports (``true``, ``1``, ``"1"``...): unknown means no."""
    try:
        return parse_bool(value)
    except ValueError:
        return False
