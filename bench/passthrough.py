#!/usr/bin/env python
"""A pass-through StreamingCommand: the ceiling every command is measured against."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin", "lib"))

from splunklib.searchcommands import Configuration, StreamingCommand, dispatch  # noqa: E402


@Configuration()
class PassThroughCommand(StreamingCommand):
    def stream(self, records):
        yield from records


if __name__ == "__main__":
    dispatch(PassThroughCommand, sys.argv, sys.stdin, sys.stdout, __name__)
