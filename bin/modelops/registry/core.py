"""The model registry: versions of a model family, aliases that point at one version, and an
append-only history of every change. The verbs live here once; stores only keep documents.

Concurrency (the KV store has no conditional writes): an alias is one document, so of two
concurrent promotions the later write wins; every change appends its own history entry under a
fresh key, so no entry is ever lost and the history shows both. ``rollback`` reads the history, not
a "previous" field, so it always undoes the last recorded move.
"""

import os
import time

from ..errors import ModelOpsError
from ..schema import ALIAS_MOVES, REGISTRY_ACTIONS, parse_model_name
from . import names

ACTIONS = REGISTRY_ACTIONS


def version_number(version: str) -> int:
    return int(version[1:])


class Registry:
    def __init__(self, store, actor=None, clock=time.time, on_change=None):
        self.store = store
        self.actor = actor or os.environ.get("USER") or "unknown"
        self.clock = clock
        self.on_change = on_change  # called with each history entry once it is stored

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
        if self.on_change is not None:
            self.on_change(entry)
        return entry

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

    def promote(self, family, version, alias, reason=None):
        """Point ``alias`` at ``version`` (an active, registered version)."""
        family, version, alias = names.family(family), names.version(version), names.alias(alias)
        reason = names.text(reason, "reason", 500)
        target = self._require_version(family, version)
        if target.get("status") == "archived":
            raise ModelOpsError("version %s of %s is archived; restore it before promoting it" % (version, family))
        current = self.store.get_alias(family, alias)
        if current is not None and current["version"] == version:
            return {"family": family, "alias": alias, "version": version, "changed": False}
        return self._move(family, alias, current, version, "promote", reason)

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

    def rollback(self, family, alias, reason=None):
        """Move ``alias`` back to the version it pointed at before its last move."""
        family, alias, reason, current = self._alias_change(family, alias, reason)
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
        return self._move(family, alias, current, previous, "rollback", reason)

    def delete_alias(self, family, alias, reason=None):
        family, alias, reason, current = self._alias_change(family, alias, reason)
        if current is None:
            raise ModelOpsError("model %s has no alias %s" % (family, alias))
        self.store.delete_alias(family, alias)
        self._record(family, "delete_alias", alias, current["version"], None, reason)
        return {"family": family, "alias": alias, "version": "", "changed": True,
                "from_version": current["version"]}

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

    def sync(self, fit_runs):
        """Register every version seen in successful ``fit_run`` events (created by its first fit,
        described by its last); refresh the last fit's metrics of versions already known.
        Idempotent. Returns (registered, refreshed)."""
        registered = refreshed = 0
        latest, earliest = {}, {}
        for event in fit_runs:
            if event.get("event_type", "fit_run") != "fit_run" or event.get("status", "ok") != "ok":
                continue
            name = event.get("model_name")
            if not name:
                continue
            family, version = parse_model_name(name)
            family = event.get("model_family") or family
            version = event.get("model_version") or version
            try:
                key = (names.family(family), names.version(version))
                names.dsdl_model(name)
            except ModelOpsError:
                continue  # a name the registry cannot hold is skipped, not fatal for the sync
            started = event.get("started_at") or 0
            if key not in latest or started >= (latest[key].get("started_at") or 0):
                latest[key] = event
            if key not in earliest or started < (earliest[key].get("started_at") or 0):
                earliest[key] = event
        for (family, version), event in sorted(latest.items()):
            existing = self.store.get_version(family, version)
            if existing is None:
                first = earliest[(family, version)]  # created by the first fit, described by the last
                self.register(family, version, dsdl_model=event["model_name"], algo=event.get("algo"),
                              params=event.get("params"), metrics=event.get("metrics"), run_id=event.get("run_id"),
                              code_hash=event.get("code_hash"), container_image=event.get("container_image"),
                              created_at=first.get("started_at"), created_by=first.get("user"))
                registered += 1
            elif existing.get("run_id") != (event.get("run_id") or ""):
                self.store.put_version(dict(existing, metrics=event.get("metrics") or {},
                                            run_id=event.get("run_id") or "", params=event.get("params") or {},
                                            code_hash=event.get("code_hash") or "", updated_at=self.clock()))
                refreshed += 1
        return registered, refreshed
