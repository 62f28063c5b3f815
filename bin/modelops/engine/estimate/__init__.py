"""``| modelestimate``: a binary classifier's performance estimated without labels (CBPE), equal to
NannyML 0.13's ``CBPE`` (see ``cbpe.py`` for the arithmetic and its NannyML twins).

The accumulator is fed rows in any chunking (``add_rows``), then ``result()`` once:

* reference rows (``split`` == ``reference_value``, labels present) fit the calibration (isotonic,
  only when NannyML's check says it helps), the sampling-error components (whole reference) and the
  alert thresholds (mean +- 3 std of the realized metric over the reference's own chunks);
* every other row is analysis; analysis rows are cut into chunks (``chunk`` rows in time order when
  every row has ``_time``, else in input order, or
  ``span`` seconds on ``_time``, aligned to the epoch) and get one output row per chunk and metric.

Rows without a score or prediction keep their place in row-count chunks but are left out of every
number (NannyML drops them the same way); they are counted and reported as a warning.
"""

import math
import re
from array import array

from ...errors import ModelOpsError
from ...metrics import binary_pos_label
from ...stats.isotonic import IsotonicRegression
from ...values import NUMBER, category, classify
from ..segments import Segments
from . import cbpe

METRICS = cbpe.METRICS
MIN_REFERENCE_ROWS_PER_CHUNK = 10
FEW_REFERENCE_CHUNKS = 6  # NannyML warns below six chunks
OUTPUT_FIELDS = ("model", "chunk", "chunk_start", "chunk_end", "n", "metric", "estimated", "sampling_error",
                 "lower", "upper", "lower_threshold", "upper_threshold", "alert", "realized")
_SPAN_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, "day": 86400,
               "w": 604800, "week": 604800}
_MONDAY_OFFSET = 4 * 86400  # 1970-01-01 was a Thursday; weeks start on Monday (pandas' W periods)
_MISSING_CODE = -1


def parse_span(text) -> int:
    """``30m``, ``1h``, ``1d``, ``1w`` (or plain seconds) -> seconds."""
    match = re.match(r"^\s*(\d+)?\s*([a-z]*?)s?\s*$", str(text).lower())
    if not match or (match.group(2) and match.group(2) not in _SPAN_UNITS) or match.group(1) == "0" \
            or not (match.group(1) or match.group(2)):
        raise ModelOpsError("span=%s is not a time span: use e.g. span=1h, span=1d or span=1w" % text)
    return int(match.group(1) or 1) * _SPAN_UNITS.get(match.group(2) or "s", 1)


class _Codes:
    """Raw cell text -> small int code, normalised once per distinct text (``values.category``)."""

    def __init__(self):
        self.by_raw = {}
        self.names = []  # code -> category text
        self.by_name = {}

    def code(self, raw) -> int:
        try:
            return self.by_raw[raw]
        except (KeyError, TypeError):
            pass
        name = category(raw)
        if name is None:
            code = _MISSING_CODE
        else:
            code = self.by_name.setdefault(name, len(self.names))
            if code == len(self.names):
                self.names.append(name)
        if isinstance(raw, str) or (isinstance(raw, (int, float)) and raw == raw):  # NaN keys never match
            self.by_raw[raw] = code
        return code


class _Side:
    __slots__ = ("scores", "preds", "labels", "times")

    def __init__(self):
        self.scores = array("d")
        self.preds = array("i")
        self.labels = array("i")
        self.times = array("d")

    def in_time_order(self):
        """Splunk returns newest first; NannyML works in timestamp order. With ``_time`` on every row the
        rows are put in time order (stable: equal times keep input order); without it, input order."""
        n = len(self.times)
        if not n or any(math.isnan(t) for t in self.times):
            return
        order = sorted(range(n), key=self.times.__getitem__)
        if order != list(range(n)):
            for name in self.__slots__:
                column = getattr(self, name)
                setattr(self, name, array(column.typecode, (column[i] for i in order)))


