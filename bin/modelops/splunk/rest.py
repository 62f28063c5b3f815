"""splunkd's REST API from inside a search command, through splunklib's ``self.service``."""

from ..errors import ModelOpsError
from ..schema import APP
from ..splunkd import export_rows
from .command import one_line


class SplunkRest:
    """splunkd's REST API through the command's ``self.service``: JSON in, ``(status, JSON)`` out.

    Paths are absolute and already percent-encoded (entity names quoted by the caller). HTTP errors
    become a status instead of an exception, so engines decide what they mean."""

    def __init__(self, service):
        if service is None:
            raise ModelOpsError("this command needs splunkd's REST API, which this search did not provide")
        self.service = service

    def _call(self, method, path, headers=None, **params):
        import json

        from splunklib.binding import UrlEncoded

        if headers:
            params["headers"] = headers
        try:
            response = getattr(self.service, method)(UrlEncoded(path, skip_encode=True), output_mode="json", **params)
        except Exception as error:
            status = getattr(error, "status", None)
            if status is None:
                raise ModelOpsError("cannot reach splunkd: %s" % one_line(error)) from None
            body = getattr(error, "body", b"") or b""
            try:
                return status, json.loads(body.decode("utf-8")) if body else {}
            except (ValueError, AttributeError):
                return status, {}
        raw = response.body.read()
        return response.status, json.loads(raw.decode("utf-8")) if raw else {}

    def get(self, path, **query):
        return self._call("get", path, **query)

    def post(self, path, **form):
        return self._call("post", path, **form)

    def delete(self, path, **query):
        return self._call("delete", path, **query)

    def post_json(self, path, document):
        import json

        return self._call("post", path, headers=[("Content-Type", "application/json")], body=json.dumps(document))

    def export(self, search, **params):
        """Rows of a search run with ``search/jobs/export`` (JSON lines), as a list of dicts."""
        from splunklib.binding import UrlEncoded

        path = "/servicesNS/nobody/%s/search/jobs/export" % APP
        try:
            response = self.service.post(UrlEncoded(path, skip_encode=True), search=search, output_mode="json",
                                         **params)
        except Exception as error:
            raise ModelOpsError("the search behind this command failed: %s" % one_line(error)) from None
        return list(export_rows(response.body.read().decode("utf-8").splitlines()))


def current_capabilities(rest) -> set:
    """The capabilities of the user running the search."""
    status, payload = rest.get("/services/authentication/current-context")
    if status != 200:
        raise ModelOpsError("cannot read your Splunk capabilities (HTTP %d)" % status)
    entries = payload.get("entry") or [{}]
    return set(entries[0].get("content", {}).get("capabilities") or [])
