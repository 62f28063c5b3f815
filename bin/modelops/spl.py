"""What every custom search command shares: one-sentence errors and knowing when splunkd's input
is finished. The only module of the package that knows splunklib's behaviour (it imports none of it).
"""

import sys
from contextlib import contextmanager

from .errors import ModelOpsError


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
