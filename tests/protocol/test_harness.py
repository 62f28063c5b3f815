"""The harness's own wire format, checked against the protocol facts (and splunklib's reader)."""

import io

import pytest

from tests.protocol import harness


@pytest.mark.parametrize("values", [["a", "b"], ["$x$", "y$$"], ["", "only"], ["semi;colon", "new\nline"]])
def test_multivalue_round_trip(values):
    assert harness.decode_mv(harness.encode_mv(values)) == values


def test_multivalue_encoding_doubles_dollars():
    assert harness.encode_mv(["a$b", "c"]) == "$a$$b$;$c$"


def test_rows_to_csv_uses_crlf_and_mv_companions():
    body = harness.rows_to_csv([{"a": "1", "m": ["x", "y"]}, {"a": "2", "m": "z"}])
    assert body == 'a,m,__mv_m\r\n1,"x\ny",$x$;$y$\r\n2,z,\r\n'
    assert harness.csv_to_rows(body) == [{"a": "1", "m": ["x", "y"]}, {"a": "2", "m": "z"}]


def test_chunk_header_counts_bytes_not_characters():
    chunk = harness.encode_chunk({"k": "é"}, "ü")
    header, rest = chunk.split(b"\n", 1)
    meta_len, body_len = (int(x) for x in header.decode().split(",")[1:])
    assert len(rest) == meta_len + body_len and body_len == 2
    assert harness.read_chunk(io.BytesIO(chunk)) == ({"k": "é"}, "ü")


def test_splunklib_reads_what_the_harness_writes():
    from splunklib.searchcommands.search_command import SearchCommand

    rows = [{"a": "1", "m": ["x", "y$"]}, {"a": "", "m": "z"}]
    metadata, body = SearchCommand._read_chunk(io.BytesIO(harness.encode_chunk({"action": "execute"},
                                                                               harness.rows_to_csv(rows))))
    records = list(SearchCommand()._read_csv_records(io.StringIO(body)))
    assert [dict(r) for r in records] == [{"a": "1", "m": ["x", "y$"]}, {"a": "", "m": "z"}]
