"""The eplets a person's typing carries, per locus group, and what could not be placed.

Why a rule per kind of entry: an eplet table lists alleles at two fields, a lab reports alleles,
ambiguity lists, NMDP codes, allele groups and serologic antigens. Nothing is guessed:
- an allele (any resolution >= 2 fields) is looked up at two fields; a null (``N``) allele is
  not expressed and carries no eplet;
- an ambiguity list or an NMDP code (its stored expansion) carries the eplets **every** candidate
  carries, and the placement says so; it is placed only when the table lists every expressed
  candidate (a candidate the table lacks could lack any eplet);
- an allele group (``A*02``, ``B*15:XX``), an NMDP code stored without its expansion and a
  serologic antigen name no allele: not placed, said;
- an allele the table does not list: not placed, said, never replaced by a neighbour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from ..hla.names import AlleleCode, AlleleName, parse_name
from ..hla.typing import TypingEntry
from .tables import GROUPS, LOCUS_GROUP, EpletTable

Status = str  # "placed", "ambiguous", "null", "not in table", "not placed"


@dataclass(frozen=True, slots=True)
class Placement:
    """How one typed copy was read against the table."""

    locus: str
    entry: str  # as typed
    status: Status
    note: str = ""
    missing: tuple[str, ...] = ()  # candidates the table does not list

    @property
    def placed(self) -> bool:
        return self.status in ("placed", "ambiguous", "null")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"locus": self.locus, "entry": self.entry, "status": self.status}
        if self.note:
            data["note"] = self.note
        if self.missing:
            data["missing"] = list(self.missing)
        return data


@dataclass(frozen=True, eq=False)
class PersonEplets:
    """A typing's eplets per locus group (a boolean vector over the group's eplets)."""

    carried: Mapping[str, npt.NDArray[np.bool_]]
    placements: tuple[Placement, ...]

    def unplaced(self, group: str) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if not p.placed and LOCUS_GROUP[p.locus] == group)


def _candidates(entry: TypingEntry) -> tuple[tuple[AlleleName, ...], str]:
    """The alleles an entry stands for, or () with the reason it names none."""
    first = entry.candidates[0]
    if entry.kind == "antigen":
        return (), "a serologic antigen names no allele: type the donor at two fields"
    if entry.kind == "code":
        if isinstance(first, AlleleCode) and not first.is_xx and entry.expansion:
            return tuple(entry.expansion), ""
        return (), "an allele group or a code without its alleles names no single allele"
    alleles = tuple(n for n in entry.candidates if isinstance(n, AlleleName))
    if any(a.resolution < 2 for a in alleles):
        return (), "an allele group names no single allele"
    return alleles, ""


def place_entry(
    table: EpletTable, locus: str, entry: TypingEntry
) -> tuple[Placement, npt.NDArray[np.bool_] | None]:
    """One copy's eplets (None when not placed) and how it was read."""
    group = table.group_of(locus)
    text = str(entry)
    if group is None:
        return Placement(locus, text, "not placed", "the eplet table has no such locus"), None
    alleles, reason = _candidates(entry)
    if not alleles:
        return Placement(locus, text, "not placed", reason), None
    expressed = [a for a in alleles if a.expressed]
    if not expressed:
        return (
            Placement(locus, text, "null", "null allele: not expressed, no eplet"),
            np.zeros(len(group.eplets), dtype=bool),
        )
    names = [a.two_field for a in expressed]
    missing = tuple(dict.fromkeys(n for n in names if group.allele_index(n) is None))
    if missing:
        return Placement(
            locus,
            text,
            "not in table",
            f"not in eplet table {table.version}: its eplets are not counted",
            missing,
        ), None
    indexes = [i for i in (group.allele_index(n) for n in dict.fromkeys(names)) if i is not None]
    common: np.ndarray = np.asarray(group.carries[indexes].all(axis=0))
    if len(alleles) == 1:
        return Placement(locus, text, "placed"), common
    nulls = len(alleles) - len(expressed)
    note = f"ambiguous: the eplets all {len(set(names))} expressed candidates carry" + (
        f" ({nulls} null candidate(s) carry none)" if nulls else ""
    )
    return Placement(locus, text, "ambiguous", note), common


def person_eplets(table: EpletTable, loci: Mapping[str, Sequence[TypingEntry]]) -> PersonEplets:
    """A typing's eplets (``HLATyping.loci``, or ``stored_loci`` of a stored typing)."""
    carried = {g: np.zeros(len(t.eplets), dtype=bool) for g, t in table.groups.items()}
    placements = []
    for locus, copies in loci.items():
        for entry in dict.fromkeys(copies):  # a homozygous pair is read once
            placement, eplets = place_entry(table, locus, entry)
            placements.append(placement)
            group = LOCUS_GROUP.get(locus)
            if eplets is not None and group in carried:
                carried[group] |= eplets
    return PersonEplets(MappingProxyType(carried), tuple(placements))


def stored_loci(data: Mapping[str, Any]) -> dict[str, tuple[TypingEntry, ...]]:
    """A stored typing (``HLATyping.to_dict()``) as entries, NMDP expansions kept: the typing as
    it was read, never re-read through a reference."""
    loci: dict[str, tuple[TypingEntry, ...]] = {}
    for locus, entries in (data.get("loci") or {}).items():
        loci[locus] = tuple(_stored_entry(e) for e in entries)
    return loci


def _stored_entry(data: Mapping[str, Any]) -> TypingEntry:
    entry = TypingEntry.of(parse_name(n) for n in data["names"])
    expansion: Iterable[str] = data.get("expansion") or ()
    if expansion:
        entry = TypingEntry(
            entry.kind,
            entry.candidates,
            entry.resolution,
            tuple(parse_name(a) for a in expansion),  # type: ignore[misc]
        )
    return entry


__all__ = ["GROUPS", "Placement", "PersonEplets", "person_eplets", "place_entry", "stored_loci"]
