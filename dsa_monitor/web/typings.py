"""Recipient and donor typings side by side, locus by locus, with the donor's mismatches marked.

A donor copy is a mismatch (a possible DSA target) when none of its candidates' serologic
antigens is among the recipient's at that locus (DSA_RULES.md §3, host versus graft direction);
two alleles of one antigen are told apart at two fields ("antigen-match"). Nothing is marked
where it cannot be told: an untyped locus, a name without serology, a broad against its split.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import DSAMonitorError, InvalidHLAName
from ..hla.loci import LOCUS_ORDER
from ..hla.names import AlleleName, Antigen, parse_allele, parse_antigen, parse_name

MATCH, ANTIGEN_MATCH, MISMATCH, NOT_COMPARED = "match", "antigen-match", "mismatch", ""


@dataclass(frozen=True, slots=True)
class Copy:
    """One typed copy of a locus, as shown, and how it compares with the recipient."""

    text: str
    verdict: str  # MATCH, ANTIGEN_MATCH (same antigen, other allele), MISMATCH or NOT_COMPARED


@dataclass(frozen=True, slots=True)
class LocusRow:
    locus: str
    recipient: tuple[Copy, ...]
    donors: tuple[tuple[Copy, ...], ...]  # one cell per donor, in the order given


def _allele_level(names: Sequence[str]) -> bool:
    """Every name an allele of 2 fields or more without a suffix: no code (``A*02:AB``), no
    null allele (never a target, so never marked)."""

    def named(text: str) -> bool:
        try:
            name = parse_name(text)
        except InvalidHLAName:
            return False
        return isinstance(name, AlleleName) and name.resolution >= 2 and not name.suffix

    return bool(names) and all(named(n) for n in names)


def _two_fields(name: str) -> str:
    gene, _, fields = name.partition("*")
    return f"{gene}*{':'.join(fields.split(':')[:2])}" if fields else name


def _antigens(names: Sequence[str], serology: Callable[[str], Antigen | None]) -> set[Antigen]:
    found: set[Antigen] = set()
    for name in names:
        try:
            antigen = serology(name) if "*" in name else parse_antigen(name)
        except DSAMonitorError:
            antigen = None
        if antigen is not None:
            found.add(antigen)
    return found


def _broads(antigens: set[Antigen], broad_of: Callable[[Antigen], Antigen | None]) -> set[Antigen]:
    return {b for b in (broad_of(a) for a in antigens) if b is not None}


def side_by_side(
    recipient: Mapping | None,
    donors: Sequence[Mapping | None],
    serology: Callable[[str], Antigen | None],
    broad_of: Callable[[Antigen], Antigen | None],
) -> list[LocusRow]:
    """Rows for every locus typed on either side; typings are ``HLATyping.to_dict()`` forms."""

    def loci(typing: Mapping | None) -> Mapping[str, list]:
        return (typing or {}).get("loci") or {}

    recipient_loci = loci(recipient)
    rows = []
    for locus in LOCUS_ORDER:
        mine = recipient_loci.get(locus) or []
        theirs = [loci(d).get(locus) or [] for d in donors]
        if not mine and not any(theirs):
            continue
        own_names = [n for entry in mine for n in entry["names"]]
        own_alleles = {_two_fields(n) for n in own_names if "*" in n}
        own_antigens = _antigens(own_names, serology)
        own_broads = _broads(own_antigens, broad_of)
        cells = []
        for entries in theirs:
            cell = []
            for entry in entries:
                names = entry["names"]
                text = "/".join(names)
                if not mine:
                    cell.append(Copy(text, NOT_COMPARED))
                    continue
                if {_two_fields(n) for n in names if "*" in n} & own_alleles:
                    cell.append(Copy(text, MATCH))
                    continue
                antigens = _antigens(names, serology)
                if antigens & own_antigens:
                    allele_level = all("*" in n for n in names) and own_alleles
                    cell.append(Copy(text, ANTIGEN_MATCH if allele_level else MATCH))
                elif (
                    _allele_level(names)
                    and _allele_level(own_names)
                    and not (antigens & own_broads or _broads(antigens, broad_of) & own_antigens)
                ):
                    cell.append(Copy(text, MISMATCH))  # told at 2 fields (DQA1, DPB1: no antigen)
                elif (
                    not antigens
                    or not own_antigens  # an NMDP code, a null allele...
                    or antigens & own_broads
                    or _broads(antigens, broad_of) & own_antigens
                ):
                    cell.append(Copy(text, NOT_COMPARED))  # a broad against its split: can't tell
                else:
                    cell.append(Copy(text, MISMATCH))
            cells.append(tuple(cell))
        rows.append(
            LocusRow(locus, tuple(Copy("/".join(e["names"]), NOT_COMPARED) for e in mine), tuple(cells))
        )
    return rows


def serology_lookup(reference) -> Callable[[str], Antigen | None]:
    """An allele name's serologic antigen in a reference release (None: no equivalent)."""

    def serology(name: str) -> Antigen | None:
        return reference.serology(parse_allele(name)).antigen

    return serology
