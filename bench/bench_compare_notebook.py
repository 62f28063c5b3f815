"""`modelops.compare` in a notebook (issue 16): a 1,000,000-row DataFrame, binary with full-precision
scores, bootstrap 1000, measured in one run three ways on the same frame:

* as shipped: the frame read column by column, DeLong's placements with numpy (golden-cpu has it);
* with numpy hidden (Splunk's Python): the same engine in pure Python;
* the frame turned into records first (``to_dict``) and fed row by row, numpy hidden: how it ran before.

All three give the same rows, bit for bit (checked). For scale, scikit-learn's accuracy, precision,
recall, f1 and two ROC AUCs on the same frame (no tests, no intervals) are timed too.

Usage: python bench/bench_compare_notebook.py [--rows N]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "bin")]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from chunked import hidden_numpy  # noqa: E402
from sklearn import metrics as skm  # noqa: E402

import modelops  # noqa: E402
from modelops.engine.compare import compare_rows  # noqa: E402

OPTIONS = dict(label="label", score1="sa", score2="sb", bootstrap=1000)


def frame(rows, seed=1):
    g = np.random.default_rng(seed)
    y = (g.random(rows) < 0.3).astype(int)
    sa = np.clip(0.3 * y + g.random(rows) * 0.7, 0, 1)
    sb = np.clip(0.35 * y + g.random(rows) * 0.65, 0, 1)
    return pd.DataFrame({"label": y, "pa": (sa > 0.5).astype(int), "pb": (sb > 0.5).astype(int), "sa": sa, "sb": sb})


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def before(records):
    options = dict(OPTIONS, score_a=OPTIONS["score1"], score_b=OPTIONS["score2"])
    del options["score1"], options["score2"]
    return compare_rows(records, "pa", "pb", **options).result()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    data = frame(args.rows)
    load = os.getloadavg()[0]
    shipped_s, shipped = timed(lambda: modelops.compare(data, "pa", "pb", **OPTIONS))
    records_s, records = timed(lambda: data.to_dict(orient="records"))
    with hidden_numpy():
        pure_s, pure = timed(lambda: modelops.compare(data, "pa", "pb", **OPTIONS))
        before_s, old = timed(lambda: before(records))
    before_s += records_s
    sklearn_s, _ = timed(lambda: [skm.accuracy_score(data.label, data[p]) for p in ("pa", "pb")]
                         + [skm.precision_recall_fscore_support(data.label, data[p], average="binary")
                            for p in ("pa", "pb")] + [skm.roc_auc_score(data.label, data[s]) for s in ("sa", "sb")])
    same = repr(shipped) == repr(pure) == repr(old)
    print("modelops.compare, %d-row DataFrame, binary, full-precision scores, bootstrap 1000 (load average %.2f)"
          % (args.rows, load))
    print("  as shipped (columns, numpy DeLong):   %6.2f s" % shipped_s)
    print("  numpy hidden (pure Python):           %6.2f s" % pure_s)
    print("  records row by row (before):          %6.2f s  -> %.1fx faster as shipped"
          % (before_s, before_s / shipped_s))
    print("  scikit-learn's point metrics only:    %6.2f s  (no tests, no intervals)" % sklearn_s)
    print("  same rows, bit for bit: %s" % ("yes" if same else "NO"))
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
