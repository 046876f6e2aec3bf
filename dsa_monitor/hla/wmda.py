"""Parse the text of the WMDA files of an IPD-IMGT/HLA release (pure: text in, records out).

``rel_dna_ser.txt`` (6 fields up to 3.62, 7 fields from 3.63 with the HATS specificity),
``rel_ser_ser.txt`` (old and 2026 layouts: 1-2 or 4-digit codes), ``Allelelist.txt`` and
``md5checksum.txt``. Serology codes are kept as the file spells them; ``reference.py`` turns
them into ``Antigen`` objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import FileFormatError

REL_DNA_SER = "rel_dna_ser.txt"
REL_SER_SER = "rel_ser_ser.txt"
ALLELELIST = "Allelelist.txt"
MD5CHECKSUM = "md5checksum.txt"

_VERSION = re.compile(r"^#\s*version:\s*(?:IPD-IMGT/HLA\s*)?(?P<version>\d+\.\d+\.\d+)", re.I | re.M)
_CODE = re.compile(r"^(?:\d{1,4}|\?)$")
_MD5_BSD = re.compile(r"^MD5 \((?P<name>[^)]+)\) = (?P<md5>[0-9a-fA-F]{32})$")
_MD5_GNU = re.compile(r"^(?P<md5>[0-9a-fA-F]{32})\s+\*?(?P<name>\S+)$")


@dataclass(frozen=True, slots=True)
class DnaSerRecord:
    """One line of rel_dna_ser.txt: an allele and its serology, as the WMDA file states it.

    Codes are strings: ``"2"``, ``"203"``, ``"0203"``, ``"0"`` (null), ``"?"`` (no antigen known).
    """

    locus: str  # gene without the trailing '*': "A", "DRB1"
    allele: str  # full name: "A*02:01:01:01", "A*24:09N"
    unambiguous: str
    possible: tuple[str, ...]
    assumed: tuple[str, ...]
    expert: tuple[str, ...]
    hats: str = ""  # 7th field (3.63+): specificity assigned by HATS


@dataclass(frozen=True, slots=True)
class SerSerRecord:
    """One line of rel_ser_ser.txt: an antigen with its split and associated antigens (codes)."""

    prefix: str  # "A", "B", "Cw", "DR", "DQ", "Dw"
    code: str
    splits: tuple[str, ...]
    associated: tuple[str, ...]


def release_version(text: str) -> str | None:
    """The release a WMDA file states (``# version: IPD-IMGT/HLA 3.58.0``), if any."""
    match = _VERSION.search(text[:2000])
    return match["version"] if match else None


def _codes(value: str, file: str, line: int, column: str) -> tuple[str, ...]:
    if not value:
        return ()
    codes = tuple(value.split("/"))
    for code in codes:
        if not _CODE.match(code):
            raise FileFormatError(
                "not a serology code",
                file=file,
                line=line,
                column=column,
                value=code,
                expected="1 to 4 digits, 0 for null or ?",
            )
    return codes


def parse_rel_dna_ser(text: str) -> list[DnaSerRecord]:
    """Every allele line of rel_dna_ser.txt, in the 6-field (<=3.62) or 7-field (3.63+) layout."""
    records: list[DnaSerRecord] = []
    append = records.append
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(";")
        if len(fields) not in (6, 7):
            raise FileFormatError(
                f"{len(fields)} ';'-separated fields",
                file=REL_DNA_SER,
                line=number,
                expected="6 fields (releases up to 3.62) or 7 fields (3.63 and later)",
            )
        gene, allele, unambiguous, possible, assumed, expert = fields[:6]
        if not gene.endswith("*") or not allele:
            raise FileFormatError(
                "locus or allele missing",
                file=REL_DNA_SER,
                line=number,
                value=line,
                expected="LOCUS*;FIELDS;...",
            )
        if unambiguous and not _CODE.match(unambiguous):
            raise FileFormatError(
                "not a serology code",
                file=REL_DNA_SER,
                line=number,
                column="unambiguous",
                value=unambiguous,
                expected="1 to 4 digits, 0 for null or ?",
            )
        append(
            DnaSerRecord(
                gene[:-1],
                gene + allele,
                unambiguous,
                _codes(possible, REL_DNA_SER, number, "possible"),
                _codes(assumed, REL_DNA_SER, number, "assumed"),
                _codes(expert, REL_DNA_SER, number, "expert"),
                fields[6] if len(fields) == 7 else "",
            )
        )
    if not records:
        raise FileFormatError("no allele lines", file=REL_DNA_SER)
    return records


def parse_rel_ser_ser(text: str) -> list[SerSerRecord]:
    """Every antigen line of rel_ser_ser.txt (locus; antigen; splits; associated antigens)."""
    records: list[SerSerRecord] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(";")
        if len(fields) != 4:
            raise FileFormatError(
                f"{len(fields)} ';'-separated fields",
                file=REL_SER_SER,
                line=number,
                expected="4 fields: locus;antigen;splits;associated",
            )
        prefix, code, splits, associated = fields
        if not prefix or not _CODE.match(code):
            raise FileFormatError(
                "locus or antigen missing",
                file=REL_SER_SER,
                line=number,
                value=line,
                expected="e.g. A;9;23/24;",
            )
        records.append(
            SerSerRecord(
                prefix,
                code,
                _codes(splits, REL_SER_SER, number, "splits"),
                _codes(associated, REL_SER_SER, number, "associated"),
            )
        )
    return records


def parse_allelelist(text: str) -> list[str]:
    """The allele names of Allelelist.txt (CSV with an ``Allele`` column after the ``#`` header)."""
    names: list[str] = []
    column: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cells = line.split(",")
        if column is None:
            if "Allele" not in cells:
                raise FileFormatError(
                    "no 'Allele' column in the header",
                    file=ALLELELIST,
                    line=number,
                    value=line,
                    expected="AlleleID,Allele",
                )
            column = cells.index("Allele")
            continue
        if len(cells) <= column or "*" not in cells[column]:
            raise FileFormatError(
                "not an allele row",
                file=ALLELELIST,
                line=number,
                value=line,
                expected="HLA00001,A*01:01:01:01",
            )
        names.append(cells[column])
    if column is None:
        raise FileFormatError("no header row", file=ALLELELIST, expected="AlleleID,Allele")
    return names


def parse_md5checksum(text: str) -> dict[str, str]:
    """File name -> md5 from md5checksum.txt (BSD ``MD5 (f) = x`` or GNU ``x  f`` lines)."""
    sums: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _MD5_BSD.match(line) or _MD5_GNU.match(line)
        if not match:
            raise FileFormatError(
                "not a checksum line",
                file=MD5CHECKSUM,
                line=number,
                value=line,
                expected="MD5 (rel_dna_ser.txt) = <32 hex digits>",
            )
        sums[match["name"].rsplit("/", 1)[-1]] = match["md5"].lower()
    return sums
