"""The delimited-table reader: delimiters, quoting, padding, line numbers, numbers, broken rows."""

from __future__ import annotations

import pytest

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.csvtable import parse_number, read_table, sniff_delimiter


@pytest.mark.parametrize(
    "header, delimiter",
    [
        ('"PatientID";"SampleIDName";"Specificity"', ";"),
        ("Sample ID,Patient Name ,Lot ID", ","),
        ("sample_id\tbead_id\traw_mfi", "\t"),
        ('"A,B,C";"D"', ";"),  # commas inside quotes do not count
        ("just one column", None),
    ],
)
def test_sniff_delimiter(header, delimiter):
    assert sniff_delimiter(header) == delimiter


def test_quoted_fields_padding_crlf_trailing_delimiter_and_line_numbers():
    text = (
        '"Sample";"Spec";"Raw";\r\n'
        "\r\n"
        '" S1 ";"-,-,DQA1*05:01,-";"4362,43";\r\n'
        '"S1";"multi\r\nline";"70,96";\r\n'
        '"S2";"A*01:01";"12";\r\n'
    )
    table = read_table(text, "f.csv")
    assert table.delimiter == ";"
    assert table.columns == ("Sample", "Spec", "Raw")
    assert [row.line for row in table.rows] == [3, 4, 6]
    assert table.rows[0].cells == ("S1", "-,-,DQA1*05:01,-", "4362,43")
    assert table.rows[1].cells[1] == "multi\r\nline"
    assert table.number(table.rows[0], 2) == pytest.approx(4362.43)


@pytest.mark.parametrize(
    "text, decimal_comma, value",
    [
        ("4362,43", True, 4362.43),
        ("4362.43", True, 4362.43),
        ("4362.43", False, 4362.43),
        ("-12,5", True, -12.5),
        ("0", False, 0.0),
    ],
)
def test_parse_number_accepts(text, decimal_comma, value):
    assert parse_number(text, decimal_comma=decimal_comma) == pytest.approx(value)


@pytest.mark.parametrize(
    "text, decimal_comma, reason",
    [
        ("1,5", False, "comma in a number of a comma-separated file"),
        ("1.234,5", True, "thousands separators"),
        ("1,234,567", True, "thousands separators"),
        ("n/a", True, "not a number"),
        ("Positive", False, "not a number"),
        ("nan", False, "not a finite number"),
        ("inf", False, "not a finite number"),
        ("1e5", False, "not a plain decimal number"),
        ("1_000", False, "not a plain decimal number"),
    ],
)
def test_parse_number_refuses(text, decimal_comma, reason):
    with pytest.raises(ValueError, match=reason):
        parse_number(text, decimal_comma=decimal_comma)


def test_cell_errors_name_line_column_value_and_expectation():
    table = read_table("Sample,Raw\nS1,12\nS1,-3\nS1,abc\n", "f.csv")
    assert table.number(table.rows[0], 1) == 12
    with pytest.raises(FileFormatError) as caught:
        table.number(table.rows[1], 1)
    assert (caught.value.line, caught.value.column, caught.value.value) == (3, "Raw", "-3")
    assert "negative" in caught.value.message
    assert table.number(table.rows[1], 1, negative=True) == -3
    with pytest.raises(FileFormatError, match=r"f.csv, line 4, column Raw: not a number"):
        table.number(table.rows[2], 1)


@pytest.mark.parametrize(
    "text, fragment, line",
    [
        ("a;b;c\n1;2;3\n1;2", "2 fields but the header has 3 (the file may be truncated", 3),
        ("a;b;c\n1;2;3;4\n", "4 fields but the header has 3", 2),
        ('a;b;c\n1;2;3\n1;"2;3\n', "a quote may be unbalanced or the file cut", 3),
        ("a;b;c\n", "header but no data rows", 1),
        ("a;b;a\n1;2;3\n", "column 'a' appears twice", 1),
        ("a;;c\n1;2;3\n", "empty column name", 1),
        ("abc\n1\n", "no column delimiter", 1),
    ],
    ids=["truncated", "too-long", "open-quote", "header-only", "duplicate-col", "empty-col", "no-delim"],
)
def test_broken_tables(text, fragment, line):
    with pytest.raises(FileFormatError) as caught:
        read_table(text, "f.csv")
    assert fragment in caught.value.message
    assert caught.value.line == line


def test_require_names_every_missing_column_with_its_aliases():
    table = read_table("Sample ID,Raw\nS1,1\n", "f.csv")
    with pytest.raises(FileFormatError) as caught:
        table.require(
            {"Sample": ("Sample ID",), "BeadID": ("BeadID", "Bead ID"), "Specificity": ("Specificity",)}
        )
    assert "BeadID (or Bead ID), Specificity" in caught.value.message


