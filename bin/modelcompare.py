#!/usr/bin/env python
"""| modelcompare v1 v2: A/B comparison of two model versions with real statistics (see searchbnf.conf)."""

import os
import sys

_BIN = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_BIN, os.path.join(_BIN, "lib")]

from splunklib.searchcommands import Configuration, Option, ReportingCommand, dispatch, validators  # noqa: E402

from modelops.engine.compare import compare_map, compare_rows  # noqa: E402
from modelops.errors import ModelOpsError  # noqa: E402
from modelops.splunk import command as spl  # noqa: E402


@Configuration(requires_preop=False)
class ModelCompareCommand(spl.SafeMessages, spl.AccumulateUntilFinished, ReportingCommand):
    label = Option(doc="Ground-truth field: compare two prediction fields on the same rows.")
    score1 = Option(doc="Score field of the first model (AUC, DeLong).")
    score2 = Option(doc="Score field of the second model.")
    task = Option(doc="classification, regression (inferred when absent) or forecast.",
                  validate=validators.Set("classification", "regression", "forecast"))
    horizon = Option(doc="task=forecast: steps ahead of the forecasts (Diebold-Mariano lags; default 1).",
                     validate=validators.Integer(1, 10000))
    pos_label = Option(doc="Positive class for binary metrics (default 1, else the larger label).")
    average = Option(doc="macro (default), weighted or micro: how precision, recall and f1 average over classes.",
                     validate=validators.Set("macro", "weighted", "micro", "binary"))
    by = Option(doc="Compare per value of this field (kiln, shift, product).")
    primary = Option(doc="Metric that decides the _summary_ winner.")
    alpha = Option(default=0.05, validate=validators.Float(0.0001, 0.5))
    bootstrap = Option(default=1000, validate=validators.Integer(0, 100000))
    seed = Option(default=0, validate=validators.Integer(0))

    @Configuration()
    def map(self, records):
        # On the indexers: parse and convert each chunk into compact partial rows; the search head merges
        # them into the very same columns. Optional (requires_preop=False): the reduce takes raw rows too.
        try:
            args, options = self._engine_arguments()
        except ModelOpsError:
            yield from records  # the reduce phase says what is wrong, once
            return
        with spl.user_errors(self):
            yield from compare_map(spl.chunk_table(records) or records, *args, **options)

    def make_engine(self):
        args, options = self._engine_arguments()
        return compare_rows([], *args, **options)

    def _engine_arguments(self):
        if len(self.fieldnames) != 2:
            raise ModelOpsError("name the two versions (or prediction fields) to compare: | modelcompare <a> <b>")
        options = {"alpha": self.alpha, "bootstrap": self.bootstrap, "seed": self.seed, "primary": self.primary}
        if self.label:
            options.update(score_a=self.score1, score_b=self.score2, task=self.task, pos_label=self.pos_label,
                           average=self.average, horizon=self.horizon)
        elif self.score1 or self.score2 or self.task or self.pos_label or self.average or self.horizon:
            raise ModelOpsError("score1=, score2=, task=, pos_label=, average= and horizon= need label=<field>")
        return (self.fieldnames[0], self.fieldnames[1]), dict(options, label=self.label, by=self.by)


if __name__ == "__main__":
    dispatch(ModelCompareCommand, sys.argv, sys.stdin, sys.stdout, __name__)
