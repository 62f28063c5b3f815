#!/usr/bin/env python
"""The modelops_rollback custom alert action: splunkd runs ``modelops_rollback.py --execute`` with the
alert's JSON payload on stdin (see default/alert_actions.conf and modelops/splunk/rollback_action.py)."""

import os
import sys

_BIN = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_BIN, os.path.join(_BIN, "lib")]

from modelops.splunk.rollback_action import main  # noqa: E402
from modelops.splunk.session_rest import session_rest  # noqa: E402

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "--execute":
        sys.stderr.write("FATAL modelops_rollback - unsupported execution mode (expected --execute)\n")
        sys.exit(2)
    sys.exit(main(sys.stdin, sys.stderr, session_rest))
