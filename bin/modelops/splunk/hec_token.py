"""Creating the app's HEC token through splunkd's REST API, idempotently.

The token is created once with index ``ml_metrics``, allowed indexes ``ml_metrics``, sourcetype
``dsdl:modelops`` and indexer acknowledgement on; its value is shown only in the answer that
created it. ``rest`` is any object with ``get(path, **query)`` and ``post(path, **form)`` returning
``(status, parsed JSON)`` (see ``spl.SplunkRest``), so this logic is tested without Splunk.
"""

import re
from urllib.parse import quote

from ..errors import ModelOpsError
from ..schema import APP, INDEX, SOURCETYPE
from ..values import truthy

HEC_INPUTS = "/servicesNS/nobody/splunk_httpinput/data/inputs/http"
HEC_GLOBAL = "/services/data/inputs/http/http"
DEFAULT_NAME = APP
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
SETTINGS = {"index": INDEX, "indexes": INDEX, "sourcetype": SOURCETYPE, "useACK": "1"}


def _denied(status):
    if status in (401, 403):
        return ModelOpsError("managing HEC tokens needs the edit_token_http capability (admin or sc_admin); "
                             "ask a Splunk admin to run this")
    if status == 404:
        return ModelOpsError("this Splunk has no HEC inputs endpoint (Splunk Cloud: create the token with ACS, "
                             "see the app's README)")
    return None


def _entry(payload):
    entries = (payload or {}).get("entry") or []
    return entries[0].get("content", {}) if entries else None


def _truthy_int(value):
    """splunkd answers booleans as true/false, 1/0 or "1"/"0" depending on the endpoint."""
    return int(truthy(value))


def _row(name, status, content, hec_enabled, token=""):
    content = content or {}
    return {"name": name, "status": status, "token": token, "index": content.get("index", ""),
            "indexes": ",".join(content.get("indexes") or []) if isinstance(content.get("indexes"), list)
            else content.get("indexes", ""), "sourcetype": content.get("sourcetype", ""),
            "useACK": _truthy_int(content.get("useACK", 0)) if content else "",
            "disabled": _truthy_int(content.get("disabled", 0)) if content else "",
            "hec_enabled": int(hec_enabled),
            "message": _message(status, hec_enabled)}


def _message(status, hec_enabled):
    parts = {"created": "token created; copy it now, it is not shown again by this command",
             "exists": "token exists; its value is not shown again (Settings > Data inputs > HTTP Event Collector)",
             "missing": "no token yet; run | modelopshec action=create"}[status]
    if not hec_enabled:
        parts += "; HEC is disabled globally: enable it in Settings > Data inputs > HTTP Event Collector > " \
                 "Global Settings"
    return parts


def check_name(name):
    if not isinstance(name, str) or not _NAME.match(name):
        raise ModelOpsError("the token name must be 1-100 letters, digits, '_', '.' or '-', not %r" % name)
    return name


def hec_enabled(rest) -> bool:
    status, payload = rest.get(HEC_GLOBAL)
    error = _denied(status)
    if error:
        raise error
    content = _entry(payload) or {}
    return status == 200 and not _truthy_int(content.get("disabled", "0"))


def token_status(rest, name=DEFAULT_NAME) -> dict:
    check_name(name)
    enabled = hec_enabled(rest)
    status, payload = rest.get("%s/%s" % (HEC_INPUTS, quote("http://" + name, safe="")))
    if status == 404:
        return _row(name, "missing", None, enabled)
    error = _denied(status)
    if error or status != 200:
        raise error or ModelOpsError("splunkd answered HTTP %d when reading the HEC token" % status)
    return _row(name, "exists", _entry(payload), enabled)


def ensure_token(rest, name=DEFAULT_NAME) -> dict:
    """Create the token unless it exists; the row carries the token value only when it was created."""
    current = token_status(rest, name)
    if current["status"] == "exists":
        return current
    status, payload = rest.post(HEC_INPUTS, name=name, **SETTINGS)
    if status == 409:  # created concurrently by someone else: still idempotent
        return token_status(rest, name)
    error = _denied(status)
    if error or status not in (200, 201):
        raise error or ModelOpsError("splunkd refused to create the HEC token (HTTP %d)" % status)
    content = _entry(payload) or {}
    return _row(name, "created", content, current["hec_enabled"], token=content.get("token", ""))
