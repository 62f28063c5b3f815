"""A small structural check for the SPL the app ships (no SPL parser exists on the registries).

What it checks: balanced double quotes, parentheses and brackets outside quotes; backtick macros
closed; every command (after a top-level ``|`` or at the start of a subsearch) is a known Splunk
command or one of ours; every macro used exists with that many arguments; every lookup named by
``lookup``/``inputlookup``/``outputlookup`` is defined. What it cannot see: argument syntax of a
command, eval expressions, field names, whether a search returns anything. Those need a real
Splunk (``search/parser`` in the integration tests).
"""

import re

SPLUNK_COMMANDS = {
    "abstract", "accum", "addcoltotals", "addinfo", "addtotals", "analyzefields", "anomalies", "anomalydetection",
    "append", "appendcols", "appendpipe", "apply", "arules", "associate", "autoregress", "bin", "bucket",
    "bucketdir", "chart", "cluster", "collect", "concurrency", "contingency", "convert", "correlate", "datamodel",
    "dbinspect", "dedup", "delta", "diff", "erex", "eval", "eventcount", "eventstats", "extract", "fieldformat",
    "fields", "fieldsummary", "filldown", "fillnull", "findtypes", "fit", "foreach", "format", "from", "gauge",
    "geom", "head", "highlight", "history", "iconify", "inputcsv", "inputlookup", "iplocation", "join", "kmeans",
    "kvform", "loadjob", "localize", "localop", "lookup", "makecontinuous", "makemv", "makeresults", "map",
    "metadata", "metasearch", "mstats", "multikv", "multisearch", "mvcombine", "mvexpand", "nomv", "outlier",
    "outputcsv", "outputlookup", "predict", "rangemap", "rare", "regex", "reltime", "rename", "replace", "rest",
    "return", "reverse", "rex", "rtorder", "savedsearch", "score", "script", "search", "searchtxn", "selfjoin",
    "sendemail", "set", "sichart", "sirare", "sistats", "sitimechart", "sitop", "sort", "spath", "stats", "strcat",
    "streamstats", "summary", "table", "tags", "tail", "timechart", "timewrap", "top", "transaction", "transpose",
    "trendline", "tscollect", "tstats", "typeahead", "typer", "union", "uniq", "untable", "where", "x11",
    "xmlkv", "xmlunescape", "xpath", "xyseries",
}
OUR_COMMANDS = {"modelcompare", "modeldrift", "modelestimate", "modelopshec", "modelquality", "modelregistry"}
_MACRO = re.compile(r"`([^`(]+)(?:\(([^`]*)\))?`")


def _strip_quotes(spl):
    """(text with quoted strings blanked, problems)."""
    out, problems, i, quoted = [], [], 0, False
    while i < len(spl):
        ch = spl[i]
        if quoted:
            if ch == "\\" and i + 1 < len(spl):
                out.append("  ")
                i += 2
                continue
            if ch == '"':
                quoted = False
                out.append('"')
            else:
                out.append(" ")
        else:
            if ch == '"':
                quoted = True
            out.append(ch)
        i += 1
    if quoted:
        problems.append("unbalanced double quote")
    return "".join(out), problems


def macro_calls(spl):
    """[(name, number of arguments)] of the backtick macros in ``spl``."""
    calls = []
    for name, args in _MACRO.findall(spl):
        calls.append((name.strip(), 0 if args is None or args == "" and "(" not in name else _count_args(args)))
    return calls


def _count_args(args):
    if args.strip() == "":
        return 0
    depth, count, quoted = 0, 1, False
    for ch in args:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "([":
            depth += 1
        elif not quoted and ch in ")]":
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            count += 1
    return count


def check(spl, macros, lookups, fragment=False):
    """Problems of one SPL string (empty when it passes). ``macros``: {name: arity}; ``lookups``: names.
    ``fragment``: a macro body, whose first token need not be a command."""
    problems = []
    blanked, found = _strip_quotes(spl)
    problems += found
    if blanked.count("`") % 2:
        problems.append("unclosed backtick macro")
    for name, arity in macro_calls(spl):
        if macros.get(name) is None and macros.get("%s(%d)" % (name, arity)) is None:
            problems.append("unknown macro `%s` with %d argument(s)" % (name, arity))
    # Macros are expanded by Splunk before parsing; treat a macro call as an opaque token here.
    text = _MACRO.sub(" MACRO ", blanked)
    depth = {"(": 0, "[": 0}
    for ch in text:
        if ch in "([":
            depth[ch] += 1
        elif ch == ")":
            depth["("] -= 1
        elif ch == "]":
            depth["["] -= 1
        if depth["("] < 0 or depth["["] < 0:
            problems.append("closing bracket without an opening one")
            break
    if depth["("] > 0 or depth["["] > 0:
        problems.append("unbalanced brackets")
    for segment, first_of_search in _segments(text):
        words = segment.split()
        if not words:
            problems.append("empty command between pipes")
            continue
        command = words[0].lower()
        if first_of_search and (fragment or command not in SPLUNK_COMMANDS | OUR_COMMANDS):
            continue  # an implicit "search" with its terms, or a macro body starting mid-pipeline
        if command == "macro":
            continue
        if command not in SPLUNK_COMMANDS and command not in OUR_COMMANDS:
            problems.append("unknown command %r" % command)
        if command in ("lookup", "inputlookup", "outputlookup"):
            names = [w for w in words[1:] if "=" not in w]
            if names and names[0] not in lookups:
                problems.append("unknown lookup %r" % names[0])
    return problems


def _segments(text):
    """Pipeline segments, descending into subsearches: (segment text, is the first of its search)."""
    out = []
    stack = [[]]  # current segments per nesting level, as lists of characters
    firsts = [True]
    for ch in text:
        if ch == "[":
            stack.append([])
            firsts.append(True)
        elif ch == "]" and len(stack) > 1:
            segment = "".join(stack.pop())
            out.append((segment, firsts.pop()))
            stack[-1].append(" SUBSEARCH ")
        elif ch == "|":
            segment = "".join(stack[-1])
            if segment.strip() or not firsts[-1]:
                out.append((segment, firsts[-1]))
            stack[-1] = []
            firsts[-1] = False
        else:
            stack[-1].append(ch)
    for level in range(len(stack)):
        segment = "".join(stack[level])
        if segment.strip():
            out.append((segment, firsts[level]))
    return out
