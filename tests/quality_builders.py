"""Rows the data-quality tests share: kiln sensors with missing cells, a shifted current period and a
category the reference never saw."""

import random

MISSING_TEXTS = ["", "nan", "null", "NaN"]  # what splunkd hands over for a missing cell; pandas reads each as NaN


def sensor_data(seed, n_ref=400, n_cur=357):
    g = random.Random(seed)
    rows = []
    for side, n in (("reference", n_ref), ("current", n_cur)):
        for _ in range(n):
            o2 = "%.3f" % g.gauss(2.0 if side == "reference" else 2.3, 0.3)
            temp = "%.1f" % g.gauss(1450, 10 if side == "reference" else 16)
            mode = g.choice("ABC" if side == "reference" else "ABCCDE")
            if g.random() < (0.05 if side == "reference" else 0.12):
                o2 = g.choice(MISSING_TEXTS)
            if g.random() < 0.03:
                temp = g.choice(MISSING_TEXTS)
            if g.random() < 0.04 or (side == "reference" and not rows):
                mode = g.choice(MISSING_TEXTS)  # the reference has missing modes, so NannyML does not call them unseen
            rows.append({"period": side, "o2": o2, "temp": temp, "mode": mode,
                         "_time": str(1_700_000_000 + 60 * len(rows))})
    return rows
