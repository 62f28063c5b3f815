"""The model registry: versions of a model family, aliases that point at one version, and an
append-only history of every change. The verbs live here once; stores only keep documents.

Concurrency: every verb runs inside its store's ``transaction()``. On SQLite that is one
``BEGIN IMMEDIATE`` transaction, so a verb's reads and writes are atomic and the ``from_version`` of
each history entry is the alias's real previous value. The KV store has no transactions or
conditional writes: an alias is one document, so of two concurrent promotions the later write wins;
every change appends its own history entry under a fresh key, so no entry is ever lost and the
history shows both. ``rollback`` reads the history, not a "previous" field, so it always undoes the
last recorded move. ``on_change`` hears of a change only once its transaction has committed.
"""

import functools
import os
import threading
import time
from contextlib import contextmanager, nullcontext

from ..errors import ModelOpsError
from ..schema import ALIAS_MOVES, REGISTRY_ACTIONS, parse_model_name
from ..values import finite_or_none
from . import names

ACTIONS = REGISTRY_ACTIONS


def version_number(version: str) -> int:
    return int(version[1:])


def atomic(verb):
    """Run a verb as one store transaction; announce its history entries after the commit."""

    @functools.wraps(verb)
    def run(self, *args, **kwargs):
        with self._changing():
            return verb(self, *args, **kwargs)

    return run


