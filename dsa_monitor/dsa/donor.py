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
from ..hla.typing import HLATyping, loci_form

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
        """Adapter from ``hla.typing.HLATyping`` (the stored form of a typing)."""
        groups: list[tuple[str, list[HLAName]]] = [
            (str(entry), list(entry.candidates))
            for copies in typing.loci.values()
            for entry in copies
        ]
        groups.extend((str(e), [e]) for e in typing.public_epitopes)
        return cls._build(donor_id, groups)

    @classmethod
    def from_stored(cls, donor_id: str, data: Mapping[str, Any]) -> DonorHLA:
        """From a stored ``HLATyping.to_dict()``: its entries as validated when stored, without
        reading the GL String again (an evaluation loads thousands of typings at once)."""
        return cls._build(donor_id, [(text, [parse_name(name) for name in text.split("/")])
                                     for texts in loci_form(data).values() for text in texts])

    @classmethod
    def _build(cls, donor_id: str, groups: Iterable[tuple[str, list[HLAName]]]) -> DonorHLA:
        """NMDP/XX codes without their expansion table count as their allele group (``A*02:AB``
        -> any ``A*02``), said in ``notes``: never silently guessed at 2 fields."""
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
                    notes.append(f"{name}: code not expanded, matched as allele group "
                                 f"{name.locus}*{name.group}")
                    name = AlleleName(name.locus, (name.group,))
                candidates.append(name)
            if not candidates:
                continue
            loci = {locus_of(c) for c in candidates}
            if len(loci) != 1:
                raise InvalidHLAName(text, "ambiguous candidates must belong to one locus")
            entries.append(TypingEntry(loci.pop(), tuple(candidates), text))
        return cls(donor_id, tuple(entries), frozenset(epitopes), tuple(notes))


def locus_of(name: Candidate) -> str:
    """The gene a typed name belongs to (``DR52`` -> DRB3, ``DQ7`` -> DQB1, ``Cw4`` -> C)."""
    if isinstance(name, AlleleName):
        return name.locus
    locus = antigen_locus(name.prefix, name.number)
    if locus is None:
        raise InvalidHLAName(str(name), "no locus for this serologic name")
    return locus
