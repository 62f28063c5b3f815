"""Oracle for | modelquality: NannyML 0.13's data-quality calculators on CSV files, printed as JSON.

Runs in the separate .venv-nannyml (see nannyml_cbpe.py); the tests call it in a subprocess. Usage:
    python nannyml_quality.py REFERENCE.csv ANALYSIS.csv --numeric a,b --categorical c,d [--chunk-size N]
Analysis rows must already be in time order. Prints {"rows": [{chunk, feature, missing, missing_band,
out_of_range | unseen}]}: counts (normalize=False) and the MissingValuesCalculator's band, 3 sampling
errors of the missing rate (normalize=True).
"""

import argparse
import json
import warnings

warnings.filterwarnings("ignore")

import nannyml as nml  # noqa: E402
import pandas as pd  # noqa: E402


def _names(text):
    return [name for name in (text or "").split(",") if name]


def _values(calculator, reference, analysis, columns, chunking):
    result = calculator(column_names=columns, **chunking).fit(reference).calculate(analysis)
    frame = result.filter(period="analysis").to_df()
    return {column: frame[(column, "value")].tolist() for column in columns}, frame


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("analysis")
    parser.add_argument("--numeric", default="")
    parser.add_argument("--categorical", default="")
    parser.add_argument("--chunk-size", type=int)
    args = parser.parse_args()
    numeric, categorical = _names(args.numeric), _names(args.categorical)
    dtypes = dict({c: "float64" for c in numeric}, **{c: "object" for c in categorical})
    reference = pd.read_csv(args.reference, dtype=dtypes)
    analysis = pd.read_csv(args.analysis, dtype=dtypes)
    chunking = {"chunk_size": args.chunk_size} if args.chunk_size else {"chunk_number": 1}
    columns = numeric + categorical
    missing, _ = _values(lambda **k: nml.MissingValuesCalculator(normalize=False, **k), reference, analysis,
                         columns, chunking)
    _, rates = _values(lambda **k: nml.MissingValuesCalculator(normalize=True, **k), reference, analysis,
                       columns, chunking)
    ranges = _values(lambda **k: nml.NumericalRangeCalculator(normalize=False, **k), reference, analysis,
                     numeric, chunking)[0] if numeric else {}
    unseen = _values(lambda **k: nml.UnseenValuesCalculator(normalize=False, **k), reference, analysis,
                     categorical, chunking)[0] if categorical else {}
    rows = []
    for chunk in range(len(rates)):
        for column in columns:
            row = {"chunk": chunk, "feature": column, "missing": int(missing[column][chunk]),
                   "missing_band": 3 * float(rates[(column, "sampling_error")].iloc[chunk])}
            if column in ranges:
                row["out_of_range"] = int(ranges[column][chunk])
            if column in unseen:
                row["unseen"] = int(unseen[column][chunk])
            rows.append(row)
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
