"""modelops.splunk.command reads a chunk's body line by line instead of through splunklib's StringIO:
the same records, far less memory."""

import inspect
import io
import tracemalloc

import pytest
from splunklib.searchcommands import search_command  # the dev venv pins the vendored 2.1.1

from modelops.splunk.command import body_lines
from tests.protocol import harness

ROWS = [{"a": "1", "b": "x,y"}, {"a": 'say "hi"\nthen\rgo', "b": "form\x0cfeed\u2028sep"}, {"a": "", "b": ["m", "v$"]},
        {"a": "ö😀", "b": "last"}]


def records_both_ways(body):
    reader = search_command.SearchCommand._read_csv_records
    command = search_command.SearchCommand.__new__(search_command.SearchCommand)
    theirs = [dict(r) for r in reader(command, io.StringIO(body))]
    ours = [dict(r) for r in reader(command, body_lines(body))]
    return theirs, ours


def test_same_records_as_splunklib_with_quoted_line_breaks_and_multivalues():
    body = harness.rows_to_csv(ROWS)
    theirs, ours = records_both_ways(body)
    assert ours == theirs and len(ours) == 4
    assert ours[1]["a"] == 'say "hi"\nthen\rgo' and ours[1]["b"] == "form\x0cfeed\u2028sep"


@pytest.mark.parametrize("body", ["", "a,b\r\n", "a\r\n1", "a\n1\n2\n"])
def test_edge_bodies(body):
    theirs, ours = records_both_ways(body)
    assert ours == theirs


def test_lines_keep_their_ends_and_lose_nothing():
    text = "h1,h2\r\n1,2\n\n3,4"
    assert "".join(body_lines(text)) == text
    assert list(body_lines(text)) == ["h1,h2\r\n", "1,2\n", "\n", "3,4"]


def test_the_overridden_splunklib_method_still_has_the_shape_we_replace():
    # A splunklib upgrade that renames or reshapes this private method must fail here, not in Splunk.
    source = inspect.getsource(search_command.SearchCommand._execute_chunk_v2)
    assert "StringIO(body)" in source and "write_records(process(records))" in source
    assert list(inspect.signature(search_command.SearchCommand._execute_chunk_v2).parameters) == [
        "self", "process", "chunk"]


def test_far_less_memory_than_stringio_on_a_large_chunk():
    body = harness.rows_to_csv([{"k": str(i), "packed": "A" * 4000} for i in range(2000)])  # 8 MB
    reader = search_command.SearchCommand._read_csv_records
    command = search_command.SearchCommand.__new__(search_command.SearchCommand)

    def peak(make):
        tracemalloc.start()
        for _ in reader(command, make(body)):
            pass
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    assert peak(body_lines) * 3 < peak(io.StringIO)
