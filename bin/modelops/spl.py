"""What every custom search command shares: vendored splunklib on the path, one-sentence errors,
and accumulating rows until splunkd says the input is finished.

This is the only module of the package that knows about splunklib.
"""

import os
import sys
from contextlib import contextmanager

from .errors import ModelOpsError

_LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
if os.path.isdir(_LIB) and _LIB not in sys.path:
    sys.path.insert(0, _LIB)


def input_finished(command) -> bool:
    """True when the chunk being processed is splunkd's last one.

    splunklib 2.x sets the private ``_finished`` from each chunk's metadata before calling
    ``reduce``/``transform``/``stream``; this is the one place that relies on it.
    """
    return bool(getattr(command, "_finished", True))


def one_line(message) -> str:
    return " ".join(str(message).split())


@contextmanager
def user_errors(command):
    """Turn a ModelOpsError into one ERROR message and a clean exit; let splunklib report the rest."""
    try:
        yield
    except ModelOpsError as error:
        command.write_error(one_line("%s: %s" % (command.name, error)))
        sys.exit(1)


def parse_list(value) -> list:
    """``"a, b,c"`` -> ``["a", "b", "c"]``; empty items dropped."""
    if not value:
        return []
    return [item.strip() for item in str(value).split(",") if item.strip()]