class Registry:
    def __init__(self, store, actor=None, clock=time.time, on_change=None):
        self.store = store
        self.actor = actor or os.environ.get("USER") or "unknown"
        self.clock = clock
        self.on_change = on_change  # called with each history entry once it is committed
        self._local = threading.local()

    @contextmanager
    def _changing(self):
        outer = getattr(self._local, "pending", None) is None
        if outer:
            self._local.pending = []
        try:
            with getattr(self.store, "transaction", nullcontext)():
                yield
            entries = self._local.pending if outer else []
        finally:
            if outer:
                self._local.pending = None
        for entry in entries:
            self.on_change(entry)

    # --- reading -------------------------------------------------------------------------

    def get_version(self, family, version):
        return self.store.get_version(names.family(family), names.version(version))

    def _require_version(self, family, version):
        found = self.store.get_version(family, version)
        if found is None:
            raise ModelOpsError("model %s has no version %s; register it first" % (family, version))
        return found

    def aliases_by_version(self, family=None):
        found = {}
        for doc in self.store.list_aliases(family):
            found.setdefault((doc["family"], doc["version"]), []).append(doc["alias"])
        return found

    def list_versions(self, family=None, alias=None, status=None):
        """Versions with their aliases, newest family/version last."""
        if family is not None:
            names.family(family)
        if alias is not None:
            names.alias(alias)
        if status not in (None, "active", "archived"):
            raise ModelOpsError("status must be active or archived, not %r" % status)
        aliases = self.aliases_by_version(family)
        rows = []
        for doc in self.store.list_versions(family):
            tags = sorted(aliases.get((doc["family"], doc["version"]), []))
            if alias is not None and alias not in tags:
                continue
            if status is not None and doc.get("status") != status:
                continue
            rows.append(dict(doc, aliases=tags))
        return sorted(rows, key=lambda d: (d["family"], version_number(d["version"])))

    def resolve(self, family, alias):
        """The version document an alias points at."""
        family, alias = names.family(family), names.alias(alias)
        pointer = self.store.get_alias(family, alias)
        if pointer is None:
            raise ModelOpsError("model %s has no alias %s" % (family, alias))
        found = self.store.get_version(family, pointer["version"])
        if found is None:
            raise ModelOpsError("alias %s of %s points at %s, which is not registered" % (alias, family,
                                                                                         pointer["version"]))
        return found

    def history(self, family, alias=None):
        family = names.family(family)
        if alias is not None:
            alias = names.alias(alias)
        entries = self.store.list_history(family)
        if alias is not None:
            entries = [e for e in entries if e.get("alias") == alias]
        return sorted(entries, key=lambda e: (e["time"], e.get("seq", 0)))

    # --- changing ------------------------------------------------------------------------

    def _record(self, family, action, alias=None, from_version=None, to_version=None, reason=""):
        entry = {"family": family, "action": action, "alias": alias or "", "from_version": from_version or "",
                 "to_version": to_version or "", "actor": self.actor, "reason": reason or "", "time": self.clock()}
        self.store.append_history(entry)
        pending = getattr(self._local, "pending", None)
        if self.on_change is not None:
            if pending is None:
                self.on_change(entry)
            else:
                pending.append(entry)
        return entry

    @atomic
    def register(self, family, version, dsdl_model=None, description=None, tags=None, algo=None, params=None,
                 metrics=None, run_id=None, code_hash=None, container_image=None, created_at=None, created_by=None):
        """Add a version (``dsdl_model`` defaults to ``<family>_<version>``). Registering an existing
        version is an error unless it is the same DSDL model (then it is a no-op returning it)."""
        family, version = names.family(family), names.version(version)
        dsdl_model = names.dsdl_model(dsdl_model or "%s_%s" % (family, version))
        description = names.text(description, "description", 1000)
        tags = names.tags(tags)
        existing = self.store.get_version(family, version)
        if existing is not None:
            if existing.get("dsdl_model") == dsdl_model:
                return existing
            raise ModelOpsError("model %s already has version %s (DSDL model %s)" % (family, version,
                                                                                     existing.get("dsdl_model")))
        now = self.clock()
        doc = {"family": family, "version": version, "dsdl_model": dsdl_model, "created_at": created_at or now,
               "created_by": created_by or self.actor, "algo": algo or "", "params": params or {},
               "metrics": metrics or {}, "run_id": run_id or "", "code_hash": code_hash or "",
               "container_image": container_image or "", "status": "active", "tags": tags,
               "description": description, "updated_at": now}
        self.store.put_version(doc)
        self._record(family, "register", to_version=version, reason=description)
        return doc

    @atomic
    def promote(self, family, version, alias, reason=None):
        """Point ``alias`` at ``version`` (an active, registered version)."""
        family, version, alias = names.family(family), names.version(version), names.alias(alias)
        reason = names.text(reason, "reason", 500)
        current = self._promotable(family, version, alias)
        if current is not None and current["version"] == version:
            return {"family": family, "alias": alias, "version": version, "changed": False}
        return self._move(family, alias, current, version, "promote", reason)

    def promote_target(self, family, version, alias):
        """``(current, version)`` versions a ``promote`` would move between; raises what it would raise."""
        family, version, alias = names.family(family), names.version(version), names.alias(alias)
        current = self._promotable(family, version, alias)
        return current["version"] if current else "", version

    def _promotable(self, family, version, alias):
        """The alias document a promotion of ``version`` would replace, once the version may be promoted."""
        if self._require_version(family, version).get("status") == "archived":
            raise ModelOpsError("version %s of %s is archived; restore it before promoting it" % (version, family))
        return self.store.get_alias(family, alias)

    def _move(self, family, alias, current, version, action, reason):
        self.store.put_alias({"family": family, "alias": alias, "version": version, "updated_at": self.clock(),
                              "updated_by": self.actor})
        self._record(family, action, alias, current["version"] if current else None, version, reason)
        return {"family": family, "alias": alias, "version": version, "changed": True,
                "from_version": current["version"] if current else ""}

    def _alias_change(self, family, alias, reason):
        """Validated (family, alias, reason) and the alias document (None when the alias is not set)."""
        family, alias = names.family(family), names.alias(alias)
        reason = names.text(reason, "reason", 500)
        return family, alias, reason, self.store.get_alias(family, alias)

    @atomic
    def rollback(self, family, alias, reason=None):
        """Move ``alias`` back to the version it pointed at before its last move."""
        family, alias, reason, current = self._alias_change(family, alias, reason)
        previous = self._rollback_target(family, alias, current)
        return self._move(family, alias, current, previous, "rollback", reason)

    def rollback_target(self, family, alias):
        """``(current, previous)`` versions a ``rollback`` would move between; raises what it would raise."""
        family, alias, _, current = self._alias_change(family, alias, None)
        return current["version"] if current else "", self._rollback_target(family, alias, current)

    def _rollback_target(self, family, alias, current):
        if current is None:
            raise ModelOpsError("model %s has no alias %s to roll back" % (family, alias))
        moves = [e for e in self.history(family, alias) if e["action"] in ALIAS_MOVES]
        if not moves or not moves[-1]["from_version"]:
            raise ModelOpsError("alias %s of %s has no earlier version to roll back to" % (alias, family))
        previous = moves[-1]["from_version"]
        target = self._require_version(family, previous)
        if target.get("status") == "archived":
            raise ModelOpsError("alias %s of %s would roll back to %s, which is archived; restore it first"
                                % (alias, family, previous))
        return previous

    @atomic
    def delete_alias(self, family, alias, reason=None):
        family, alias, reason, current = self._alias_change(family, alias, reason)
        if current is None:
            raise ModelOpsError("model %s has no alias %s" % (family, alias))
        self.store.delete_alias(family, alias)
        self._record(family, "delete_alias", alias, current["version"], None, reason)
        return {"family": family, "alias": alias, "version": "", "changed": True,
                "from_version": current["version"]}

    @atomic
    def set_status(self, family, version, status, reason=None):
        """Archive (no alias may point at it) or restore a version."""
        family, version = names.family(family), names.version(version)
        reason = names.text(reason, "reason", 500)
        doc = self._require_version(family, version)
        if status == "archived":
            holders = [a["alias"] for a in self.store.list_aliases(family) if a["version"] == version]
            if holders:
                raise ModelOpsError("version %s of %s is behind alias %s; move the alias first"
                                    % (version, family, ", ".join(sorted(holders))))
        if doc.get("status") == status:
            return doc
        doc = dict(doc, status=status, updated_at=self.clock())
        self.store.put_version(doc)
        self._record(family, "archive" if status == "archived" else "restore", None, version, version, reason)
        return doc

    def archive(self, family, version, reason=None):
        return self.set_status(family, version, "archived", reason)

    def restore(self, family, version, reason=None):
        return self.set_status(family, version, "active", reason)

    @atomic
    def tag(self, family, version, tags, reason=None):
        """Add tags (``-tag`` removes one)."""
        family, version = names.family(family), names.version(version)
        reason = names.text(reason, "reason", 500)
        raw = tags if isinstance(tags, (list, tuple)) else str(tags or "").split(",")
        remove = names.tags([t.strip()[1:] for t in raw if t.strip().startswith("-")])
        add = names.tags([t for t in raw if not t.strip().startswith("-")])
        if not add and not remove:
            raise ModelOpsError("tags= must name at least one tag (prefix one with - to remove it)")
        doc = self._require_version(family, version)
        new = [t for t in doc.get("tags", []) if t not in remove] + [t for t in add if t not in doc.get("tags", [])]
        doc = dict(doc, tags=new, updated_at=self.clock())
        self.store.put_version(doc)
        self._record(family, "tag", None, version, version, reason or ",".join(new))
        return doc

    def sync(self, fit_runs, rejected=None):
        """Register every version seen in successful ``fit_run`` events (created by its first fit,
        described by its last); refresh the last fit's metrics of versions already known.
        Idempotent. A malformed event (not a JSON object, a name that is not a string, a
        ``started_at`` that is not a number, a version the registry holds under another DSDL model)
        is skipped and its reason appended to ``rejected``, so one bad event never stops a sync.
        Returns (registered, refreshed)."""
        rejected = [] if rejected is None else rejected
        registered = refreshed = 0
        latest, earliest = {}, {}
        for event in fit_runs:
            fit = _fit_run(event, rejected)
            if fit is None:
                continue
            key, started = fit
            if key not in latest or started >= latest[key][1]:
                latest[key] = (event, started)
            if key not in earliest or started < earliest[key][1]:
                earliest[key] = (event, started)
        for (family, version), (event, _) in sorted(latest.items()):
            existing = self.store.get_version(family, version)
            if existing is None:
                first, started = earliest[(family, version)]  # created by the first fit, described by the last
                try:
                    self.register(family, version, dsdl_model=event["model_name"], algo=_text(event, "algo"),
                                  params=_mapping(event, "params"), metrics=_mapping(event, "metrics"),
                                  run_id=_text(event, "run_id"), code_hash=_text(event, "code_hash"),
                                  container_image=_text(event, "container_image"), created_at=started or None,
                                  created_by=_text(first, "user"))
                except ModelOpsError as error:
                    rejected.append(str(error))
                    continue
                registered += 1
            elif existing.get("run_id") != _text(event, "run_id"):
                if existing.get("dsdl_model") != event["model_name"]:
                    rejected.append("model %s already has version %s (DSDL model %s)"
                                    % (family, version, existing.get("dsdl_model")))
                    continue
                self.store.put_version(dict(existing, metrics=_mapping(event, "metrics"),
                                            run_id=_text(event, "run_id"), params=_mapping(event, "params"),
                                            code_hash=_text(event, "code_hash"), updated_at=self.clock()))
                refreshed += 1
        return registered, refreshed


def _text(event, field):
    value = event.get(field)
    return value if isinstance(value, str) else ""


def _mapping(event, field):
    value = event.get(field)
    return value if isinstance(value, dict) else {}


def _fit_run(event, rejected):
    """``((family, version), started_at)`` of a successful fit_run event, ``None`` when it is not one
    (another event type or status: silently) or when it is malformed (its reason appended)."""
    if not isinstance(event, dict):
        rejected.append("raw text is not a JSON object")
        return None
    if event.get("event_type", "fit_run") != "fit_run" or event.get("status", "ok") != "ok":
        return None
    name = event.get("model_name")
    if not isinstance(name, str) or not name:
        rejected.append("model_name is not a non-empty string")
        return None
    family, version = parse_model_name(name)
    family = event.get("model_family") or family
    version = event.get("model_version") or version
    started = event.get("started_at")
    if started in (None, ""):
        started = 0.0
    else:
        started = finite_or_none(started) if not isinstance(started, bool) else None
        if started is None:
            rejected.append("started_at is not a number")
            return None
    try:
        key = (names.family(family), names.version(version))
        names.dsdl_model(name)
    except ModelOpsError as error:
        rejected.append(str(error))  # a name the registry cannot hold
        return None
    return key, started
