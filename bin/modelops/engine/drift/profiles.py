"""Profile mode: drift from ``profile`` telemetry events (counts on the reference's bins) instead
of raw rows. Each event is checked before it is used; a malformed one is skipped and counted, so
one bad event never hides the other models' rows."""

import math
from collections import Counter

from ...errors import ModelOpsError
from .decision import DEFAULT_DRIFT_SHARE, check_options, dataset_row, decide, empty_row
from .stattests import BINNED, CATEGORICAL, NUMERIC, STATTESTS, counts_evidence, needs_raw_values, select_stattest

KINDS = (NUMERIC, CATEGORICAL)


def _as_list(value):
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _count(value):
    """A count (a finite, non-negative whole number, as text or number), else ValueError."""
    if isinstance(value, (list, tuple)):
        raise ValueError("multivalue")
    number = float(value)
    if not (math.isfinite(number) and number >= 0 and number == int(number)):
        raise ValueError("not a count")
    return int(number)


def _finite(value):
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def parse_profile(row):
    """``(key, time, profile)`` of a profile event, ``None`` when the row is not a profile event,
    or a string saying what is malformed."""
    role, model, feature = row.get("role"), row.get("model_name"), row.get("feature")
    if role not in ("reference", "current") or not isinstance(model, str) or not model \
            or not isinstance(feature, str) or not feature:
        return None
    counts_field = _as_list(row.get("counts{}", row.get("counts")))
    if not counts_field:
        return None
    try:
        when = _finite(row.get("_time") or row.get("time") or 0)
    except (TypeError, ValueError):
        return "a _time that is not a number"
    try:
        counts = [_count(c) for c in counts_field]
    except (TypeError, ValueError, OverflowError):
        return "counts that are not whole non-negative numbers"
    try:
        n_null = _count(row.get("n_null") or 0)
    except (TypeError, ValueError, OverflowError):
        return "an n_null that is not a whole non-negative number"
    try:
        edges = [_finite(e) for e in _as_list(row.get("edges{}", row.get("edges")))]
    except (TypeError, ValueError):
        return "edges that are not finite numbers"
    if any(b < a for a, b in zip(edges, edges[1:])):
        return "edges that are not non-decreasing"
    categories = [str(c) for c in _as_list(row.get("categories{}", row.get("categories")))]
    if (edges and len(edges) != len(counts) + 1) or (categories and len(categories) != len(counts)):
        return "counts that do not match its edges or categories"
    kind = row.get("kind") if row.get("kind") in KINDS else (NUMERIC if edges else CATEGORICAL)
    profile = {"kind": kind, "counts": counts, "edges": edges, "categories": categories, "n_null": n_null}
    return (model, feature, role), when, profile


