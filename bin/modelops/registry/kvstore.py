"""The registry in Splunk's KV store, through splunkd's REST API.

Collections (``default/collections.conf``): ``modelops_versions``, ``modelops_aliases``,
``modelops_history``, ``modelops_state``. Queries are built with ``json.dumps`` from validated
names, so a name can never become query syntax. Reads page with ``limit``/``skip`` past the 50,000
row cap of one query; writes go through ``batch_save`` (upsert). History entries are inserted under
a fresh time-ordered ``_key`` and never updated.
"""

import json
import os
import time
from contextlib import nullcontext
from urllib.parse import quote

from ..errors import ModelOpsError
from ..schema import APP

VERSIONS, ALIASES, HISTORY, STATE = "modelops_versions", "modelops_aliases", "modelops_history", "modelops_state"
PAGE = 50000


class KVStore:
    def __init__(self, rest, app=APP, page=PAGE):
        self.rest = rest
        self.base = "/servicesNS/nobody/%s/storage/collections/data" % app
        self.page = page

    def transaction(self):
        """A no-op: the KV store has no transactions or conditional writes (see ``core``)."""
        return nullcontext()

    def _path(self, collection, key=None):
        path = "%s/%s" % (self.base, collection)
        return path if key is None else "%s/%s" % (path, quote(key, safe=""))

    def _check(self, status, payload, what):
        if status in (401, 403):
            raise ModelOpsError("the KV store refused to %s (HTTP %d): your role cannot change the registry"
                                % (what, status))
        if status >= 400:
            text = "; ".join(m.get("text", "") for m in (payload or {}).get("messages", []) if isinstance(m, dict))
            raise ModelOpsError("the KV store could not %s (HTTP %d%s)" % (what, status, ": " + text if text else ""))

    def _get(self, collection, key):
        status, payload = self.rest.get(self._path(collection, key))
        if status == 404:
            return None
        self._check(status, payload, "read %s" % collection)
        return _strip(payload)

    def _query(self, collection, query=None, sort=None):
        docs, skip = [], 0
        while True:
            params = {"limit": self.page, "skip": skip}
            if query:
                params["query"] = json.dumps(query)
            if sort:
                params["sort"] = sort
            status, payload = self.rest.get(self._path(collection), **params)
            self._check(status, payload, "read %s" % collection)
            batch = payload if isinstance(payload, list) else []
            docs.extend(_strip(d) for d in batch)
            if len(batch) < self.page:
                return docs
            skip += len(batch)

    def _save(self, collection, docs):
        for start in range(0, len(docs), 1000):
            status, payload = self.rest.post_json(self._path(collection) + "/batch_save", docs[start:start + 1000])
            self._check(status, payload, "write %s" % collection)

    def get_version(self, family, version):
        return self._get(VERSIONS, "%s:%s" % (family, version))

    def put_version(self, doc):
        self._save(VERSIONS, [dict(doc, _key="%s:%s" % (doc["family"], doc["version"]))])

    def list_versions(self, family=None):
        return self._query(VERSIONS, {"family": family} if family is not None else None)

    def get_alias(self, family, alias):
        return self._get(ALIASES, "%s:%s" % (family, alias))

    def put_alias(self, doc):
        self._save(ALIASES, [dict(doc, _key="%s:%s" % (doc["family"], doc["alias"]))])

    def delete_alias(self, family, alias):
        status, payload = self.rest.delete(self._path(ALIASES, "%s:%s" % (family, alias)))
        if status != 404:
            self._check(status, payload, "delete an alias")

    def list_aliases(self, family=None):
        return self._query(ALIASES, {"family": family} if family is not None else None)

    def append_history(self, entry):
        key = "%020d-%s" % (time.time_ns(), os.urandom(4).hex())
        status, payload = self.rest.post_json(self._path(HISTORY), dict(entry, _key=key, seq=key))
        self._check(status, payload, "write the registry history")

    def list_history(self, family):
        return self._query(HISTORY, {"family": family}, sort="_key")

    def get_state(self, key):
        return self._get(STATE, key)

    def put_state(self, key, doc):
        self._save(STATE, [dict(doc, _key=key)])


def _strip(doc):
    if not isinstance(doc, dict):
        return doc
    return {k: v for k, v in doc.items() if k not in ("_key", "_user")}
