"""Rows the drift tests share: synthetic kiln sensor data with a reference and a current period."""

import random


def kiln_rows(n_ref=600, n_cur=400, shift=0.0, seed=42):
    g = random.Random(seed)
    rows = []
    for side, n, delta in (("reference", n_ref, 0.0), ("current", n_cur, shift)):
        for i in range(n):
            rows.append({
                "_time": str(1700000000 + len(rows) * 60),
                "period": side,
                "temp_zone1": "%.3f" % g.gauss(1450 + 40 * delta, 12),
                "o2": "%.4f" % g.gauss(2.1, 0.3),
                "feed_rate": str(g.randint(180, 220)),
                "shift": g.choice("ABC") if not delta else g.choice("ABCC"),
                "kiln": ["K4", "K5"] if i % 50 == 0 else "K4",
            })
    return rows


# The options the drift protocol tests run with.
ARGS = ["split=period", "fields=temp_zone1,o2,feed_rate,shift", "model=Horno4_AE_v3"]
