"""What a family, version, alias, tag, description and reason may look like.

Names are checked before anything is written, so a bad request leaves the registry unchanged, and
no name can carry query syntax into a KV store query.
"""

import re

from ..errors import ModelOpsError

_FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_VERSION = re.compile(r"^[vV]?(\d{1,9})$")
_ALIAS = re.compile(r"^[a-z0-9_-]{1,64}$")
_TAG = re.compile(r"^[A-Za-z0-9_.:=-]{1,64}$")
_DSDL_MODEL = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def family(value) -> str:
    if not isinstance(value, str) or not _FAMILY.match(value):
        raise ModelOpsError("model must be a family name of letters, digits, '_', '.' or '-' (up to 100), not %r"
                            % (value,))
    return value


def version(value) -> str:
    """``3``, ``v3``, ``V03`` -> ``v3``."""
    match = _VERSION.match(str(value)) if value is not None else None
    if not match:
        raise ModelOpsError("version must look like v3, not %r" % (value,))
    return "v%d" % int(match.group(1))


def alias(value) -> str:
    if not isinstance(value, str) or not _ALIAS.match(value):
        raise ModelOpsError("alias must be 1-64 lowercase letters, digits, '_' or '-', not %r" % (value,))
    return value


def dsdl_model(value) -> str:
    if not isinstance(value, str) or not _DSDL_MODEL.match(value):
        raise ModelOpsError("dsdl_model must be a DSDL model name (letters, digits, '_', '.', '-'), not %r"
                            % (value,))
    return value


def tags(value) -> list:
    """``"kiln4, shadow"`` or a list -> ``["kiln4", "shadow"]``, validated, order kept, no duplicates."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    out = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        if not _TAG.match(item):
            raise ModelOpsError("tags must be letters, digits and _ . : = - (up to 64 each), not %r" % item)
        if item not in out:
            out.append(item)
    return out


def text(value, what, limit) -> str:
    """A free-text field: one line, at most ``limit`` characters."""
    if value is None:
        return ""
    value = str(value)
    if "\n" in value or "\r" in value:
        raise ModelOpsError("%s must be one line" % what)
    if len(value) > limit:
        raise ModelOpsError("%s must be at most %d characters" % (what, limit))
    return value.strip()
