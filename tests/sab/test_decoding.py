"""Bytes to text: the encodings labs' exports come in, and clear refusals for everything else."""

from __future__ import annotations

import codecs

import pytest

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.decoding import decode

TEXT = "SampleIDName;Specificity\r\nS1;DQA1*05:01 ü\r\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
        TEXT.encode("utf-8") + b"\x1a",  # DOS end-of-file marker
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-32-le-bom", "dos-eof"],
)
def test_accepted_encodings_give_the_same_text(data):
    assert decode(data, "f.csv") == TEXT


@pytest.mark.parametrize(
    "data, fragment, line",
    [
        (b"", "the file is empty", None),
        (b"\r\n  \n\t\n", "no data", None),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx)", 1),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel", 1),
        (b"%PDF-1.7\n", "PDF", 1),
        (b"a;b\n1;\x002\n", "NUL byte at byte offset 6", 2),
        (TEXT.encode("utf-16-le"), "UTF-16 text without a byte-order mark", 1),
        (b"a;b\nM\xfcller;2\n", "byte 0xFC at byte offset 5", 2),
        (b"a;b\n1;2\n3;\x074\n", "control character '\\x07'", 3),
    ],
    ids=["empty", "blank", "xlsx", "xls", "pdf", "nul", "utf16-no-bom", "latin1", "bell"],
)
def test_refusals_name_the_problem_and_line(data, fragment, line):
    with pytest.raises(FileFormatError) as caught:
        decode(data, "upload.csv")
    assert fragment in caught.value.message
    assert caught.value.file == "upload.csv"
    assert caught.value.line == line


def test_configured_encoding_reads_windows_exports():
    data = "Sample ID,Patient Name\r\n1,Jürgen Müller\r\n".encode("cp1252")
    assert "Müller" in decode(data, "f.csv", "cp1252")


def test_unknown_configured_encoding_is_an_error():
    with pytest.raises(FileFormatError, match="unknown text encoding 'klingon'"):
        decode(b"a,b\n", "f.csv", "klingon")
