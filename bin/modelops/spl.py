"""What every custom search command shares: one-sentence errors and knowing when splunkd's input
is finished. The only module of the package that knows splunklib's behaviour (it imports none of it).
"""

import sys
from contextlib import contextmanager

from .errors import ModelOpsError


def input_finished(command) -> bool:
    """True when the chunk being processed is splunkd's last one.

    splunklib 2.x sets the private ``_finished`` from each chunk's metadata before calling
    ``reduce``/``transform``/``stream``; this is the one place that relies on it.
    """
    return bool(getattr(command, "_finished", True))


def one_line(message) -> str:
    return " ".join(str(message).split())


@contextmanager
def user_errors(command):
    """Turn a ModelOpsError into one ERROR message and a clean exit; let splunklib report the rest."""
    try:
        yield
    except ModelOpsError as error:
        command.write_error(one_line("%s: %s" % (command.name, error)))
        sys.exit(1)


def parse_list(value) -> list:
    """``"a, b,c"`` -> ``["a", "b", "c"]``; empty items dropped."""
    if not value:
        return []
    return [item.strip() for item in str(value).split(",") if item.strip()]


class SplunkRest:
    """splunkd's REST API through the command's ``self.service``: JSON in, ``(status, JSON)`` out.

    Paths are absolute and already percent-encoded (entity names quoted by the caller). HTTP errors
    become a status instead of an exception, so engines decide what they mean."""

    def __init__(self, service):
        if service is None:
            raise ModelOpsError("this command needs splunkd's REST API, which this search did not provide")
        self.service = service

    def _call(self, method, path, **params):
        import json

        from splunklib.binding import UrlEncoded

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
