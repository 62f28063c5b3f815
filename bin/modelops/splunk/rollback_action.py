"""The ``modelops_rollback`` alert action: roll an alias back, for every model family in the alert's
results, exactly like ``| modelregistry action=rollback``, with guard rails.

splunkd runs ``bin/modelops_rollback.py --execute`` with a JSON payload on stdin (``session_key``,
``server_uri``, ``owner``, ``search_name``, ``sid``, ``results_file`` (gzipped CSV), ``configuration``).
Guard rails: the owner's session must hold ``edit_modelops_registry``; an alias with no earlier
version is left alone; one automatic rollback per family and alias within ``cooldown_hours``;
``dry_run=1`` only logs. Every decision is one line on stderr with a level (splunkd puts it in
``_internal``, sourcetype splunkd, component sendmodalert). Each change is recorded in the registry
history (actor: the owner; reason: the alert and its sid) and sent to the ml_metrics index as a
``registry_change`` event through splunkd's ``receivers/simple`` endpoint.
"""

import csv
import gzip
import io
import json
import time

from ..errors import ModelOpsError
from ..registry import names
from ..registry.actions import CAPABILITY
from ..registry.core import Registry
from ..registry.kvstore import KVStore
from ..schema import INDEX, SCHEMA_VERSION, SOURCETYPE, new_event_id, validate_event
from ..values import parse_bool
from .command import one_line
from .rest import current_capabilities

NAME = "modelops_rollback"
REASON_PREFIX = "automatic rollback by alert "
DEFAULTS = {"model_field": "model_family", "alias": "production", "cooldown_hours": "24", "dry_run": "0"}
MAX_FAMILIES = 100  # one alert rolls back at most this many families; the rest are refused in the log


class Log:
    """One line per decision on stderr, ``LEVEL modelops_rollback - text`` (what splunkd indexes)."""

    def __init__(self, stream):
        self.stream = stream
        self.lines = []

    def __call__(self, level, text):
        line = "%s %s - %s" % (level, NAME, one_line(text))
        self.lines.append(line)
        self.stream.write(line + "\n")
        self.stream.flush()


def options(configuration):
    config = dict(DEFAULTS, **{k: v for k, v in (configuration or {}).items() if v not in (None, "")})
    try:
        cooldown = float(config["cooldown_hours"])
    except (TypeError, ValueError):
        raise ModelOpsError("param.cooldown_hours must be a number of hours, not %r"
                            % config["cooldown_hours"]) from None
    if not cooldown >= 0 or cooldown == float("inf"):
        raise ModelOpsError("param.cooldown_hours must be a finite number of hours of at least 0")
    try:
        dry_run = parse_bool(config["dry_run"])
    except ValueError:
        raise ModelOpsError("param.dry_run must be 1 or 0, not %r" % config["dry_run"]) from None
    return str(config["model_field"]).strip(), names.alias(str(config["alias"]).strip()), cooldown, dry_run


