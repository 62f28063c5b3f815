"""`make demo`: the offline end-to-end run of what exists so far.

1. The package that `make build` made.
2. `| modeldrift` run exactly as splunkd runs it (protocol v2, several chunks, map then reduce)
   on synthetic kiln sensor data: a stable period and a drifted one.
3. AppInspect's verdict on the package.
"""

import argparse
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import appinspect  # noqa: E402
from tests.protocol import harness  # noqa: E402

FEATURES = ("temp_zone1", "temp_zone2", "o2", "feed_rate", "fuel_type")


def kiln_period(g, start, minutes, drift):
    """Minute rows of a cement kiln: two zone temperatures, O2, feed rate and the fuel in use."""
    rows = []
    for i in range(minutes):
        load = g.gauss(0, 1)
        rows.append({
            "_time": str(start + 60 * i),
            "temp_zone1": "%.2f" % (1450 + 8 * load + g.gauss(0, 4) + 25 * drift),
            "temp_zone2": "%.2f" % (1180 + 6 * load + g.gauss(0, 5)),
            "o2": "%.3f" % (2.1 + g.gauss(0, 0.25) - 0.4 * drift),
            "feed_rate": str(int(200 + 10 * load)),
            "fuel_type": g.choices(["coal", "petcoke", "rdf"], [0.6, 0.3 - 0.2 * drift, 0.1 + 0.2 * drift])[0],
        })
    return rows


def print_table(rows, columns):
    widths = {c: max(len(c), *(len(_fmt(r.get(c, ""))) for r in rows)) for c in columns}
    print("  " + "  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  " + "  ".join(_fmt(row.get(c, "")).ljust(widths[c]) for c in columns))


def _fmt(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(value) if number == int(number) and "." not in str(value) else "%.4g" % number


def drift_demo():
    g = random.Random(2026)
    start = 1764000000
    reference = kiln_period(g, start, 3 * 1440, drift=0.0)
    stable = kiln_period(g, start + 3 * 86400, 1440, drift=0.0)
    drifted = kiln_period(g, start + 4 * 86400, 1440, drift=1.0)
    columns = ("feature", "kind", "test", "statistic", "p_value", "drift", "psi", "psi_level", "drift_share")
    for label, current in (("stable day", stable), ("drifted day (burner change)", drifted)):
        rows = [dict(r, period="reference") for r in reference] + [dict(r, period="current") for r in current]
        args = ["split=period", "fields=%s" % ",".join(FEATURES), "model=Horno4_AE_v3"]
        result = harness.run("modeldrift.py", args, rows, chunk_size=1000, map_partitions=2)
        if result.exit_code != 0:
            raise SystemExit("modeldrift failed: %s" % result.messages)
        print("\n| modeldrift %s   (%s: %d reference rows vs %d current rows, %d chunks, map on 2 'indexers')"
              % (" ".join(args), label, len(reference), len(current), len(result.final.replies)))
        print_table(result.rows, columns)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True)
    args = parser.parse_args(argv)
    package = os.path.abspath(args.package)
    print("== ModelOps for DSDL demo ==")
    print("package: %s (%d KiB)" % (package, os.path.getsize(package) // 1024))
    drift_demo()
    print()
    return appinspect.main([package])


if __name__ == "__main__":
    sys.exit(main())
