"""Builders and independent oracles shared by the comparison tests (unit and protocol)."""

import math
import random

import numpy as np
from scipy import stats
from sklearn import metrics as skm


def binary_rows(n=400, seed=1):
    g = random.Random(seed)
    rows = []
    for _ in range(n):
        y = int(g.random() < 0.35)
        sa = min(1.0, max(0.0, 0.35 * y + g.random() * 0.65))
        sb = min(1.0, max(0.0, 0.45 * y + g.random() * 0.55))
        rows.append({"label": y, "pa": int(sa > 0.5), "pb": int(sb > 0.5), "sa": round(sa, 3), "sb": round(sb, 3),
                     "kiln": g.choice(["K4", "K5"])})
    return rows


def multiclass_rows(seed=13, n=300):
    g = random.Random(seed)
    classes = ["ok", "free_lime", "underburnt"]
    rows = []
    for _ in range(n):
        y = g.choice(classes)
        rows.append({"y": y, "a": y if g.random() < 0.75 else g.choice(classes),
                     "b": y if g.random() < 0.8 else g.choice(classes + ["overburnt"])})
    return rows


def malignant_benign_rows(first, n=300, seed=11):
    """Text labels without "1", sorted so that ``first`` comes first; model a is informative."""
    g = random.Random(seed)
    rows = []
    for _ in range(n):
        y = "malignant" if g.random() < 0.4 else "benign"
        s = min(1.0, max(0.0, (0.3 if y == "malignant" else 0.0) + g.random() * 0.7))
        rows.append({"y": y, "a": "malignant" if s > 0.5 else "benign", "b": "malignant" if g.random() < 0.4 else
                     "benign", "sa": round(s, 3), "sb": round(g.random(), 3)})
    rows.sort(key=lambda r: r["y"] != first)
    assert rows[0]["y"] == first
    return rows


def autocorrelated(n, phi, seed, scale_b=1.0):
    """A series and two forecasts whose errors are AR(1) with coefficient ``phi``."""
    g = random.Random(seed)
    ea = eb = 0.0
    y, a, b = [], [], []
    for t in range(n):
        ea = phi * ea + g.gauss(0, 1)
        eb = phi * eb + g.gauss(0, scale_b)
        level = 100 + 10 * math.sin(t / 12) + g.gauss(0, 1)
        y.append(level)
        a.append(level + ea)
        b.append(level + eb)
    return y, a, b


def forecast_rows(n=240, seed=15, phi=0.8, scale_b=1.2):
    """Hourly rows, newest first as Splunk returns them, errors AR(1) (autocorrelated)."""
    y, a, b = autocorrelated(n, phi, seed, scale_b)
    rows = [{"_time": 1700000000 + 3600 * t, "y": y[t], "a": a[t], "b": b[t]} for t in range(n)]
    return rows[::-1], (y, a, b)


def reference_delong(y, s1, s2):
    """DeLong (1988) directly from its definition: psi(x, y) placements, O(m*n)."""
    pos = [i for i, t in enumerate(y) if t]
    neg = [i for i, t in enumerate(y) if not t]

    def psi(x, z):
        return 1.0 if x > z else 0.5 if x == z else 0.0

    def parts(s):
        v10 = np.array([np.mean([psi(s[i], s[j]) for j in neg]) for i in pos])
        v01 = np.array([np.mean([psi(s[i], s[j]) for i in pos]) for j in neg])
        return v10.mean(), v10, v01

    a1, v10a, v01a = parts(s1)
    a2, v10b, v01b = parts(s2)
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    cov = s10 / len(pos) + s01 / len(neg)
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    z = (a1 - a2) / math.sqrt(var)
    return a1, a2, z, 2 * stats.norm.sf(abs(z))


EPS = np.finfo(np.float64).eps


def sktime_smape(y, p):
    y, p = np.asarray(y), np.asarray(p)
    return float(np.mean(np.abs(y - p) / (np.maximum(np.abs(y) + np.abs(p), EPS) / 2)))


def sktime_mase(y, p, y_train, sp):
    y_train = np.asarray(y_train)
    naive = skm.mean_absolute_error(y_train[sp:], y_train[:-sp])
    return skm.mean_absolute_error(y, p) / max(naive, EPS)


def as_splunk_cells(rows):
    """Rows as splunkd sends them: every value a string (floats by repr), lists and None kept."""
    return [{k: v if v is None or isinstance(v, (str, list)) else repr(v) if isinstance(v, float) else str(v)
             for k, v in row.items()} for row in rows]


def regression_rows(n=2600, seed=17):
    """Float labels and predictions (more than 1,000 distinct values: the task is inferred as regression)."""
    g = random.Random(seed)
    rows = []
    for _ in range(n):
        y = g.gauss(10, 3)
        rows.append({"y": y, "a": y + g.gauss(0, 1), "b": y + g.gauss(0.2, 1.1), "k": g.choice(["P", "Q"])})
    return rows


def dirty(rows, fields, seed=3, share=0.08):
    """``rows`` with about ``share`` of them given a missing, multivalue or text cell in one of ``fields``."""
    g = random.Random(seed)
    out = []
    for row in rows:
        row = dict(row)
        if g.random() < share:
            row[g.choice(fields)] = g.choice(["", None, "nan", ["1", "0"], "abc", " 7 "])
        out.append(row)
    return out