def families(results_file, field):
    """Distinct non-empty values of ``field`` in the gzipped CSV results, in order of appearance."""
    try:
        with gzip.open(results_file, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if field not in (reader.fieldnames or []):
                raise ModelOpsError("the alert's results have no field %r (param.model_field)" % field)
            found = []
            for row in reader:
                for value in _values(row.get(field)):
                    if value not in found:
                        found.append(value)
            return found
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as error:
        raise ModelOpsError("cannot read the alert's results file: %s" % one_line(error)) from None


def _values(cell):
    """A CSV cell's values (a multivalue cell arrives one value per line)."""
    return [v.strip() for v in (cell or "").splitlines() if v.strip()]


def registry_change_event(entry, host=""):
    version = entry["to_version"] or entry["from_version"]
    event = {"schema_version": SCHEMA_VERSION, "event_type": "registry_change", "event_id": new_event_id(),
             "model_name": "%s_%s" % (entry["family"], version), "model_family": entry["family"],
             "model_version": version, "run_id": new_event_id(), "action": entry["action"],
             "alias": entry["alias"] or None, "from_version": entry["from_version"] or None,
             "to_version": entry["to_version"] or None, "actor": entry["actor"], "reason": entry["reason"] or None,
             "user": entry["actor"], "host": host}
    problems = validate_event(event)
    if problems:
        raise ModelOpsError("registry_change event is invalid: %s" % "; ".join(problems))
    return event


def send_event(rest, event, host, log):
    """Index the event in ml_metrics through splunkd (needs the owner's role to have edit_tcp)."""
    status, _ = rest.post_raw("/services/receivers/simple", json.dumps(event, sort_keys=True), index=INDEX,
                              sourcetype=SOURCETYPE, source="modelops:registry_change", host=host or "splunk")
    if status >= 300:
        log("WARN", "registry_change event for %s alias %s not indexed in %s (HTTP %d); the registry history "
                    "holds the record" % (event["model_family"], event["alias"], INDEX, status))
    else:
        log("INFO", "registry_change event for %s alias %s sent to index %s"
            % (event["model_family"], event["alias"], INDEX))


def _recent_automatic(registry, family, alias, since):
    for entry in reversed(registry.history(family, alias)):
        if entry["action"] == "rollback" and str(entry.get("reason", "")).startswith(REASON_PREFIX):
            return entry if float(entry["time"]) >= since else None
    return None


def run(payload, log, make_rest, clock=time.time) -> int:
    """Handle one payload; returns the exit status (0: every family handled, 1: something failed)."""
    owner, search, sid = payload.get("owner") or "", payload.get("search_name") or "", payload.get("sid") or ""
    try:
        field, alias, cooldown, dry_run = options(payload.get("configuration"))
        rest = make_rest(payload.get("server_uri"), payload.get("session_key"))
        if not owner:
            raise ModelOpsError("the alert payload names no owner")
        if CAPABILITY not in current_capabilities(rest):
            log("ERROR", "refused: alert %r (sid %s) belongs to %s, who lacks the %s capability; nothing changed"
                % (search, sid, owner, CAPABILITY))
            return 1
        found = families(payload.get("results_file"), field)
    except ModelOpsError as error:
        log("ERROR", "alert %r (sid %s): %s; nothing changed" % (search, sid, error))
        return 1
    if not found:
        log("INFO", "alert %r (sid %s): no %s in the results; nothing to roll back" % (search, sid, field))
        return 0
    if len(found) > MAX_FAMILIES:
        log("ERROR", "alert %r (sid %s): %d families in the results, at most %d are rolled back per alert; "
                     "the rest are left alone" % (search, sid, len(found), MAX_FAMILIES))
    host = payload.get("server_host") or ""
    registry = Registry(KVStore(rest), actor=owner, clock=clock)
    reason = ("%s%r sid %s" % (REASON_PREFIX, search, sid))[:500]
    failed = len(found) > MAX_FAMILIES
    for family in found[:MAX_FAMILIES]:
        try:
            failed |= _one(registry, rest, family, alias, reason, cooldown, dry_run, clock, host, log)
        except ModelOpsError as error:
            log("ERROR", "%s alias %s: %s; nothing changed" % (family, alias, error))
            failed = True
    return 1 if failed else 0


def _one(registry, rest, family, alias, reason, cooldown, dry_run, clock, host, log) -> bool:
    """Roll one family back (or say why not). True when it failed."""
    try:
        current, previous = registry.rollback_target(family, alias)
    except ModelOpsError as error:  # no such alias, no earlier version, archived target: no change
        log("WARN", "%s alias %s: no change: %s" % (family, alias, error))
        return False
    recent = _recent_automatic(registry, family, alias, clock() - cooldown * 3600)
    if recent is not None:
        log("WARN", "%s alias %s: no change: cooldown, an automatic rollback %s -> %s happened %.1f h ago "
                    "(param.cooldown_hours=%g)" % (family, alias, recent["from_version"], recent["to_version"],
                                                   (clock() - float(recent["time"])) / 3600, cooldown))
        return False
    if dry_run:
        log("INFO", "%s alias %s: dry run: would roll back %s -> %s (%s)" % (family, alias, current, previous,
                                                                            reason))
        return False
    changes = []
    registry.on_change = changes.append
    changed = registry.rollback(family, alias, reason)
    log("INFO", "%s alias %s: rolled back %s -> %s by %s (%s)" % (family, alias, changed["from_version"],
                                                                 changed["version"], registry.actor, reason))
    for entry in changes:
        try:
            send_event(rest, registry_change_event(entry, host), host, log)
        except ModelOpsError as error:
            log("WARN", "%s alias %s: registry_change event not sent: %s" % (family, alias, error))
    return False


def main(stdin, stderr, make_rest) -> int:
    log = Log(stderr)
    try:
        payload = json.load(io.TextIOWrapper(stdin.buffer, encoding="utf-8") if hasattr(stdin, "buffer") else stdin)
    except ValueError as error:
        log("ERROR", "the payload on stdin is not JSON: %s" % one_line(error))
        return 2
    if not isinstance(payload, dict):
        log("ERROR", "the payload on stdin is not a JSON object")
        return 2
    return run(payload, log, make_rest)
