"""Fast timestamp parsing for CSV ingestion: strptime formats compiled to a regex once.

``%Y %m %d %H %M %S %f %y`` and literal text are compiled; any other directive falls back to
``datetime.strptime``. Naive times are read in ``timezone`` (an IANA name, default UTC).
"""

import calendar
import re
from datetime import datetime, timezone

_DIRECTIVES = {"Y": r"(?P<Y>\d{4})", "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})", "H": r"(?P<H>\d{1,2})",
               "M": r"(?P<M>\d{1,2})", "S": r"(?P<S>\d{1,2})", "f": r"(?P<f>\d{1,6})", "y": r"(?P<y>\d{2})"}


def _zone(name):
    if not name or name.upper() == "UTC":
        return timezone.utc
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def compile_format(fmt):
    """A regex for ``fmt``, or None when it uses a directive we do not compile."""
    pattern, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            directive = fmt[i + 1]
            if directive == "%":
                pattern.append("%")
            elif directive in _DIRECTIVES:
                pattern.append(_DIRECTIVES[directive])
            else:
                return None
            i += 2
        else:
            pattern.append(re.escape(fmt[i]))
            i += 1
    return re.compile("^" + "".join(pattern) + "$")


class TimeParser:
    """``parse(text) -> epoch seconds``; raises ValueError with the offending text."""

    def __init__(self, fmt=None, timezone_name="UTC"):
        self.fmt = fmt
        self.zone = _zone(timezone_name)
        self.regex = compile_format(fmt) if fmt else None
        self._offsets = {}

    def _offset(self, year, month, day, hour):
        key = (year, month, day, hour)
        offset = self._offsets.get(key)
        if offset is None:
            if self.zone is timezone.utc:
                offset = 0.0
            else:
                offset = datetime(year, month, day, hour, tzinfo=self.zone).utcoffset().total_seconds()
            self._offsets[key] = offset
        return offset

    def _from_parts(self, year, month, day, hour, minute, second, fraction):
        return calendar.timegm((year, month, day, hour, minute, second)) + fraction - self._offset(
            year, month, day, hour)

    def parse(self, text):
        text = text.strip()
        if self.regex is not None:
            match = self.regex.match(text)
            if match is None:
                raise ValueError("time %r does not match the format %r" % (text, self.fmt))
            g = match.groupdict()
            year = int(g["Y"]) if g.get("Y") else 2000 + int(g["y"]) if g.get("y") else 1900
            fraction = int(g["f"]) / 10 ** len(g["f"]) if g.get("f") else 0.0
            return self._from_parts(year, int(g.get("m") or 1), int(g.get("d") or 1), int(g.get("H") or 0),
                                    int(g.get("M") or 0), int(g.get("S") or 0), fraction)
        if self.fmt:
            return self._aware(datetime.strptime(text, self.fmt))
        try:
            return float(text)
        except ValueError:
            pass
        try:
            return self._aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise ValueError("time %r is neither epoch seconds nor ISO 8601; give --time-format" % text) from None

    def _aware(self, moment):
        if moment.tzinfo is None:
            return self._from_parts(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                                    moment.second, moment.microsecond / 1e6)
        return moment.timestamp()
