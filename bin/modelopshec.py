#!/usr/bin/env python
"""| modelopshec: show or create the app's HEC token (admins; see searchbnf.conf)."""

import os
import sys

_BIN = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_BIN, os.path.join(_BIN, "lib")]

from splunklib.searchcommands import Configuration, GeneratingCommand, Option, dispatch, validators  # noqa: E402

from modelops import hecsetup, spl  # noqa: E402


@Configuration(distributed=False)  # once, on the search head
class ModelOpsHecCommand(spl.SafeMessages, GeneratingCommand):
    action = Option(default="status", doc="status (default) or create.", validate=validators.Set("status", "create"))
    # not "name": splunklib's commands already have a name property
    token_name = Option(default=hecsetup.DEFAULT_NAME, doc="Name of the HEC token input.")

    def generate(self):
        with spl.user_errors(self):
            rest = spl.SplunkRest(self.service)
            if self.action == "create":
                yield hecsetup.ensure_token(rest, self.token_name)
            else:
                yield hecsetup.token_status(rest, self.token_name)


if __name__ == "__main__":
    dispatch(ModelOpsHecCommand, sys.argv, sys.stdin, sys.stdout, __name__)
