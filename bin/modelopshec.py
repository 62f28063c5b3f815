#!/usr/bin/env python
"""| modelopshec: show or create the app's HEC token (admins; see searchbnf.conf)."""

import os
import sys

_BIN = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_BIN, os.path.join(_BIN, "lib")]

from splunklib.searchcommands import Configuration, GeneratingCommand, Option, dispatch, validators  # noqa: E402

from modelops.splunk import command as spl  # noqa: E402
from modelops.splunk import hec_token  # noqa: E402
from modelops.splunk.rest import SplunkRest  # noqa: E402


@Configuration(distributed=False)  # once, on the search head
class ModelOpsHecCommand(spl.SafeMessages, GeneratingCommand):
    action = Option(default="status", doc="status (default) or create.", validate=validators.Set("status", "create"))
    # not "name": splunklib's commands already have a name property
    token_name = Option(default=hec_token.DEFAULT_NAME, doc="Name of the HEC token input.")

    def generate(self):
        with spl.user_errors(self):
            rest = SplunkRest(self.service)
            if self.action == "create":
                yield hec_token.ensure_token(rest, self.token_name)
            else:
                yield hec_token.token_status(rest, self.token_name)


if __name__ == "__main__":
    dispatch(ModelOpsHecCommand, sys.argv, sys.stdin, sys.stdout, __name__)
