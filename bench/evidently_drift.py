"""Run inside .venv-evidently (Evidently 0.7.23, pandas < 3): Evidently's in-process data drift report
on a CSV of reference and current rows. Prints JSON: seconds, and per feature the method, score,
threshold and drift decision. Timed: Dataset.from_pandas + Report([DataDriftPreset()]).run + .dict().

Usage: evidently_drift.py <csv with a `period` column> <feature,feature,...>
"""

import json
import sys
import time

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def main():
    path, features = sys.argv[1], sys.argv[2].split(",")
    frame = pd.read_csv(path)
    reference = frame[frame["period"] == "reference"][features].reset_index(drop=True)
    current = frame[frame["period"] == "current"][features].reset_index(drop=True)
    start = time.perf_counter()
    definition = DataDefinition(numerical_columns=features)
    ref = Dataset.from_pandas(reference, data_definition=definition)
    cur = Dataset.from_pandas(current, data_definition=definition)
    snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
    result = snapshot.dict()
    seconds = time.perf_counter() - start
    decisions = {}
    for metric in result["metrics"]:
        config = metric.get("config", {})
        column = config.get("column")
        if column in features and "method" in config:
            threshold = config.get("threshold")
            score = metric["value"]
            method = config["method"]
            p_value_test = "p_value" in method.lower()
            drift = score < threshold if p_value_test else score >= threshold
            decisions[column] = {"method": method, "score": score, "threshold": threshold, "drift": bool(drift)}
    print(json.dumps({"seconds": seconds, "features": decisions}))


if __name__ == "__main__":
    main()
