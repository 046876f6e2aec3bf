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
        '\r\n'
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
    ids=["truncated", "too-long", "open-quote", "header-only", "duplicate-col", "empty-col",
         "no-delim"],
)
def test_broken_tables(text, fragment, line):
    with pytest.raises(FileFormatError) as caught:
        read_table(text, "f.csv")
    assert fragment in caught.value.message
    assert caught.value.line == line


def test_require_names_every_missing_column_with_its_aliases():
    table = read_table("Sample ID,Raw\nS1,1\n", "f.csv")
    with pytest.raises(FileFormatError) as caught:
        table.require({"Sample": ("Sample ID",), "BeadID": ("BeadID", "Bead ID"),
                       "Specificity": ("Specificity",)})
    assert "BeadID (or Bead ID), Specificity" in caught.value.message


def test_integer_refuses_fractional_counts():
    table = read_table("Bead,Count\n1,12\n2,12.5\n", "f.csv")
    assert table.integer(table.rows[0], 1) == 12
    with pytest.raises(FileFormatError, match="not a whole number"):
        table.integer(table.rows[1], 1)
