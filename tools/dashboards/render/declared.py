"""The columns a search says it outputs, read from its last commands (no Splunk needed).

`declared_columns(spl)` returns ``("exact", [columns])`` when the search ends in a command that
names its output (`table`, `stats ... by`, `chart x by y` with one split field, `timechart` without
`by`, followed by `eval`/`rename`/`where`/`sort`/...), ``("prefix", [columns])`` when it names only
the first ones (`timechart ... by f`, `chart ... over x by y`), or None when it cannot tell (raw
events, or one of our commands last: those fixtures come from running the command itself).
"""

import re

KEEPS_COLUMNS = {"where", "sort", "head", "tail", "dedup", "search", "fillnull", "foreach", "reverse", "fieldformat",
                 "filldown", "mvexpand", "makemv", "nomv", "bin", "bucket", "eventstats", "streamstats"}


def split_top(text, separator):
    """Split on `separator` outside quotes, (), [] and backticks."""
    parts, depth, quoted, tick, current = [], 0, False, False, []
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            current.append(ch)
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
            current.append(ch)
        elif ch == "`":
            tick = not tick
            current.append(ch)
        elif ch in "([":
            depth += 1
            current.append(ch)
        elif ch in ")]":
            depth -= 1
            current.append(ch)
        elif depth == 0 and not tick and text.startswith(separator, i):
            parts.append("".join(current))
            current = []
            i += len(separator)
            continue
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _words(text):
    return [w for w in split_top(text.strip(), " ") if w]


def _aggregations(words):
    """`count avg(x) AS y max(z)` -> ["count", "y", "max(z)"]."""
    names, i = [], 0
    while i < len(words):
        word = words[i]
        if i + 2 < len(words) + 1 and i + 1 < len(words) and words[i + 1].upper() == "AS":
            names.append(words[i + 2])
            i += 3
            continue
        if "=" not in word:  # options such as span=1d
            names.append(word)
        i += 1
    return names


def _split_by(words, keyword):
    lowered = [w.lower() for w in words]
    if keyword in lowered:
        at = lowered.index(keyword)
        return words[:at], words[at + 1:]
    return words, None


def _defining(name, words):
    if name == "table":
        return "exact", [w.rstrip(",") for w in words]
    if name == "fields" and words and words[0] not in ("-", "+"):
        return "exact", [w.rstrip(",") for w in words]
    if name == "stats":
        aggs, by = _split_by(words, "by")
        return "exact", list(by or []) + _aggregations(aggs)
    if name == "timechart":
        aggs, by = _split_by(words, "by")
        if by:
            return "prefix", ["_time"]
        return "exact", ["_time"] + _aggregations(aggs)
    if name == "chart":
        before, over = _split_by(words, "over")
        if over is not None:
            return "prefix", [over[0]]
        aggs, by = _split_by(before, "by")
        if by and len(by) == 1:
            return "exact", [by[0]] + _aggregations(aggs)
        if by:
            return "prefix", [by[0]]
    return None


def declared_columns(spl):
    commands = [c.strip() for c in split_top(spl, "|")]
    tail = []
    for command in reversed(commands):
        words = _words(command)
        if not words:
            continue
        name, rest = words[0].lower(), words[1:]
        found = _defining(name, rest)
        if found:
            kind, columns = found
            return kind, _apply_tail(columns, tail)
        if name in KEEPS_COLUMNS or name in ("eval", "rename") or (name == "fields" and rest[:1] == ["-"]):
            tail.insert(0, (name, command[len(words[0]):].strip()))
            continue
        return None
    return None


def _apply_tail(columns, tail):
    columns = list(columns)
    for name, args in tail:
        if name == "eval":
            for assignment in split_top(args, ","):
                target = assignment.split("=", 1)[0].strip()
                if target and target not in columns:
                    columns.append(target)
        elif name == "rename":
            words = _words(args)
            for i in range(0, len(words) - 2, 3):
                if words[i + 1].upper() == "AS" and words[i] in columns:
                    columns[columns.index(words[i])] = words[i + 2].rstrip(",")
        elif name == "fields":
            for word in _words(args)[1:]:
                if word.rstrip(",") in columns:
                    columns.remove(word.rstrip(","))
    return columns


def check(fields, spl, has_rows=True):
    """Problems of a fixture's `fields` against what `spl` declares (empty list: fine)."""
    declared = declared_columns(spl)
    if declared is None:
        return []
    kind, columns = declared
    if kind == "exact" and list(fields) != columns:
        return ["fixture columns %s, the search outputs %s" % (list(fields), columns)]
    if kind == "prefix" and list(fields[:len(columns)]) != columns:
        return ["fixture columns %s, the search's first columns are %s" % (list(fields), columns)]
    if kind == "prefix" and has_rows and len(fields) <= len(columns):
        return ["fixture has only the columns %s; the search splits into more" % (list(fields),)]
    return []


_TOKEN = re.compile(r"\$([^$\s]+)\$")


def tokens_in(text):
    return _TOKEN.findall(text or "")
