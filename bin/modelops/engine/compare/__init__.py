"""A/B comparison of two model versions, as ``| modelcompare`` and ``modelops.compare`` compute it.

Two modes, each an accumulator fed row by row (any chunking gives the same result) and finalised once:

* **runs** (``runs.py``): ``fit_run``/``apply_run`` events; ``version_a``/``version_b`` match
  ``model_version`` or ``model_name``. Per metric present for both: counts, means, delta (b - a),
  Welch's t-test across runs, Holm-adjusted p-values, bootstrap CI of the difference of means.
* **predictions** (``intake.py`` takes the rows; ``classification.py`` and ``regression.py`` hold
  each task's statistics): two prediction fields on the same rows and a label field. Classification:
  accuracy (McNemar), precision/recall/f1 (binary for two classes, else macro; bootstrap test),
  roc_auc (DeLong) when scores are given. Regression: mae (paired t-test on absolute errors),
  rmse/r2/mape (bootstrap test) and abs_error (Wilcoxon signed-rank on absolute errors).
  Confidence intervals of every delta come from the paired block bootstrap of ``bootstrap.py``.

The map phase of ``| modelcompare`` (``compare_map``, on the indexers) parses and converts each chunk
and sends compact partial rows that the reduce phase merges into exactly the same columns (``partial.py``).

``report.py`` builds the rows, Holm across them, the winners and ``_summary_``; ``segments.py``
splits by ``by=`` and holds ``compare_rows``, the entry point. A winner needs a Holm-adjusted
p-value below ``alpha`` and a known metric direction.
"""

from .bootstrap import MAX_BLOCKS
from .intake import MAX_CLASSES, PredictionsAccumulator
from .report import ROW_FIELDS, SUMMARY
from .runs import RunsAccumulator
from .segments import SegmentedComparison, compare_map, compare_rows

__all__ = ["MAX_BLOCKS", "MAX_CLASSES", "ROW_FIELDS", "SUMMARY", "PredictionsAccumulator", "RunsAccumulator",
           "SegmentedComparison", "compare_map", "compare_rows"]