class EstimateAccumulator:
    def __init__(self, label, score, prediction, split_field, reference_value="reference", chunk=None,
                 span=None, metrics=None, pos_label=None, model=""):
        for option, value in (("label", label), ("score", score), ("prediction", prediction),
                              ("split", split_field)):
            if not value:
                raise ModelOpsError("name the %s field: %s=<field>" % (option, option))
        if (chunk is None) == (span is None):
            raise ModelOpsError("say how to cut the analysis rows into chunks: chunk=<rows> or span=<time>, "
                                "one of them")
        if chunk is not None and int(chunk) < MIN_REFERENCE_ROWS_PER_CHUNK:
            raise ModelOpsError("chunk=%s is too small: CBPE needs at least %d rows per chunk"
                                % (chunk, MIN_REFERENCE_ROWS_PER_CHUNK))
        metrics = list(dict.fromkeys(metrics or METRICS))
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ModelOpsError("metrics=%s: %s is not one of %s" % (",".join(metrics), unknown[0], ",".join(METRICS)))
        self.fields = (label, score, prediction, split_field)
        self.label, self.score, self.prediction, self.split_field = self.fields
        self.reference_value = reference_value
        self.chunk = int(chunk) if chunk is not None else None
        self.span = parse_span(span) if span is not None else None
        self.metrics = metrics
        self.pos_label = None if pos_label in (None, "") else category(pos_label)
        self.model = model or ""
        self.reference, self.analysis = _Side(), _Side()
        self.label_codes, self.pred_codes = _Codes(), _Codes()
        self.missing_score = {"reference": 0, "analysis": 0}
        self.missing_prediction = {"reference": 0, "analysis": 0}
        self.missing_label_reference = 0
        self.seen = set()
        self.rows = 0

    # --- feeding -------------------------------------------------------------------------------

    def _score(self, raw) -> float:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            kind, value = classify(raw)
            if kind != NUMBER:
                if kind == "missing":
                    return math.nan
                raise ModelOpsError("%s=%r is not a number: the score must be the positive class's "
                                    "probability in [0, 1]" % (self.score, raw)) from None
        if not 0.0 <= value <= 1.0:
            if math.isnan(value) or math.isinf(value):
                return math.nan
            raise ModelOpsError("%s=%s is outside [0, 1]: the score must be the positive class's probability"
                                % (self.score, raw))
        return value

    def add(self, row) -> None:
        self.rows += 1
        if len(self.seen) < 4:
            self.seen.update(f for f in self.fields if row.get(f) is not None)
        side = self.reference if row.get(self.split_field) == self.reference_value else self.analysis
        name = "reference" if side is self.reference else "analysis"
        score = self._score(row.get(self.score))
        pred = self.pred_codes.code(row.get(self.prediction))
        label = self.label_codes.code(row.get(self.label))
        if math.isnan(score):
            self.missing_score[name] += 1
        if pred == _MISSING_CODE:
            self.missing_prediction[name] += 1
        if side is self.reference:
            if math.isnan(score) or pred == _MISSING_CODE:
                return
            if label == _MISSING_CODE:
                self.missing_label_reference += 1
                return
        side.scores.append(score)
        side.preds.append(pred)
        side.labels.append(label)
        side.times.append(_time(row.get("_time")))

    def add_rows(self, rows) -> None:
        for row in rows:
            self.add(row)

    def warnings(self) -> list:
        found = []
        for name in ("reference", "analysis"):
            if self.missing_score[name]:
                found.append("%d %s rows have no %s and were left out" % (self.missing_score[name], name, self.score))
            if self.missing_prediction[name]:
                found.append("%d %s rows have no %s and were left out"
                             % (self.missing_prediction[name], name, self.prediction))
        if self.missing_label_reference:
            found.append("%d reference rows have no %s and were left out" % (self.missing_label_reference, self.label))
        found.extend(getattr(self, "_late_warnings", []))
        return found

    # --- finishing ---------------------------------------------------------------------------------

    def _classes(self):
        present = sorted({self.label_codes.names[c] for c in set(self.reference.labels)})
        if not present:
            raise ModelOpsError("no reference rows with %s, %s and %s: mark them with %s=%s"
                                % (self.label, self.score, self.prediction, self.split_field, self.reference_value))
        if len(present) == 1:
            raise ModelOpsError("the reference has one class only (%s=%s): CBPE needs both classes"
                                % (self.label, present[0]))
        if len(present) > 2:
            raise ModelOpsError("%s has %d classes in the reference (%s...): modelestimate is for binary "
                                "classification" % (self.label, len(present), ", ".join(present[:3])))
        if self.pos_label is not None and self.pos_label not in present:
            raise ModelOpsError("pos_label=%s is not one of the two labels %s and %s"
                                % (self.pos_label, present[0], present[1]))
        positive = self.pos_label if self.pos_label is not None else binary_pos_label(present, "1")
        return present, positive

    def _binary(self, codes, table, field):
        out = []
        for code in codes:
            value = table.get(code)
            if value is None:
                if code == _MISSING_CODE:
                    value = _MISSING_CODE
                else:
                    name = (self.pred_codes if field == self.prediction else self.label_codes).names[code]
                    raise ModelOpsError("%s=%s is not one of the two labels %s" % (field, name, self._label_text))
            out.append(value)
        return out

    def _chunks_by_span(self, times, rows):
        """{bin start: [row indexes]} sorted by time; rows without _time are refused."""
        bins = {}
        for i in rows:
            t = times[i]
            if math.isnan(t):
                raise ModelOpsError("span= needs _time on every row; use chunk=<rows> for rows without _time")
            offset = _MONDAY_OFFSET if self.span % 604800 == 0 else 0
            start = math.floor((t - offset) / self.span) * self.span + offset
            bins.setdefault(start, []).append(i)
        return [(start, sorted(bins[start], key=times.__getitem__)) for start in sorted(bins)]

    def _chunks(self, side, n):
        if self.span is not None:
            return [(start, start + self.span, ix) for start, ix in self._chunks_by_span(side.times, range(n))]
        return [(None, None, list(range(begin, min(n, begin + self.chunk)))) for begin in range(0, n, self.chunk)]

    def result(self) -> list:
        if self.rows == 0:
            raise ModelOpsError("no input rows")
        missing = [f for f in self.fields if f not in self.seen]
        if missing:
            raise ModelOpsError("no row has the field %s" % missing[0])
        for side in (self.reference, self.analysis):
            side.in_time_order()
        classes, positive = self._classes()
        self._label_text = "%s and %s" % tuple(classes)
        to_binary = {self.label_codes.by_name[c]: int(c == positive) for c in classes
                     if c in self.label_codes.by_name}
        pred_table = {self.pred_codes.by_name[c]: int(c == positive) for c in classes if c in self.pred_codes.by_name}
        ref = self.reference
        ref_labels = self._binary(ref.labels, to_binary, self.label)
        ref_preds = self._binary(ref.preds, pred_table, self.prediction)
        ref_scores = list(ref.scores)
        if min(ref_labels.count(0), ref_labels.count(1)) < 2:
            raise ModelOpsError("the reference has fewer than two rows of one class (%s): CBPE needs both classes"
                                % self._label_text)
        ref_chunks = self._chunks(ref, len(ref_scores))
        small = [len(ix) for k, (_s, _e, ix) in enumerate(ref_chunks)
                 if len(ix) < MIN_REFERENCE_ROWS_PER_CHUNK and (self.span is not None or k < len(ref_chunks) - 1)]
        if small or len(ref_scores) < MIN_REFERENCE_ROWS_PER_CHUNK:
            raise ModelOpsError("the reference has a chunk of %d rows: CBPE needs at least %d reference rows per "
                                "chunk (a longer span or more reference rows)"
                                % ((small or [len(ref_scores)])[0], MIN_REFERENCE_ROWS_PER_CHUNK))
        late = []
        if len(ref_chunks) < FEW_REFERENCE_CHUNKS:
            late.append("the reference makes only %d chunks: the alert thresholds rest on few chunks"
                        % len(ref_chunks))
        fitted = {}
        for metric in self.metrics:
            values = [cbpe.realized(metric, [ref_labels[i] for i in ix], [ref_preds[i] for i in ix],
                                    [ref_scores[i] for i in ix]) for _s, _e, ix in ref_chunks]
            fitted[metric] = (cbpe.thresholds(values),
                              cbpe.sampling_error_components(metric, ref_labels, ref_preds, ref_scores))
        calibrate = cbpe.needs_calibration(ref_labels, ref_scores)
        calibrator = IsotonicRegression().fit(ref_scores, ref_labels) if calibrate else None

        side = self.analysis
        n = len(side.scores)
        if n == 0:
            raise ModelOpsError("no analysis rows: rows whose %s is not %s are estimated"
                                % (self.split_field, self.reference_value))
        preds = self._binary(side.preds, pred_table, self.prediction)
        labels = self._binary(side.labels, to_binary, self.label)
        rows = []
        for index, (start, end, ix) in enumerate(self._chunks(side, n)):
            usable = [i for i in ix if not math.isnan(side.scores[i]) and preds[i] != _MISSING_CODE]
            raw = [side.scores[i] for i in usable]
            chunk_preds = [preds[i] for i in usable]
            probs = calibrator.predict(raw) if calibrator is not None else raw
            labelled = [i for i in usable if labels[i] != _MISSING_CODE]
            counts = cbpe.expected_counts(chunk_preds, probs) if probs else None
            if start is None:
                times = [side.times[i] for i in ix if not math.isnan(side.times[i])]
                start, end = (min(times), max(times)) if times else (None, None)
            for metric in self.metrics:
                (lower_t, upper_t), components = fitted[metric]
                value = cbpe.estimate(metric, chunk_preds, probs, raw, counts)
                error = cbpe.sampling_error(components, len(usable))
                real = (cbpe.realized(metric, [labels[i] for i in labelled], [preds[i] for i in labelled],
                                      [side.scores[i] for i in labelled]) if labelled else math.nan)
                rows.append({
                    "model": self.model, "chunk": index, "chunk_start": start, "chunk_end": end,
                    "n": len(usable), "metric": metric, "estimated": _num(value), "sampling_error": _num(error),
                    "lower": _band(value, -error), "upper": _band(value, error),
                    "lower_threshold": lower_t, "upper_threshold": upper_t,
                    "alert": int((lower_t is not None and value < lower_t)
                                 or (upper_t is not None and value > upper_t)),
                    "realized": _num(real),
                })
        self.calibrated = calibrate
        self._late_warnings = late
        return rows


