"""The WMDA parsers: both rel_dna_ser layouts, both rel_ser_ser codings, Allelelist, md5."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsa_monitor.errors import FileFormatError
from dsa_monitor.hla import wmda

# As in tests/conftest.py; not imported from there, since "conftest" may name another one.
TESTS = Path(__file__).resolve().parents[1]
TEST_DATA = TESTS / "data"

HEADER = "# file: rel_dna_ser.txt\n# version: IPD-IMGT/HLA 3.58.0\n"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A*;01:01:01:01;1;;;", wmda.DnaSerRecord("A", "A*01:01:01:01", "1", (), (), ())),
        (
            "A*;02:03:18;0203;;;;0203",
            wmda.DnaSerRecord("A", "A*02:03:18", "0203", (), (), (), "0203"),
        ),
        ("A*;02:65;;2/19;;", wmda.DnaSerRecord("A", "A*02:65", "", ("2", "19"), (), ())),
        ("A*;66:02:01:01;66;;;34", wmda.DnaSerRecord("A", "A*66:02:01:01", "66", (), (), ("34",))),
        (
            "DQB1*;02:01:01:01;;;0/2;",
            wmda.DnaSerRecord("DQB1", "DQB1*02:01:01:01", "", (), ("0", "2"), ()),
        ),
        ("C*;12:03:01;?;;;", wmda.DnaSerRecord("C", "C*12:03:01", "?", (), (), ())),
        ("A*;24:09N;0;;;;", wmda.DnaSerRecord("A", "A*24:09N", "0", (), (), ())),
    ],
)
def test_rel_dna_ser_line(line, expected):
    assert wmda.parse_rel_dna_ser(HEADER + line) == [expected]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("A*;01:01;1;;", 3, "5 ';'-separated fields"),
        ("A*;01:01;1;;;;;", 3, "8 ';'-separated fields"),
        ("A;01:01;1;;;", 3, "locus or allele missing"),
        ("A*;01:01;1;;;\nB*;07:02;B7;;;", 4, "not a serology code"),
        ("A*;01:01;1;2/x;;", 3, "not a serology code"),
    ],
)
def test_rel_dna_ser_errors_name_the_line(text, line, message):
    with pytest.raises(FileFormatError) as caught:
        wmda.parse_rel_dna_ser(HEADER + text)
    assert caught.value.line == line
    assert caught.value.file == "rel_dna_ser.txt"
    assert message in caught.value.message


def test_rel_dna_ser_without_alleles_is_an_error():
    with pytest.raises(FileFormatError, match="no allele lines"):
        wmda.parse_rel_dna_ser(HEADER)


def test_seven_field_fixture_keeps_hats_field():
    records = wmda.parse_rel_dna_ser((TEST_DATA / "wmda" / "rel_dna_ser.txt").read_text())
    by_name = {r.allele: r for r in records}
    assert by_name["A*02:01:01:01"].unambiguous == "2"
    assert by_name["A*02:01:01:01"].hats == "0201"
    assert by_name["B*07:03"].unambiguous == "0703"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A;9;23/24;", wmda.SerSerRecord("A", "9", ("23", "24"), ())),
        ("A;2;;203/210", wmda.SerSerRecord("A", "2", (), ("203", "210"))),
        ("A;2;;0201/0203/0210", wmda.SerSerRecord("A", "2", (), ("0201", "0203", "0210"))),
        ("B;21;49/50;4005", wmda.SerSerRecord("B", "21", ("49", "50"), ("4005",))),
        ("Dw;6;18/19;", wmda.SerSerRecord("Dw", "6", ("18", "19"), ())),
    ],
)
def test_rel_ser_ser_line(line, expected):
    assert wmda.parse_rel_ser_ser("# version: IPD-IMGT/HLA 3.64.0\n" + line) == [expected]


def test_rel_ser_ser_wrong_field_count():
    with pytest.raises(FileFormatError) as caught:
        wmda.parse_rel_ser_ser("A;9;23/24\n")
    assert caught.value.line == 1


def test_allelelist():
    text = (
        "# version: IPD-IMGT/HLA 3.58.0\nAlleleID,Allele\nHLA00001,A*01:01:01:01\nHLA02169,A*01:01:01:02N\n"
    )
    assert wmda.parse_allelelist(text) == ["A*01:01:01:01", "A*01:01:01:02N"]


@pytest.mark.parametrize("text", ["HLA00001,A*01:01\n", "AlleleID,Allele\nHLA00001\n", "# only\n"])
def test_allelelist_errors(text):
    with pytest.raises(FileFormatError):
        wmda.parse_allelelist(text)


@pytest.mark.parametrize(
    "line",
    [
        "MD5 (rel_dna_ser.txt) = c00c22a1bfeb3f9a1a0e1281888e0f2b",
        "c00c22a1bfeb3f9a1a0e1281888e0f2b  rel_dna_ser.txt",
        "C00C22A1BFEB3F9A1A0E1281888E0F2B  wmda/rel_dna_ser.txt",
    ],
)
def test_md5checksum_layouts(line):
    assert wmda.parse_md5checksum(line) == {"rel_dna_ser.txt": "c00c22a1bfeb3f9a1a0e1281888e0f2b"}


def test_md5checksum_bad_line():
    with pytest.raises(FileFormatError):
        wmda.parse_md5checksum("rel_dna_ser.txt is fine\n")


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("# file: x\n# version: IPD-IMGT/HLA 3.58.0\n", "3.58.0"),
        ("# version: IPD-IMGT/HLA 3.64.0\n# Disclaimer: testing\n", "3.64.0"),
        ("A*;01:01;1;;;", None),
    ],
)
def test_release_version(text, version):
    assert wmda.release_version(text) == version
