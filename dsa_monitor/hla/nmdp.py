"""NMDP allele codes (MAC) and XX codes: recognised, and expanded only from a real code table.

A code never expands by guess, and is never cut to its allele group: without the NMDP table
(``numer.v3.txt``, from hml.nmdp.org/mac, installed by ``dsa-monitor reference install-nmdp``) the
expansion fails with ``InvalidHLAName`` saying how to install it. ``XX`` is no NMDP code: it stands
for the whole allele group, read from the release's own allele list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..errors import FileFormatError, InvalidHLAName
from .names import AlleleCode, AlleleName, is_code, parse_allele, parse_code

_ROW = re.compile(r"^\*?\s*(?P<code>[A-Z]{2,5})\t(?P<subtypes>\S+)$")
_SUBTYPE = re.compile(r"^\d{2,4}(?::\d{2,4})?[A-Z]?$")
_UPDATED = re.compile(r'^"?LAST UPDATED:\s*(?P<date>[^"]*)"?$', re.IGNORECASE)

# The command that installs the table, named in every refusal of an unexpandable code.
INSTALL_COMMAND = "dsa-monitor reference install-nmdp"
NOT_INSTALLED = (
    "an NMDP code needs the NMDP code table, which is not installed: install it with "
    f"`{INSTALL_COMMAND}` (or `{INSTALL_COMMAND} --source <numer.v3.txt or numer.v3.zip>` "
    "where there is no internet), or give the alleles it stands for as a '/' list"
)


@dataclass(frozen=True)
class NMDPCodeTable:
    """The NMDP code table: code -> the subtypes it lists (``AB`` -> ``("01", "02")``)."""

    codes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    updated: str | None = None  # the file's "LAST UPDATED" date, as written

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __len__(self) -> int:
        return len(self.codes)


def parse_code_table(text: str, file: str | None = None) -> NMDPCodeTable:
    """Read the NMDP ``numer.v3.txt`` layout: a header, then ``CODE<TAB>SUBTYPES`` per line.

    Subtypes are 2nd fields (``01/02``: same group as the code) or whole allele names without
    the gene (``01:01/02:01``: allele-specific codes).
    """
    codes: dict[str, tuple[str, ...]] = {}
    updated = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n").rstrip()
        if not line.strip():
            continue
        stamp = _UPDATED.match(line.strip())
        if stamp:
            updated = stamp["date"].strip()
            continue
        if line.replace("*", "").split() == ["CODE", "SUBTYPE"]:
            continue
        match = _ROW.match(line.strip(" "))
        if not match:
            raise FileFormatError(
                "not an NMDP code row",
                file=file,
                line=number,
                value=line,
                expected="CODE<TAB>SUBTYPES, e.g. 'AB\\t01/02'",
            )
        subtypes = tuple(match["subtypes"].split("/"))
        bad = next((s for s in subtypes if not _SUBTYPE.match(s)), None)
        if bad is not None:
            raise FileFormatError(
                f"bad subtype in code {match['code']}",
                file=file,
                line=number,
                value=bad,
                expected="a 2nd field (01) or an allele without its gene (01:01)",
            )
        if match["code"] in codes:
            raise FileFormatError(f"code {match['code']} listed twice", file=file, line=number, value=line)
        codes[match["code"]] = subtypes
    return NMDPCodeTable(MappingProxyType(codes), updated)


def _as_code(code: AlleleCode | str) -> AlleleCode:
    return code if isinstance(code, AlleleCode) else parse_code(code)


def expand(code: AlleleCode | str, table: NMDPCodeTable | None) -> list[AlleleName]:
    """The alleles an NMDP code stands for, in the table's order (``A*02:AB`` -> A*02:01/02)."""
    code = _as_code(code)
    if code.is_xx:
        raise InvalidHLAName(
            str(code),
            "an XX code stands for every allele of its group; expand it with the "
            "release's allele list (expand_xx)",
        )
    if table is None or not table.codes:
        raise InvalidHLAName(str(code), NOT_INSTALLED)
    subtypes = table.codes.get(code.code)
    if subtypes is None:
        when = f" (updated {table.updated})" if table.updated else ""
        raise InvalidHLAName(str(code), f"unknown NMDP code {code.code!r}: not in the code table{when}")
    if any(":" in s for s in subtypes):
        names = [parse_allele(f"{code.locus}*{s}") for s in subtypes]
        groups = {n.group for n in names}
        if code.group not in groups:
            raise InvalidHLAName(
                str(code),
                f"code {code.code} lists alleles of group {'/'.join(sorted(groups))}, not {code.group}",
            )
        return names
    return [parse_allele(f"{code.locus}*{code.group}:{s}") for s in subtypes]


def expand_xx(code: AlleleCode | str, alleles_of_group: Iterable[AlleleName]) -> list[AlleleName]:
    """The alleles an XX code stands for: those of the release's list in its locus and group."""
    code = _as_code(code)
    if not code.is_xx:
        raise InvalidHLAName(str(code), "not an XX code; expand NMDP codes with the code table")
    found = [a for a in alleles_of_group if a.locus == code.locus and a.group == code.group]
    if not found:
        raise InvalidHLAName(
            str(code), f"no allele of group {code.locus}*{code.group} in the given allele list"
        )
    return found


__all__ = [
    "NMDPCodeTable",
    "NOT_INSTALLED",
    "expand",
    "expand_xx",
    "is_code",
    "parse_code",
    "parse_code_table",
]
