"""Turn the bytes a lab uploads into text, or say exactly why they are not a text export.

Accepted: UTF-8 with or without a byte-order mark, UTF-16 and UTF-32 with a byte-order mark, or the
encoding the lab configured (``ParseOptions.encoding``, e.g. ``cp1252`` for old Windows exports).
Refused with a ``FileFormatError`` naming line and byte offset: an empty file, binary files
(spreadsheets, PDFs, archives), NUL or other control bytes, bytes invalid in the encoding.
"""

from __future__ import annotations

import codecs
import re

from ..errors import FileFormatError

# Byte-order marks, longest first (the UTF-32-LE mark starts with the UTF-16-LE one).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Signatures of files labs upload by mistake instead of the CSV/XML export.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive or Excel workbook (.xlsx); export the results as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document (.xls); export the results as CSV"),
    (b"%PDF", "a PDF document; upload the CSV or XML export instead"),
    (b"\x1f\x8b", "a gzip archive; upload the uncompressed export"),
    (b"\x89PNG", "a PNG image; upload the CSV or XML export"),
    (b"\xff\xd8\xff", "a JPEG image; upload the CSV or XML export"),
)

# C0 control characters other than tab, line feed and carriage return have no place in an export.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")


def decode(data: bytes, file_name: str, encoding: str | None = None) -> str:
    """The text of an uploaded file; BOM removed, line endings left as they are."""
    if not data:
        raise FileFormatError("the file is empty", file=file_name)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise FileFormatError(f"this is {what}", file=file_name, line=1)
    bom_encoding = _bom_encoding(data)
    if bom_encoding:
        text = _decode(data, bom_encoding, file_name)
        text = text[1:] if text.startswith("\ufeff") else text
    else:
        nul = data.find(b"\x00")
        if nul >= 0 and encoding is None:
            raise FileFormatError(_nul_message(data, nul), file=file_name, line=data.count(b"\n", 0, nul) + 1)
        text = _decode(data, encoding or "utf-8", file_name)
    if text.endswith("\x1a"):  # DOS end-of-file marker written by some old exporters
        text = text[:-1]
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise FileFormatError(
            f"binary data: control character {bad.group()!r} at character {bad.start()} (not a text export)",
            file=file_name,
            line=line,
        )
    if not text.strip():
        raise FileFormatError("the file holds no data (only blank lines)", file=file_name)
    return text


def _bom_encoding(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def _decode(data: bytes, encoding: str, file_name: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise FileFormatError(
            f"unknown text encoding {encoding!r}",
            file=file_name,
            expected="a Python codec name such as utf-8 or cp1252",
        ) from None
    except UnicodeDecodeError as error:
        offset = error.start
        line = data.count(b"\n", 0, offset) + 1
        byte = data[offset : offset + 1].hex().upper()
        hint = (
            'save the export as UTF-8 ("CSV UTF-8") or configure the lab\'s file encoding'
            if encoding == "utf-8"
            else "check the configured file encoding"
        )
        raise FileFormatError(
            f"not valid {encoding} text: byte 0x{byte} at byte offset {offset}; {hint}",
            file=file_name,
            line=line,
        ) from None


def _nul_message(data: bytes, offset: int) -> str:
    head = data[:200]
    if head[1::2].count(0) > len(head[1::2]) * 0.8 or head[0::2].count(0) > len(head[0::2]) * 0.8:
        return (
            f"NUL byte at byte offset {offset}: looks like UTF-16 text without a byte-order mark;"
            " save it as UTF-8 or UTF-16 with BOM"
        )
    return f"binary data: NUL byte at byte offset {offset} (not a text export)"
