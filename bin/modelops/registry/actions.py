"""``| modelregistry action=...`` as rows: which options each action needs, and what it returns.

Kept apart from the command so the same table drives the SPL command, its docs and its tests.
"""

import json
import time

from ..errors import ModelOpsError
from ..schema import REGISTRY_ACTIONS, REGISTRY_READS
from .core import Registry

CAPABILITY = "edit_modelops_registry"
READ_ACTIONS = REGISTRY_READS
WRITE_ACTIONS = REGISTRY_ACTIONS + ("sync",)
NEEDS = {
    "list": (), "history": ("model",), "resolve": ("model", "alias"),
    "register": ("model", "version"), "promote": ("model", "version", "alias"), "rollback": ("model", "alias"),
    "delete_alias": ("model", "alias"), "archive": ("model", "version"), "restore": ("model", "version"),
    "tag": ("model", "version", "tags"), "sync": (),
}
SYNC_STATE = "sync"


def check_options(action, options):
    if action not in NEEDS:
        raise ModelOpsError("action must be one of %s" % ", ".join(READ_ACTIONS + WRITE_ACTIONS))
    missing = [name for name in NEEDS[action] if not options.get(name)]
    if missing:
        raise ModelOpsError("action=%s needs %s" % (action, ", ".join("%s=" % m for m in missing)))


def _when(epoch):
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(epoch)))
    except (TypeError, ValueError):
        return ""


def version_row(doc, aliases=None):
    return {"model": doc["family"], "version": doc["version"], "dsdl_model": doc.get("dsdl_model", ""),
            "aliases": sorted(aliases if aliases is not None else doc.get("aliases", [])),
            "status": doc.get("status", ""), "created_at": doc.get("created_at", ""),
            "created": _when(doc.get("created_at")), "created_by": doc.get("created_by", ""),
            "algo": doc.get("algo", ""), "run_id": doc.get("run_id", ""), "tags": list(doc.get("tags", [])),
            "description": doc.get("description", ""), "metrics": json.dumps(doc.get("metrics") or {}, sort_keys=True),
            "params": json.dumps(doc.get("params") or {}, sort_keys=True)}


def history_row(entry):
    return {"model": entry["family"], "time": entry["time"], "when": _when(entry["time"]), "action": entry["action"],
            "alias": entry.get("alias", ""), "from_version": entry.get("from_version", ""),
            "to_version": entry.get("to_version", ""), "actor": entry.get("actor", ""),
            "reason": entry.get("reason", "")}


def change_row(action, result, reg: Registry, family):
    if "alias" in result:
        return {"model": family, "action": action, "alias": result["alias"], "version": result["version"],
                "from_version": result.get("from_version", ""), "changed": int(result.get("changed", True))}
    return dict(version_row(result, _aliases_of(reg, family, result["version"])), action=action)


def _aliases_of(reg, family, version):
    return reg.aliases_by_version(family).get((family, version), [])


PREVIEWS = ("promote", "rollback")


def preview_row(reg: Registry, action, model, version, alias):
    """What a promote or rollback would do, checked as the real one checks, with nothing written (the
    dashboards' links open this, so a click never changes production by itself)."""
    if action not in PREVIEWS:
        raise ModelOpsError("preview=true works with action=%s" % " or action=".join(PREVIEWS))
    if action == "promote":
        current, target = reg.promote_target(model, version, alias)
    else:
        current, target = reg.rollback_target(model, alias)
    return {"model": model, "action": action, "alias": alias, "version": target, "from_version": current,
            "changed": 0, "preview": 1,
            "message": "preview: nothing changed; run it again without preview=true to %s %s from %s to %s"
                       % (action, alias, current or "(unset)", target)}


def run_action(reg: Registry, action, options, fetch_fit_runs=None, warn=None):
    """Rows for one action. ``fetch_fit_runs(since_indextime)`` -> (events, newest_indextime) for sync;
    ``warn(text)`` hears the one warning that counts the fit_run events sync skipped."""
    check_options(action, options)
    model, version, alias = options.get("model"), options.get("version"), options.get("alias")
    reason = options.get("reason")
    if options.get("preview"):
        return [preview_row(reg, action, model, version, alias)]
    if action == "list":
        return [version_row(doc) for doc in reg.list_versions(model, alias, options.get("status"))]
    if action == "history":
        return [history_row(e) for e in reg.history(model, alias)]
    if action == "resolve":
        doc = reg.resolve(model, alias)
        return [dict(version_row(doc, _aliases_of(reg, doc["family"], doc["version"])), alias=alias)]
    if action == "register":
        doc = reg.register(model, version, dsdl_model=options.get("dsdl_model"),
                           description=options.get("description"), tags=options.get("tags"))
        return [change_row("register", doc, reg, doc["family"])]
    if action == "promote":
        return [change_row("promote", reg.promote(model, version, alias, reason), reg, model)]
    if action == "rollback":
        return [change_row("rollback", reg.rollback(model, alias, reason), reg, model)]
    if action == "delete_alias":
        return [change_row("delete_alias", reg.delete_alias(model, alias, reason), reg, model)]
    if action in ("archive", "restore"):
        doc = getattr(reg, action)(model, version, reason)
        return [change_row(action, doc, reg, doc["family"])]
    if action == "tag":
        doc = reg.tag(model, version, options.get("tags"), reason)
        return [change_row("tag", doc, reg, doc["family"])]
    # sync
    if fetch_fit_runs is None:
        raise ModelOpsError("action=sync needs access to the ml_metrics index")
    state = reg.store.get_state(SYNC_STATE) or {}
    since = float(state.get("last_indextime", 0))
    events, newest = fetch_fit_runs(since)
    rejected = []
    registered, refreshed = reg.sync(events, rejected)
    reg.store.put_state(SYNC_STATE, {"last_indextime": max(since, newest), "synced_at": reg.clock()})
    if rejected and warn is not None:
        warn(skipped_warning(rejected))
    return [{"action": "sync", "fit_runs": len(events), "registered": registered, "refreshed": refreshed,
             "skipped": len(rejected), "since_indextime": since, "until_indextime": max(since, newest)}]


def skipped_warning(rejected) -> str:
    """One sentence for every fit_run event a sync skipped: how many, and the commonest reasons."""
    counts = {}
    for reason in rejected:
        counts[reason] = counts.get(reason, 0) + 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return "sync skipped %d malformed fit_run event%s (%s)%s" % (
        len(rejected), "" if len(rejected) == 1 else "s", "; ".join("%d: %s" % (n, r) for r, n in top),
        "; and other reasons" if len(counts) > 3 else "")