def test_integer_refuses_fractional_counts():
    table = read_table("Bead,Count\n1,12\n2,12.5\n", "f.csv")
    assert table.integer(table.rows[0], 1) == 12
    with pytest.raises(FileFormatError, match="not a whole number"):
        table.integer(table.rows[1], 1)


def _column(cells: list[str], delimiter: str = ";") -> str:
    return (
        "Bead"
        + delimiter
        + "Value\n"
        + "".join(f'{n}{delimiter}"{cell}"\n' for n, cell in enumerate(cells, start=1))
    )


@pytest.mark.parametrize(
    "delimiter, negative, cells, whole",
    [
        (";", False, ["4362,43", "12", "", "7,", "0"], True),
        (";", False, ["4362.43", "12", "", ".5", "0"], True),  # no decimal comma: points read
        (";", False, ["4362,43", "12", "4.362"], False),  # comma decimals: a point is refused
        (";", False, ["4362,43", "12"], True),
        (";", False, ["3", "1" * 400], False),  # overflows to infinity: refused cell by cell
        (";", True, ["3", "-"], False),
        (";", False, ["3", "1,2,3"], False),
        (",", False, ["4362.43", "12", "", ".5"], True),
        (";", True, ["-12,5", "3", ""], True),
        (";", False, ["3", "-12,5"], False),  # refused sign: the cell path names it
        (";", False, ["3", "+5"], False),  # accepted, but only cell by cell
        (";", False, ["3", "\u0665"], False),  # a non-ASCII digit: float() reads it, so do we
        (";", False, ["3", "1.234,5"], False),
        (",", False, ["3", "1,5"], False),
        (",", False, ["3", "1e5"], False),
        (",", False, ["3", "nan"], False),
        (",", False, ["3", "n/a"], False),
        (",", False, ["3", "1_000"], False),
    ],
)
def test_a_whole_column_reads_as_cell_by_cell(delimiter, negative, cells, whole):
    table = read_table(_column(cells, delimiter), "f.csv")
    column = table.numbers(1, negative=negative)
    assert (column is not None) == whole
    if column is not None:
        by_cell = [table.number(row, 1, negative=negative) for row in table.rows]
        assert column == by_cell
        assert [type(value) for value in column] == [type(value) for value in by_cell]


@pytest.mark.parametrize(
    "cells, whole, by_cell",
    [
        (["60", "", "007"], True, [60, None, 7]),
        (["60", "12.0"], False, [60, 12]),  # a whole number, read cell by cell
        (["60", "1" * 16], False, [60, int("1" * 16)]),  # too long for the column path
        (["60", "-1"], False, "negative value"),
    ],
)
def test_a_whole_count_column_reads_as_cell_by_cell(cells, whole, by_cell):
    table = read_table(_column(cells), "f.csv")
    column = table.integers(1)
    assert column == (by_cell if whole else None)
    if isinstance(by_cell, str):
        with pytest.raises(FileFormatError, match=by_cell):
            [table.integer(row, 1) for row in table.rows]
    else:
        assert [table.integer(row, 1) for row in table.rows] == by_cell


def test_a_cell_holding_a_line_break_is_left_to_the_cell_path():
    table = read_table('Bead;Value\n1;"12"\n2;"3\n4"\n', "f.csv")
    assert table.numbers(1) is None
    with pytest.raises(FileFormatError, match="line 3, column Value: not a number"):
        table.number(table.rows[1], 1)


@pytest.mark.parametrize("blank", [" ", "\t", "\u00a0", "\u3000"])
def test_blank_and_padded_lines_keep_line_numbers_in_one_line_records(blank):
    table = read_table(f"a;b\n\n1;2\n{blank};{blank}\n{blank}3{blank};4\n", "f.csv")
    assert [(row.line, row.cells) for row in table.rows] == [(3, ("1", "2")), (5, ("3", "4"))]


def test_cells_without_any_blank_are_read_as_they_are():
    table = read_table('"a";"b"\r\n"1";"x-y"\r\n\r\n"";""\r\n"3";"4"\r\n', "f.csv")
    assert [(row.line, row.cells) for row in table.rows] == [(2, ("1", "x-y")), (5, ("3", "4"))]


def test_the_header_found_after_64_kib_of_blank_lines():
    table = read_table("\n" * 70_000 + "a;b\n1;2\n", "f.csv")
    assert (table.header_line, table.rows[0].line) == (70_001, 70_002)


@pytest.mark.parametrize(
    "text, fragment, line",
    [
        ('a;b;c\n1;2\n1;"2;3\n', "the row has 2 fields", 2),  # the earlier row's fault first
        ('a;a\n1;"2\n', "column 'a' appears twice", 1),  # the header before the rows
        ('a;b\n1;2\n3;"4\n', "a quote may be unbalanced", 3),
    ],
)
def test_an_unreadable_row_is_reported_in_file_order(text, fragment, line):
    with pytest.raises(FileFormatError) as caught:
        read_table(text, "f.csv")
    assert fragment in caught.value.message and caught.value.line == line


