"""Target (issue 6): `| modelcompare` predictions mode on 1,000,000 rows (binary, with scores,
bootstrap 1000) runs at >= 0.5x the throughput of a pass-through StreamingCommand on the same
chunks, in <= 300 MB peak memory. Both measured in this one run; prints the ratio.

With --worst-case: the most work the options allow (bootstrap=100000, the largest class counts,
float labels as classes, many runs): each case through the command, printing its seconds; the cost
budget (engine/compare/bootstrap.py) keeps each within seconds, lowering resamples with a warning.

Usage: python bench/bench_modelcompare.py [--rows N] [--worst-case]
"""

import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from chunked import compare_with_passthrough, measure  # noqa: E402

ROOT = os.path.dirname(HERE)


def csv_body(fields, rows):
    lines = [",".join(fields) + "\r\n"] + [",".join(str(row[f]) for f in fields) + "\r\n" for row in rows]
    return "".join(lines).encode()


def worst_cases():
    g = random.Random(2)
    classes = [{"y": "c%d" % g.randrange(1000), "a": "c%d" % g.randrange(1000), "b": "c%d" % g.randrange(1000)}
               for _ in range(1000)]
    floats = [{"y": repr(g.random()), "a": repr(g.random()), "b": repr(g.random())} for _ in range(200)]
    many = [{"y": "c%d" % g.randrange(1000), "a": "c%d" % g.randrange(1000), "b": "c%d" % g.randrange(1000)}
            for _ in range(100000)]
    regression = [{"y": g.gauss(0, 1), "a": g.gauss(0, 1), "b": g.gauss(0, 1)} for _ in range(20000)]
    binary = [{"y": g.randrange(2), "a": g.randrange(2), "b": g.randrange(2), "k": "K%d" % g.randrange(20)}
              for _ in range(20000)]
    metrics = ["metrics.m%d" % i for i in range(15)]
    runs = [dict({"model_version": v}, **{m: g.random() for m in metrics}) for v in ("v1", "v2") * 2000]
    return [
        ("1,000 rows x 1,000 classes, bootstrap=100000", ["label=y", "bootstrap=100000", "a", "b"], ("y", "a", "b"),
         classes),
        ("1,000 rows x 1,000 classes, bootstrap=1000 (default)", ["label=y", "a", "b"], ("y", "a", "b"), classes),
        ("200 float labels, task=classification, bootstrap=100000",
         ["label=y", "task=classification", "bootstrap=100000", "a", "b"], ("y", "a", "b"), floats),
        ("100,000 rows x 1,000 classes, bootstrap=100000", ["label=y", "bootstrap=100000", "a", "b"],
         ("y", "a", "b"), many),
        ("regression 20,000 rows, bootstrap=100000", ["label=y", "bootstrap=100000", "a", "b"], ("y", "a", "b"),
         regression),
        ("binary 20,000 rows by= 20 segments, bootstrap=100000", ["label=y", "by=k", "bootstrap=100000", "a", "b"],
         ("y", "a", "b", "k"), binary),
        ("runs 2 x 2,000 runs x 15 metrics, bootstrap=100000", ["bootstrap=100000", "v1", "v2"],
         ["model_version"] + metrics, runs),
    ]


def worst_case():
    print("modelcompare worst cases the options allow (seconds through the command, one chunk each)")
    for title, args, fields, rows in worst_cases():
        seconds, mib, replies = measure(os.path.join(ROOT, "bin", "modelcompare.py"), args, [csv_body(fields, rows)])
        messages = replies[-1][0].get("inspector", {}).get("messages", [])
        note = next((text for level, text in messages if "bootstrap" in text), "")
        print("  %-58s %6.2f s  peak %4.0f MiB  %s" % (title, seconds, mib, note[:100]))


def make_bodies(rows, chunk_rows, seed=1, score_format="%.4f"):
    """Chunks of binary rows; scores written with ``score_format`` (4 decimals: at most 10,001 distinct
    scores, DeLong's per-score path; ``%r``: every score distinct, its sort-and-walk path)."""
    g = random.Random(seed)
    header = "label,pa,pb,sa,sb\r\n"
    bodies = []
    for start in range(0, rows, chunk_rows):
        lines = [header]
        for _ in range(start, min(rows, start + chunk_rows)):
            y = 1 if g.random() < 0.3 else 0
            sa = min(1.0, max(0.0, 0.3 * y + g.random() * 0.7))
            sb = min(1.0, max(0.0, 0.35 * y + g.random() * 0.65))
            lines.append(("%d,%d,%d," + score_format + "," + score_format + "\r\n") % (y, sa > 0.5, sb > 0.5, sa, sb))
        bodies.append("".join(lines).encode())
    return bodies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--worst-case", action="store_true")
    args = parser.parse_args()
    if args.worst_case:
        worst_case()
        return
    bodies = make_bodies(args.rows, args.chunk_rows)
    compare_with_passthrough("modelcompare predictions mode, %d rows (binary, scores, bootstrap %d)"
                             % (args.rows, args.bootstrap), "modelcompare.py",
                             ["label=label", "score1=sa", "score2=sb", "bootstrap=%d" % args.bootstrap, "pa", "pb"],
                             bodies, args.rows, "_summary_", 0.5, 300)


if __name__ == "__main__":
    main()
