#!/usr/bin/env python
"""| modelestimate: a binary classifier's performance estimated without labels (CBPE, see searchbnf.conf)."""

import os
import sys

# splunkd starts us with bin/ as the working script dir; the vendored splunklib lives in bin/lib.
_BIN = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_BIN, os.path.join(_BIN, "lib")]

from splunklib.searchcommands import Configuration, Option, ReportingCommand, dispatch, validators  # noqa: E402

from modelops.engine.estimate import estimate_engine  # noqa: E402
from modelops.splunk import command as spl  # noqa: E402


@Configuration(requires_preop=False)
class ModelEstimateCommand(spl.SafeMessages, spl.AccumulateUntilFinished, ReportingCommand):
    label = Option(doc="Field with the true class (present on reference rows).",
                   validate=validators.Fieldname())
    score = Option(doc="Field with the model's probability of the positive class, in [0, 1].",
                   validate=validators.Fieldname())
    prediction = Option(doc="Field with the predicted class (one of the two labels).",
                        validate=validators.Fieldname())
    split = Option(doc="Field whose value says reference (else analysis).",
                   validate=validators.Fieldname())
    reference_value = Option(default="reference", doc="Value of split= that marks reference rows.")
    chunk = Option(doc="Rows per chunk, in input order.", validate=validators.Integer(1))
    span = Option(doc="Chunk by _time: 1h, 1d, 1w (aligned to the epoch, weeks from Monday).")
    metrics = Option(doc="Comma-separated: roc_auc, f1, precision, recall, accuracy (default all).")
    pos_label = Option(doc="The positive class (default 1, else the larger label).")
    model = Option(default="", doc="Model name written into every output row.")
    by = Option(doc="Estimate per value of this field (its value fills the model column).",
                validate=validators.Fieldname())

    @Configuration()
    def map(self, records):
        # CBPE needs every row, in input order, on the search head; the map phase only forwards them.
        yield from records

    def make_engine(self):
        return estimate_engine(
            label=self.label, score=self.score, prediction=self.prediction, split_field=self.split,
            reference_value=self.reference_value, chunk=self.chunk, span=self.span,
            metrics=spl.parse_list(self.metrics) or None, pos_label=self.pos_label, model=self.model,
            by=self.by)


if __name__ == "__main__":
    dispatch(ModelEstimateCommand, sys.argv, sys.stdin, sys.stdout, __name__)
