"""The HLA of one person as the DSA matcher needs it: per locus, entries of candidate names.

A ``DonorHLA`` is built from names as a lab writes them (``A*02:01``, ``A2``, ``A9``,
``DQA1*05:01/DQA1*05:05``, ``Bw4``) or from an ``hla.typing.HLATyping``; the same type describes
the recipient, whose shared antigens make a bead "self".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidHLAName
from ..hla.loci import antigen_locus
from ..hla.names import AlleleCode, AlleleName, Antigen, HLAName, parse_name
from ..hla.typing import HLATyping

Candidate = AlleleName | Antigen


@dataclass(frozen=True, slots=True)
class TypingEntry:
    """One typed copy of a locus: one name, or several when the typing is ambiguous."""

    locus: str
    candidates: tuple[Candidate, ...]
    text: str  # as the lab wrote it, for reports

    @property
    def expressed(self) -> tuple[Candidate, ...]:
        """Candidates that can be antibody targets (null alleles never are)."""
        return tuple(c for c in self.candidates if not isinstance(c, AlleleName) or c.expressed)


@dataclass(frozen=True, slots=True)
class DonorHLA:
    """The typing of a donor (or recipient): entries per locus and any Bw4/Bw6 stated."""

    donor_id: str
    entries: tuple[TypingEntry, ...]
    epitopes: frozenset[str] = frozenset()  # "Bw4"/"Bw6" as typed; never bead targets by themselves
    notes: tuple[str, ...] = field(default=())

    def at(self, locus: str) -> tuple[TypingEntry, ...]:
        return tuple(e for e in self.entries if e.locus == locus)

    def typed(self, locus: str) -> bool:
        """True when the typing says anything about this locus."""
        return any(e.locus == locus for e in self.entries)

    @classmethod
    def from_names(cls, donor_id: str, names: Iterable[str]) -> DonorHLA:
        """Build from lab names; ``/`` separates ambiguous candidates of one copy."""
        groups: list[tuple[str, list[HLAName]]] = []
        for text in names:
            text = text.strip()
            if text:
                groups.append((text, [parse_name(token) for token in text.split("/")]))
        return cls._build(donor_id, groups)

    @classmethod
    def from_typing(cls, donor_id: str, typing: HLATyping) -> DonorHLA:
        """Adapter from ``hla.typing.HLATyping``: an NMDP code stands for its expansion."""
        groups: list[tuple[str, list[HLAName]]] = [
            (str(entry), list(entry.expansion or entry.candidates))
            for copies in typing.loci.values()
            for entry in copies
        ]
        groups.extend((str(e), [e]) for e in typing.public_epitopes)
        return cls._build(donor_id, groups)

    @classmethod
    def from_stored(cls, donor_id: str, data: Mapping[str, Any]) -> DonorHLA:
        """From a stored ``HLATyping.to_dict()``: its entries as validated when stored, without
        reading the GL String again (an evaluation loads thousands of typings at once). An NMDP
        code stands for the alleles stored with it (its ``expansion``)."""
        groups: list[tuple[str, list[HLAName]]] = []
        for entries in (data.get("loci") or {}).values():
            for entry in entries:
                names = entry.get("expansion") or entry["names"]
                groups.append(("/".join(entry["names"]), [parse_name(n) for n in names]))
        groups.extend((text, [parse_name(text)]) for text in data.get("public_epitopes") or ())
        return cls._build(donor_id, groups)

    @classmethod
    def _build(cls, donor_id: str, groups: Iterable[tuple[str, list[HLAName]]]) -> DonorHLA:
        """Entries from names; an NMDP code arrives here expanded (typings refuse a code they
        cannot expand). A code still unexpanded (``XX``, or an NMDP code stored before codes
        were expanded, or given to ``from_names``) counts as its allele group (``A*02:AB`` ->
        any ``A*02``), said in ``notes``: never silently guessed at 2 fields."""
        entries: list[TypingEntry] = []
        epitopes: set[str] = set()
        notes: list[str] = []
        for text, names in groups:
            candidates: list[Candidate] = []
            for name in names:
                if isinstance(name, Antigen) and name.prefix == "Bw":
                    epitopes.add(str(name))
                    continue
                if isinstance(name, AlleleCode):
                    notes.append(_unexpanded_note(name))
                    name = AlleleName(name.locus, (name.group,))
                candidates.append(name)
            if not candidates:
                continue
            loci = {locus_of(c) for c in candidates}
            if len(loci) != 1:
                raise InvalidHLAName(text, "ambiguous candidates must belong to one locus")
            entries.append(TypingEntry(loci.pop(), tuple(candidates), text))
        return cls(donor_id, tuple(entries), frozenset(epitopes), tuple(notes))


def _unexpanded_note(code: AlleleCode) -> str:
    """The same words for XX and for an NMDP code left unexpanded (stored before expansion)."""
    return f"{code}: code not expanded, matched as allele group {code.locus}*{code.group}"


def locus_of(name: Candidate) -> str:
    """The gene a typed name belongs to (``DR52`` -> DRB3, ``DQ7`` -> DQB1, ``Cw4`` -> C)."""
    if isinstance(name, AlleleName):
        return name.locus
    locus = antigen_locus(name.prefix, name.number)
    if locus is None:
        raise InvalidHLAName(str(name), "no locus for this serologic name")
    return locus
