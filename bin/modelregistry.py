#!/usr/bin/env python
"""| modelregistry: versions, aliases, promotion, rollback and history of DSDL models (see searchbnf.conf)."""

import json
import os
import sys

_BIN = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_BIN, os.path.join(_BIN, "lib")]

from splunklib.searchcommands import Configuration, GeneratingCommand, Option, dispatch, validators  # noqa: E402

from modelops.errors import ModelOpsError  # noqa: E402
from modelops.registry.actions import CAPABILITY, READ_ACTIONS, WRITE_ACTIONS, run_action  # noqa: E402
from modelops.registry.core import Registry  # noqa: E402
from modelops.registry.kvstore import KVStore  # noqa: E402
from modelops.splunk import command as spl  # noqa: E402
from modelops.splunk.rest import SplunkRest, current_capabilities  # noqa: E402
from modelops.values import finite_or_none  # noqa: E402

FIT_RUNS = ('search `modelops_index` sourcetype="dsdl:modelops" source="modelops:fit_run" '
            '_index_earliest=%d | fields _raw _indextime')  # inclusive: sync is idempotent


@Configuration(distributed=False)  # once, on the search head
class ModelRegistryCommand(spl.SafeMessages, GeneratingCommand):
    action = Option(default="list", validate=validators.Set(*(READ_ACTIONS + WRITE_ACTIONS)))
    model = Option(doc="Model family, e.g. Horno4_AE.")
    version = Option(doc="Version, e.g. v3.")
    alias = Option(doc="Alias, e.g. production.")
    status = Option(doc="Filter for action=list: active or archived.")
    dsdl_model = Option(doc="DSDL model name of the version (default <model>_<version>).")
    description = Option()
    tags = Option(doc="Comma-separated tags; with action=tag, -tag removes one.")
    reason = Option(doc="Why, recorded in the history.")
    preview = Option(default=False, validate=validators.Boolean(),
                     doc="With promote or rollback: show what would change, change nothing.")

    def generate(self):
        with spl.user_errors(self):
            rest = SplunkRest(self.service)
            # sync only records versions that fit_run events prove exist (and the scheduler runs it); the
            # KV store's own write permissions still apply to it.
            needs_capability = self.action in WRITE_ACTIONS and self.action != "sync"
            if needs_capability and CAPABILITY not in current_capabilities(rest):
                raise ModelOpsError("changing the registry needs the %s capability (role modelops_admin); "
                                    "reading it does not" % CAPABILITY)
            registry = Registry(KVStore(rest), actor=self._metadata.searchinfo.username)
            options = {name: getattr(self, name) for name in
                       ("model", "version", "alias", "status", "dsdl_model", "description", "tags", "reason",
                        "preview")}
            rows = run_action(registry, self.action, options, lambda since: self._fit_runs(rest, since),
                              warn=lambda text: spl.write_warning(self, "modelregistry: " + text))
            yield from spl.uniform(rows)

    @staticmethod
    def _fit_runs(rest, since):
        """Parsed fit_run events (raw text that is not JSON stays text: sync counts and skips it) and the
        newest _indextime seen, so the watermark moves past bad events too."""
        events, newest = [], since
        for row in rest.export(FIT_RUNS % int(since)):
            raw = row.get("_raw", "")
            try:
                events.append(json.loads(raw) if isinstance(raw, str) else raw)
            except ValueError:
                events.append(raw)
            indextime = finite_or_none(row.get("_indextime"))
            if indextime is not None:
                newest = max(newest, indextime)
        return events, newest


if __name__ == "__main__":
    dispatch(ModelRegistryCommand, sys.argv, sys.stdin, sys.stdout, __name__)
