#!/usr/bin/env python
"""| modeldrift: data drift per feature, from raw rows or from profile telemetry (see searchbnf.conf)."""

import os
import sys

# splunkd starts us with bin/ as the working script dir; the vendored splunklib lives in bin/lib.
_BIN = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_BIN, os.path.join(_BIN, "lib")]

from splunklib.searchcommands import Configuration, Option, ReportingCommand, dispatch, validators  # noqa: E402

from modelops.engine.drift import STATTESTS, drift_engine, drift_map  # noqa: E402
from modelops.splunk import command as spl  # noqa: E402


@Configuration(requires_preop=False)
class ModelDriftCommand(spl.SafeMessages, spl.AccumulateUntilFinished, ReportingCommand):
    fields = Option(doc="Comma-separated features to compare (or list them after the options).")
    split = Option(doc="Field whose value says reference or current.", validate=validators.Fieldname())
    reference_until = Option(doc="Epoch time: rows with _time before it are the reference.",
                             validate=validators.Float())
    reference_value = Option(default="reference", doc="Value of split= that marks reference rows.")
    current_value = Option(default="current", doc="Value of split= that marks current rows.")
    stattest = Option(doc="Force one test: ks, chisquare, wasserstein, jensenshannon, psi.",
                      validate=validators.Set(*sorted(STATTESTS)))
    threshold = Option(doc="Drift threshold for the test (p-value or distance).",
                       validate=validators.Float(0))
    drift_share = Option(default=0.5, doc="Share of drifting features that flags the dataset.",
                         validate=validators.Float(0, 1))
    model = Option(default="", doc="Model name written into every output row (raw mode).")
    history = Option(default=False, doc="Profile mode: one row per current profile over time (for trends).",
                     validate=validators.Boolean())
    by = Option(doc="Raw mode: compare per value of this field (its value fills the model column).")

    @Configuration()
    def map(self, records):
        # On the indexers: parse, convert and sort each chunk; the search head merges sorted partials.
        # Optional (requires_preop=False): the reduce phase takes raw rows just as well.
        args, options = self._engine_arguments()
        with spl.user_errors(self):
            yield from drift_map(spl.chunk_table(records) or records, *args, **options)

    def make_engine(self):
        args, options = self._engine_arguments()
        return drift_engine(*args, **options)

    def _engine_arguments(self):
        return (spl.parse_list(self.fields) + list(self.fieldnames),), dict(
            split_field=self.split, reference_until=self.reference_until, by=self.by,
            reference_value=self.reference_value, current_value=self.current_value, stattest=self.stattest,
            threshold=self.threshold, drift_share=self.drift_share, model=self.model, history=self.history)


if __name__ == "__main__":
    dispatch(ModelDriftCommand, sys.argv, sys.stdin, sys.stdout, __name__)