@pytest.mark.parametrize(
    "text, evidence",
    [
        # The evidence may come before or after the point, in the same column or another one.
        ("Bead;Raw;BCM\n1;70,96;1\n2;4.362;2\n", "line 2, column Raw: '70,96'"),
        ("Bead;Raw;BCM\n1;4.362;1\n2;70;2,5\n", "line 3, column BCM: '2,5'"),
        ("Bead\tRaw\n1\t4.362\n2\t-0,5\n", "line 3, column Raw: '-0,5'"),
    ],
)
def test_a_point_in_a_decimal_comma_file_is_refused(text, evidence):
    table = read_table(text, "f.csv")
    point = next(row for row in table.rows if "4.362" in row.cells)
    assert table.numbers(1, negative=True) is None  # the column path leaves it to the cell
    with pytest.raises(FileFormatError) as caught:
        table.number(point, 1, negative=True)
    assert (caught.value.line, caught.value.column, caught.value.value) == (point.line, "Raw", "4.362")
    assert f"writes decimals with a comma ({evidence}): it looks like a thousands separator" in (
        caught.value.message
    )


@pytest.mark.parametrize(
    "text",
    [
        "Bead;Raw\n1;70.96\n2;4.362\n",  # no decimal comma anywhere: points are decimal points
        "Bead;Spec;Raw\n1;A*01:01,-;70.96\n2;1,5 A;4.362\n",  # commas in text are no evidence
        "Bead,Raw\n1,70.96\n2,4.362\n",  # comma-separated: a comma is never a decimal mark
    ],
)
def test_points_are_decimal_points_without_decimal_commas(text):
    table = read_table(text, "f.csv")
    index = table.find("Raw")
    assert table.numbers(index) == [70.96, 4.362]
    assert table.number(table.rows[1], index) == 4.362


@pytest.mark.parametrize("brk", ["\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"])
def test_a_break_that_splitlines_knows_stays_inside_its_cell(brk):
    # str.splitlines ends a line at these; csv (and the file's lines) do not.
    table = read_table(f"a;b\n1;x{brk}y\n2;z\n", "f.csv")
    assert [(row.line, row.cells) for row in table.rows] == [(2, ("1", f"x{brk}y".strip())), (3, ("2", "z"))]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_rows_read_in_chunks_keep_their_lines_across_chunk_and_block_bounds(end):
    rows = 20_000  # more than one chunk of records and one block of characters
    text = end.join(["sample;lot;mfi", *(f"S{n % 7};LOT1;{n},5" for n in range(rows))]) + end
    table = read_table(text, "f.csv")
    assert len(table.rows) == rows
    assert [row.line for row in table.rows] == list(range(2, rows + 2))
    assert table.rows[-1].cells == (f"S{(rows - 1) % 7}", "LOT1", f"{rows - 1},5")


def test_equal_cells_of_a_repeating_column_are_one_string():
    # A run file repeats sample IDs and lots on every bead row: held once, not once per row,
    # so that a 48 MB export is read within a few times its size.
    text = "sample;lot;mfi\n" + "".join(f"S-{n // 100};LOT-{n // 1000};{n}\n" for n in range(3000))
    table = read_table(text, "f.csv")
    first, later = table.rows[0].cells, table.rows[99].cells
    assert first[0] == later[0] and first[0] is later[0]
    assert first[1] is table.rows[999].cells[1]
    assert table.numbers(2) == [float(n) for n in range(3000)]


def test_a_quoted_line_break_after_the_first_chunk_keeps_every_line():
    # The one-line reading gathers chunks until it meets the break, then the file is read again.
    rows = [f"S{n};{n}" for n in range(20_000)]
    rows[15_000] = 'S15000;"1\n5"'
    table = read_table("sample;mfi;\n" + "\n".join(rows) + "\n", "f.csv")
    assert len(table.rows) == 20_000
    assert table.rows[15_000] == (15_002, ("S15000", "1\n5"))
    assert table.rows[-1] == (20_002, ("S19999", "19999"))


def test_a_short_row_after_the_first_chunk_is_refused_at_its_line():
    text = "sample;mfi\n" + "".join(f"S{n};{n}\n" for n in range(10_000)) + "S;\nS\n"
    with pytest.raises(FileFormatError, match="the row has 1 fields but the header has 2") as caught:
        read_table(text, "f.csv")
    assert caught.value.line == 10_003


def test_released_columns_read_as_empty():
    table = read_table("a;b;c\n1;2;3\n4;5;6\n", "f.csv")
    table.release(0, 2)
    assert list(table.rows) == [(2, ("", "2", "")), (3, ("", "5", ""))]