class ProfileDrift:
    """Profile mode: for each model and feature, the latest ``current`` profile against the latest
    ``reference`` profile of the same model (``profile`` telemetry events, as Splunk extracts them:
    ``counts{}``, ``edges{}``, ``categories{}`` multivalue fields, or plain lists from notebooks).

    Binned numeric features are compared on the reference's bins (PSI, drift when PSI >= 0.2 by
    default); categorical and per-value features on the union of categories (chi-square for a
    reference of at most 1000 values, else Jensen-Shannon >= 0.1, as in raw mode)."""

    def __init__(self, stattest=None, threshold=None, drift_share=DEFAULT_DRIFT_SHARE, history=False):
        check_options(STATTESTS, stattest, threshold, drift_share)
        if stattest is not None and needs_raw_values(stattest):
            raise ModelOpsError("stattest=%s needs raw values; profiles hold binned counts (use psi, "
                                "jensenshannon or chisquare)" % stattest)
        self.stattest, self.threshold, self.drift_share = stattest, threshold, drift_share
        self.history = history  # every current profile against the reference, not only the latest
        self.currents = []  # (model, feature, time, profile), with history
        self.latest = {}  # (model, feature, role) -> (time, profile)
        self.order = {}  # (model, feature) -> first-seen position
        self.skipped = 0
        self.malformed = Counter()  # what was wrong -> events
        self.mismatched = []

    def add(self, row):
        parsed = parse_profile(row)
        if parsed is None:
            self.skipped += 1
            return
        if isinstance(parsed, str):
            self.malformed[parsed] += 1
            return
        key, when, profile = parsed
        model, feature, role = key
        self.order.setdefault((model, feature), len(self.order))
        if self.history and role == "current":
            self.currents.append((model, feature, when, profile))
        if key not in self.latest or when > self.latest[key][0]:
            self.latest[key] = (when, profile)

    def add_rows(self, rows):
        for row in rows:
            self.add(row)

    def warnings(self):
        found = []
        if self.skipped:
            found.append("%d rows were skipped: not a profile event with role, model_name, feature and counts"
                         % self.skipped)
        if self.malformed:
            found.append("%d malformed profile events were skipped (%s); the other profiles were compared"
                         % (sum(self.malformed.values()),
                            ", ".join("%d with %s" % (n, why) for why, n in sorted(self.malformed.items()))))
        for model, feature in self.mismatched:
            found.append("%s %s: the current profile was binned on other edges than the reference; fit again"
                         % (model, feature))
        return found

    def result(self):
        if not self.order:
            if self.malformed:
                raise ModelOpsError("every profile event in the input is malformed: %s"
                                    % ", ".join(sorted(self.malformed)))
            raise ModelOpsError("no profile events in the input: search `modelops_events(profile)`, or give "
                                "split=/reference_until= and fields= to compare raw rows")
        if self.history:
            return self._history_rows()
        rows_by_model = {}
        for (model, feature) in sorted(self.order, key=self.order.get):
            reference = self.latest.get((model, feature, "reference"))
            current = self.latest.get((model, feature, "current"))
            row = empty_row(model, feature)
            if reference is None or current is None:
                row.update(kind=(reference or current)[1]["kind"], test="insufficient_data")
            else:
                self._compare(row, reference[1], current[1])
            rows_by_model.setdefault(model, []).append(row)
        out = []
        for model in sorted(rows_by_model):
            rows = rows_by_model[model]
            n_ref = max([r["n_ref"] for r in rows if r["n_ref"] != ""] or [0])
            n_cur = max([r["n_cur"] for r in rows if r["n_cur"] != ""] or [0])
            out.extend(rows + [dataset_row(model, rows, n_ref, n_cur, self.drift_share)])
        return out

    def _history_rows(self):
        """One row per current profile (time order), against its model's latest reference profile."""
        rows = []
        for model, feature, when, profile in sorted(self.currents, key=lambda c: (c[2], c[0], c[1])):
            reference = self.latest.get((model, feature, "reference"))
            row = empty_row(model, feature)
            if reference is None:
                row.update(kind=profile["kind"], test="insufficient_data")
            else:
                self._compare(row, reference[1], profile)
            rows.append(dict({"_time": when}, **row))
        return rows

    def _compare(self, row, reference, current):
        row.update(kind=reference["kind"], n_null_ref=reference["n_null"], n_null_cur=current["n_null"],
                   n_ref=sum(reference["counts"]), n_cur=sum(current["counts"]))
        if reference["edges"]:
            if current["edges"] != reference["edges"]:
                self.mismatched.append((row["model"], row["feature"]))
                row["test"] = "insufficient_data"
                return
            kind, ref_counts, cur_counts = BINNED, reference["counts"], current["counts"]
        else:
            categories = list(reference["categories"]) + sorted(set(current["categories"]) -
                                                                set(reference["categories"]))
            ref_map = dict(zip(reference["categories"], reference["counts"]))
            cur_map = dict(zip(current["categories"], current["counts"]))
            kind = CATEGORICAL
            ref_counts = [ref_map.get(c, 0) for c in categories]
            cur_counts = [cur_map.get(c, 0) for c in categories]
        if not sum(ref_counts) or not sum(cur_counts):
            row["test"] = "insufficient_data"
            return
        evidence = counts_evidence(kind, ref_counts, cur_counts)
        row.update(psi=evidence.psi, js=evidence.js)
        test = select_stattest(evidence, self.stattest, row["feature"])
        decide(row, test, *test.function(evidence), self.threshold)
