"""modelops.splunkd: splunkd's export stream read the same way on both sides."""

import json

import pytest

from modelops.errors import ModelOpsError
from modelops.splunkd import export_rows


def lines(*items):
    return [json.dumps(item) for item in items]


def test_rows_come_from_result_objects_only():
    stream = lines({"preview": False, "offset": 0, "result": {"a": "1"}}, {"lastrow": True},
                   {"result": {"a": "2"}}) + [""]
    assert list(export_rows(stream)) == [{"a": "1"}, {"a": "2"}]


def test_bytes_lines_as_an_http_response_gives_them():
    assert list(export_rows([b'{"result": {"x": "y"}}\n', b"\n"])) == [{"x": "y"}]


def test_search_errors_become_one_sentence():
    stream = lines({"messages": [{"type": "INFO", "text": "fine"}, {"type": "ERROR", "text": "Unknown command"}]})
    with pytest.raises(ModelOpsError, match="the search failed: Unknown command"):
        list(export_rows(stream))


def test_info_messages_are_not_errors():
    assert list(export_rows(lines({"messages": [{"type": "WARN", "text": "slow"}]}))) == []


def test_a_line_that_is_not_json_is_one_sentence_not_a_traceback():
    with pytest.raises(ModelOpsError, match="not JSON"):
        list(export_rows(['{"result": {"a": 1}}', "<html>proxy error</html>"]))
