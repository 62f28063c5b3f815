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


# --- a chunk as a Table: the same cells as splunklib's records, or None --------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from modelops.splunk.command import plain_records, read_table  # noqa: E402
from tests.strategies import CELLS  # noqa: E402


def splunklib_records(body):
    return records_both_ways(body)[0]


def same_as_splunklib(body, unless=()):
    """read_table's answer for ``body``: None, or a Table whose rows are splunklib's records; and
    plain_records' records, where it gives any, are splunklib's too."""
    table = read_table(body, unless)
    if table is not None:
        assert table.rows() == splunklib_records(body)
        assert len(table) == len(splunklib_records(body))
    records = plain_records(body)
    if records is not None:
        assert list(records) == splunklib_records(body)
    return table


@pytest.mark.parametrize("body", [
    "a,b\r\n1,2\r\n3,4\r\n",            # plain, split in C
    "a,b\n1,2\n3,4\n",                  # LF only
    "a,b\r\n1,2\r\n3,4",                # no final line end
    'a,b\r\n1,"x,y"\r\n"say ""hi""",4\r\n',  # quoted: the csv reader
    'a,b\r\n1,"two\r\nlines"\r\n',      # a quoted line break
    "a,__mv_a,b\r\n1,,2\r\n3,,4\r\n",   # multivalue columns, all empty: dropped
    "a,b\r\n",                          # header only
    'a,"b"\r\n',                        # header only, quoted
    "x\r\n1\r\n2\r\n",                  # one column
    "a,b",                              # header only, no line end
    "a,b\r\n,\r\n,2\r\n",               # empty cells
])
def test_tables_that_read_hold_splunklibs_cells(body):
    assert same_as_splunklib(body) is not None


@pytest.mark.parametrize("body", [
    "",                                  # nothing
    "a,b\r\n1,2\r\n3\r\n",               # a short row: the record lacks b
    "a,b\r\n1,2,3\r\n",                  # a long row
    "a,b\r\n1,2\r\n\r\n3,4\r\n",         # an empty line: an empty record
    'a,b\r\n1,2\r\n""\r\n',              # a quoted empty line: one field
    "x\r\n1\r\n\r\n2\r\n",               # an empty line in one column
    "a,b\r\n1,2\r3,4\r\n",               # a lone CR
    "a,b\r\n1,2\n3,4\r\n",               # mixed line ends
    "a,b\r\n1,\x002\r\n",                # NUL: the csv reader's own rules (an error before Python 3.11)
    "a,a\r\n1,2\r\n",                    # a repeated name
    "a,__mv_a\r\n1\n2,$1$;$2$\r\n",      # an unquoted multivalue: a line break alone
    'a,__mv_a\r\n"1\n2",$1$;$2$\r\n',    # a multivalue cell
])
def test_bodies_only_splunklibs_reader_reads_give_none(body):
    assert read_table(body) is None


@pytest.mark.parametrize("body", [
    "a,b\r\n1,2\r\n3,4\r\n", "a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4", "a,b\r\n", "a,b", "x\r\n1\r\n2\r\n",
    "a,b\r\n,\r\n,2\r\n",
    "a,b\r\n1,2\r\n3\r\n",               # a short row: zipped short, the record lacks b
    "a,b\r\n1,2,3\r\n",                  # a long row: the extra cell dropped
    "a,a\r\n1,2\r\n",                    # a repeated name: the last cell wins
    "mo_part,a\r\n1,2\r\n",              # partial rows (the table path refuses them)
])
def test_plain_records_are_splunklibs_records(body):
    records = plain_records(body)
    assert records is not None
    assert list(records) == splunklib_records(body)


@pytest.mark.parametrize("body", [
    "", 'a,b\r\n1,"x,y"\r\n', "a,b\r\n1,2\r\n\r\n3,4\r\n", "\r\na,b\r\n", "a,b\r\n1,2\r3,4\r\n",
    "a,b\r\n1,2\n3,4\r\n", "a,b\r\n1,\x002\r\n", "a,__mv_a\r\n1,$1$;$2$\r\n", "a\n\n1\n",
])
def test_plain_records_leave_the_rest_to_splunklibs_reader(body):
    assert plain_records(body) is None


def test_plain_records_read_a_line_at_a_time():
    records = plain_records("a,b\r\n1,2\r\n3,4\r\n")
    assert next(records) == {"a": "1", "b": "2"}
    assert next(records) == {"a": "3", "b": "4"}
    assert next(records, None) is None


def test_a_header_naming_a_field_of_unless_gives_none_without_reading_further():
    assert read_table("mo_part,a\r\n1,2\r\n", unless=("mo_part",)) is None
    assert read_table("a,mo_part", unless=("mo_part",)) is None
    assert read_table('mo_part,a\r\n"1",2\r\n', unless=("mo_part",)) is None
    assert same_as_splunklib("a,b\r\n1,2\r\n", unless=("mo_part",)) is not None


def test_columns_are_per_field_in_header_order():
    assert list(read_table("a,b").columns) == ["a", "b"]
    table = read_table("a,b,c\r\n1,2,3\r\n4,5,6\r\n")
    assert list(table.columns) == ["a", "b", "c"]
    assert [list(table.columns[f]) for f in "abc"] == [["1", "4"], ["2", "5"], ["3", "6"]]
    assert list(table.column("missing")) == [None, None]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c", "__mv_b"]), CELLS, max_size=4), max_size=6))
def test_any_chunk_reads_as_splunklib_reads_it_or_not_at_all(rows):
    body = harness.rows_to_csv(rows)
    same_as_splunklib(body)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from(["", "1", "x", ",", '"', "\r", "\n", "\r\n", "\x00", "$1$;$2$"]),
                         max_size=4), min_size=1, max_size=5))
def test_any_text_reads_as_splunklib_reads_it_or_not_at_all(lines):
    body = "a,b\r\n" + "".join("".join(cells) for cells in lines)
    try:
        expected = splunklib_records(body)
    except Exception:  # the csv reader refuses it (NUL before 3.11, ...): read_table must too
        assert read_table(body) is None and plain_records(body) is None
        return
    table = read_table(body)
    if table is not None:
        assert table.rows() == expected
    records = plain_records(body)
    if records is not None:
        assert list(records) == expected
