#!/usr/bin/env python
"""| modelquality: sensor data quality per feature, current rows against reference rows (see searchbnf.conf)."""

import os
import sys

# splunkd starts us with bin/ as the working script dir; the vendored splunklib lives in bin/lib.
_BIN = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_BIN, os.path.join(_BIN, "lib")]

from splunklib.searchcommands import Configuration, Option, ReportingCommand, dispatch, validators  # noqa: E402

from modelops.engine.quality import DEFAULT_MAX_RUN, quality_engine  # noqa: E402
from modelops.splunk import command as spl  # noqa: E402


@Configuration(requires_preop=False)
class ModelQualityCommand(spl.SafeMessages, spl.AccumulateUntilFinished, ReportingCommand):
    fields = Option(doc="Comma-separated features to check (or list them after the options).")
    split = Option(doc="Field whose value says reference or current.", validate=validators.Fieldname())
    reference_until = Option(doc="Epoch time: rows with _time before it are the reference.",
                             validate=validators.Float())
    reference_value = Option(default="reference", doc="Value of split= that marks reference rows.")
    current_value = Option(default="current", doc="Value of split= that marks current rows.")
    chunk = Option(doc="Rows of current data per chunk (one row per feature and chunk).",
                   validate=validators.Integer(1))
    max_run = Option(default=DEFAULT_MAX_RUN, doc="Identical consecutive values that make a sensor stuck.",
                     validate=validators.Integer(2))
    unexpected_share = Option(default=0.0, doc="Share of out-of-range or unseen current values that alerts.",
                              validate=validators.Float(0, 1))
    model = Option(default="", doc="Model name written into every output row.")

    @Configuration()
    def map(self, records):
        # Runs need every current value in time order on the search head; the map only forwards rows.
        yield from records

    def make_engine(self):
        return quality_engine(
            spl.parse_list(self.fields) + list(self.fieldnames), split_field=self.split,
            reference_until=self.reference_until, reference_value=self.reference_value,
            current_value=self.current_value, chunk=self.chunk, max_run=self.max_run,
            unexpected_share=self.unexpected_share, model=self.model)


if __name__ == "__main__":
    dispatch(ModelQualityCommand, sys.argv, sys.stdin, sys.stdout, __name__)
