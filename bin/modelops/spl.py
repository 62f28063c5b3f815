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


def _literal(text) -> str:
    return one_line(text).replace("{", "{{").replace("}", "}}")


class SafeMessages:
    """Mixin for every command: splunklib passes each message through ``str.format``, so a brace
    in user input (``model={"$gt": ""}``) would crash it and lose the message, its own
    "Illegal value" ones included. Messages are made literal here."""

    def write_error(self, message, *args):
        super().write_error(message if args else _literal(message), *args)

    def write_warning(self, message, *args):
        super().write_warning(message if args else _literal(message), *args)

    def write_info(self, message, *args):
        super().write_info(message if args else _literal(message), *args)


def write_error(command, text) -> None:
    command.write_error(one_line(text))


def write_warning(command, text) -> None:
    command.write_warning(one_line(text))


@contextmanager
def user_errors(command):
    """Turn a ModelOpsError into one ERROR message and a clean exit; let splunklib report the rest."""
    try:
        yield
    except ModelOpsError as error:
        write_error(command, "%s: %s" % (command.name, error))
        sys.exit(1)


class AccumulateUntilFinished:
    """Mixin for a ReportingCommand whose answer needs every row: each chunk feeds one engine (made
    by ``make_engine``), and the rows are written once, when splunkd says the input is finished, so
    the result cannot depend on how the input was chunked. Engines have ``add_rows``, ``warnings``
    and ``result``."""

    _engine = None

    def make_engine(self):
        raise NotImplementedError

    def reduce(self, records):
        with user_errors(self):
            if self._engine is None:
                self._engine = self.make_engine()
            self._engine.add_rows(records)
            if not input_finished(self):
                return
            rows = self._engine.result()
            for warning in self._engine.warnings():
                write_warning(self, warning)
            yield from uniform(rows)


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
        import json

        from splunklib.binding import UrlEncoded

        path = "/servicesNS/nobody/dsdl_modelops/search/jobs/export"
        try:
            response = self.service.post(UrlEncoded(path, skip_encode=True), search=search, output_mode="json",
                                         **params)
        except Exception as error:
            raise ModelOpsError("the search behind this command failed: %s" % one_line(error)) from None
        rows = []
        for line in response.body.read().decode("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if isinstance(item, dict) and isinstance(item.get("result"), dict):
                    rows.append(item["result"])
        return rows


def current_capabilities(rest) -> set:
    """The capabilities of the user running the search."""
    status, payload = rest.get("/services/authentication/current-context")
    if status != 200:
        raise ModelOpsError("cannot read your Splunk capabilities (HTTP %d)" % status)
    entries = payload.get("entry") or [{}]
    return set(entries[0].get("content", {}).get("capabilities") or [])


def uniform(rows) -> list:
    """Rows with the same fields in the same order (splunklib writes the first row's fields only)."""
    fields = list(dict.fromkeys(k for row in rows for k in row))
    return [{k: row.get(k, "") for k in fields} for row in rows]
