"""Oracle for | modelestimate: NannyML 0.13's CBPE on CSV files, printed as JSON.

Runs in the separate .venv-nannyml (NannyML 0.13 needs pandas 2.x, Python < 3.13); the tests call it
in a subprocess. Usage:
    python nannyml_cbpe.py REFERENCE.csv ANALYSIS.csv (--chunk-size N | --chunk-period P) [--metrics a,b]
CSV columns: y_true (0/1), y_pred_proba, y_pred (0/1), optional timestamp (epoch seconds, UTC).
Prints {"needs_calibration": bool, "rows": [{chunk, metric, estimated, sampling_error, lower, upper,
lower_threshold, upper_threshold, alert, realized, start, end}]}.
"""

import argparse
import json
import math
import warnings

warnings.filterwarnings("ignore")

import nannyml as nml  # noqa: E402
import pandas as pd  # noqa: E402


def _num(value):
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("analysis")
    parser.add_argument("--chunk-size", type=int)
    parser.add_argument("--chunk-period")
    parser.add_argument("--metrics", default="roc_auc,f1,precision,recall,accuracy")
    args = parser.parse_args()
    reference = pd.read_csv(args.reference)
    analysis = pd.read_csv(args.analysis)
    timestamp = None
    if args.chunk_period:
        timestamp = "timestamp"
        for frame in (reference, analysis):
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], unit="s")
    metrics = args.metrics.split(",")
    estimator = nml.CBPE(
        y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="y_true", problem_type="classification_binary",
        metrics=metrics, chunk_size=args.chunk_size, chunk_period=args.chunk_period,
        timestamp_column_name=timestamp)
    estimator.fit(reference)
    frame = estimator.estimate(analysis).filter(period="analysis").to_df()
    rows = []
    for _, record in frame.iterrows():
        for metric in metrics:
            start = record[("chunk", "start_date")]
            end = record[("chunk", "end_date")]
            rows.append({
                "chunk": int(record[("chunk", "chunk_index")]),
                "metric": metric,
                "estimated": _num(record[(metric, "value")]),
                "sampling_error": _num(record[(metric, "sampling_error")]),
                "lower": _num(record[(metric, "lower_confidence_boundary")]),
                "upper": _num(record[(metric, "upper_confidence_boundary")]),
                "lower_threshold": _num(record[(metric, "lower_threshold")]),
                "upper_threshold": _num(record[(metric, "upper_threshold")]),
                "alert": int(bool(record[(metric, "alert")])),
                "realized": _num(record[(metric, "realized")]),
                "start": None if pd.isna(start) else pd.Timestamp(start).timestamp(),
                "end": None if pd.isna(end) else pd.Timestamp(end).timestamp(),
            })
    print(json.dumps({"needs_calibration": bool(estimator.needs_calibration), "rows": rows}))


if __name__ == "__main__":
    main()