def _time(raw) -> float:
    kind, value = classify(raw)
    return value if kind == NUMBER else math.nan


def _band(value, signed_error):
    """Estimate +- 3 sampling errors, kept within [0, 1] (NannyML's confidence boundary)."""
    if math.isnan(value) or math.isnan(signed_error):
        return None
    edge = value + cbpe.SAMPLING_ERROR_RANGE * signed_error
    return max(0.0, edge) if signed_error < 0 else min(1.0, edge)


def _num(value):
    return None if value is None or math.isnan(value) else value


class SegmentedEstimate(Segments):
    """One estimate per value of ``by`` (its value fills the model column; segments as
    ``engine.segments`` decides them). A segment that cannot be estimated fails the command."""

    def __init__(self, by, options):
        super().__init__(by)
        self.options = options
        EstimateAccumulator(**options)  # refuse bad options before the first row

    def make_part(self, key):
        return EstimateAccumulator(**dict(self.options, model=key))

    def add_rows(self, rows) -> None:
        for row in rows:
            self.route(row).add(row)

    def warnings(self) -> list:
        return self.segment_warnings()

    def result(self) -> list:
        return self.segment_results()


def estimate_engine(by=None, **options):
    """One accumulator, or one per value of ``by`` (see ``| modelestimate``)."""
    if by:
        return SegmentedEstimate(by, options)
    return EstimateAccumulator(**options)
