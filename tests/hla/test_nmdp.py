"""NMDP and XX codes expand only from a real table or allele list, never by guess."""

from __future__ import annotations

import pytest

from dsa_monitor.errors import FileFormatError, InvalidHLAName
from dsa_monitor.hla.names import AlleleCode, parse_allele
from dsa_monitor.hla.nmdp import NMDPCodeTable, expand, expand_xx, parse_code_table

# A tiny table in the layout of NMDP's numer.v3.txt (header, column names, blank line, rows).
CODE_TABLE = (
    '"LAST UPDATED: 09/30/20"\n'
    "CODE\tSUBTYPE\n"
    "\n"
    "AB\t01/02\n"
    "AC\t01/03\n"
    "AFXYZ\t08:01/09:01\n"
    "GC\t02/101/1001\n"
    "NN\t01/02N\n"
)


@pytest.fixture(scope="module")
def table() -> NMDPCodeTable:
    return parse_code_table(CODE_TABLE)


def test_table_reads_header_and_rows(table):
    assert table.updated == "09/30/20"
    assert len(table) == 5
    assert table.codes["AB"] == ("01", "02")
    assert "AFXYZ" in table and "ZZ" not in table


def test_table_reads_crlf_and_alpha_layout():
    table = parse_code_table('"LAST UPDATED: 10/01/20"\r\n*\tCODE\tSUBTYPE\r\n\r\nAA\t01/02/03/05\r\n')
    assert table.codes == {"AA": ("01", "02", "03", "05")}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("A*02:AB", ["A*02:01", "A*02:02"]),
        ("HLA-A*02:AC", ["A*02:01", "A*02:03"]),
        ("A*02AB", ["A*02:01", "A*02:02"]),
        ("A*02:GC", ["A*02:02", "A*02:101", "A*02:1001"]),
        ("B*08:AFXYZ", ["B*08:01", "B*09:01"]),  # allele-specific code: whole names listed
        ("A*24:NN", ["A*24:01", "A*24:02N"]),
        (AlleleCode("DRB1", "15", "AB"), ["DRB1*15:01", "DRB1*15:02"]),
    ],
)
def test_expand(table, code, expected):
    assert [str(a) for a in expand(code, table)] == expected


@pytest.mark.parametrize(
    ("code", "table_text", "reason"),
    [
        ("A*02:AB", None, "install it with `dsa-monitor reference install-nmdp`"),
        ("A*02:AB", "", "install it with `dsa-monitor reference install-nmdp`"),
        ("A*02:ZZ", CODE_TABLE, "unknown NMDP code 'ZZ': not in the code table (updated 09/30/20)"),
        ("B*44:AFXYZ", CODE_TABLE, "code AFXYZ lists alleles of group 08/09, not 44"),
        ("A*02:XX", CODE_TABLE, "expand it with the release's allele list (expand_xx)"),
    ],
)
def test_expand_refuses_to_guess(code, table_text, reason):
    table = None if table_text is None else parse_code_table(table_text)
    with pytest.raises(InvalidHLAName) as caught:
        expand(code, table)
    assert caught.value.token == code
    assert reason in caught.value.reason


def test_expand_refuses_a_non_code(table):
    with pytest.raises(InvalidHLAName, match="not an NMDP allele code"):
        expand("A*02:01", table)


RELEASE = [parse_allele(t) for t in ("A*02:01:01:01", "A*02:02", "A*24:02:01:01", "B*07:02")]


def test_expand_xx_takes_the_group_from_the_release():
    assert [str(a) for a in expand_xx("A*02:XX", RELEASE)] == ["A*02:01:01:01", "A*02:02"]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("A*03:XX", "no allele of group A*03 in the given allele list"),
        ("A*02:AB", "not an XX code; expand NMDP codes with the code table"),
    ],
)
def test_expand_xx_errors(code, reason):
    with pytest.raises(InvalidHLAName) as caught:
        expand_xx(code, RELEASE)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("CODE\tSUBTYPE\nAB 01/02\n", 2, "not an NMDP code row"),
        ("AB\t01/2\n", 1, "bad subtype in code AB"),
        ("AB\t01/02\nAB\t01/03\n", 2, "code AB listed twice"),
        ("ab\t01/02\n", 1, "not an NMDP code row"),
    ],
)
def test_malformed_tables_are_located(text, line, message):
    with pytest.raises(FileFormatError) as caught:
        parse_code_table(text, file="numer.v3.txt")
    assert caught.value.line == line
    assert caught.value.file == "numer.v3.txt"
    assert message in caught.value.message
