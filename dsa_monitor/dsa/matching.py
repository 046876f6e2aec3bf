"""Which beads of a panel carry what a donor carries: per-bead masks computed once per donor.

Rules of DSA_RULES.md §3: allele level (2-field equality), antigen level (same serologic
equivalent), "possible" (a split of the donor's broad, an associated antigen of the donor's antigen,
a 1-field or ambiguous typing); DQ/DP alpha and beta chains separately; a bead the recipient
matches as well as the donor is "self"; null alleles are never targets. The per-bead loop here runs
once per (panel, donor); the per-sample work is numpy in ``calls.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ..errors import DSAMonitorError
from ..hla.loci import DR_SUPERTYPIC, MONITORED
from ..hla.names import AlleleName, Antigen, parse_allele
from ..sab.catalogue import Catalogue, CatalogueBead
from .donor import Candidate, DonorHLA, TypingEntry

NONE, POSSIBLE, ANTIGEN, ALLELE = 0, 1, 2, 3
LEVEL_NAMES = ("none", "possible", "antigen", "allele")
ALPHA_LOCI = frozenset({"DQA1", "DPA1"})


class SerologyAssignmentLike(Protocol):
    antigen: Antigen | None
    possible: tuple[Antigen, ...]
    expressed: bool


class SerologyReference(Protocol):
    """What matching asks of ``hla.reference.ReferenceData`` (an IPD-IMGT/HLA release)."""

    release: str

    def serology(self, name: AlleleName) -> SerologyAssignmentLike: ...
    def broad_of(self, antigen: Antigen) -> Antigen | None: ...
    def parent_of_associated(self, antigen: Antigen) -> Antigen | None: ...
    def public_epitope(self, item: Antigen | AlleleName) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PanelBead:
    """One bead of a panel: its antigen chain (single allele or beta) and, on DQ/DP, its alpha."""

    bead_id: str
    specificity: tuple[str, ...]
    primary: AlleleName | None  # class I / DR allele, or the beta chain of a heterodimer
    alpha: AlleleName | None = None  # DQA1 / DPA1 of a heterodimer bead
    control: str | None = None

    @property
    def label(self) -> str:
        return "/".join(self.specificity) if self.specificity else (self.control or self.bead_id)


@dataclass(frozen=True)
class BeadPanel:
    """The beads of one catalogue in catalogue order, with the arrays the numpy core needs."""

    beads: tuple[PanelBead, ...]
    loci: tuple[str, ...]  # locus of each bead's primary chain ("" for controls)
    hla_classes: tuple[str, ...]
    groups: npt.NDArray[np.int32]  # locus group number per bead (Wisse rule); -1 for controls
    chain_alleles: tuple[str, ...]  # every 2-field chain allele of the panel (attribution columns)
    primary_index: npt.NDArray[np.int32]  # column of each bead's primary chain allele, -1 none
    alpha_index: npt.NDArray[np.int32]  # column of each bead's alpha chain allele, -1 none

    def __len__(self) -> int:
        return len(self.beads)

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> BeadPanel:
        """The panel of a registered lot, its beads in catalogue order (= MFI column order)."""
        return cls.from_beads(catalogue.beads)

    @classmethod
    def from_beads(cls, beads: Iterable[CatalogueBead]) -> BeadPanel:
        return cls.build((b.bead_id, tuple(b.specificity), b.control) for b in beads)

    @classmethod
    def from_specificities(cls, specificities: Sequence[str]) -> BeadPanel:
        """Test and tooling shortcut: one string per bead, chains joined by ``&``, ``+`` or ``/``;
        ``NC``/``PC`` name control beads. Bead ids are 1, 2, 3..."""
        rows = []
        for number, text in enumerate(specificities, start=1):
            if text.upper() in ("NC", "PC"):
                rows.append((str(number), (), text.upper()))
                continue
            parts = tuple(p.strip() for p in text.replace("&", "/").replace("+", "/").split("/"))
            rows.append((str(number), parts, None))
        return cls.build(rows)

    @classmethod
    def build(cls, rows: Iterable[tuple[str, tuple[str, ...], str | None]]) -> BeadPanel:
        beads: list[PanelBead] = []
        for bead_id, specificity, control in rows:
            if control or not specificity:
                beads.append(PanelBead(bead_id, tuple(specificity), None, None, control or "?"))
                continue
            alleles = [parse_allele(s) for s in specificity]
            alpha = next((a for a in alleles if a.locus in ALPHA_LOCI), None)
            primary = next((a for a in alleles if a.locus not in ALPHA_LOCI and a.locus != "DRA"),
                           None)
            if primary is None and alpha is not None:
                primary, alpha = alpha, None
            if primary is None:
                raise DSAMonitorError(f"bead {bead_id}: no monitored allele in {specificity}")
            beads.append(PanelBead(bead_id, tuple(str(a) for a in alleles), primary, alpha))
        loci = tuple(b.primary.locus if b.primary else "" for b in beads)
        classes = tuple(MONITORED[locus].hla_class if locus in MONITORED else "" for locus in loci)
        group_names = sorted({locus for locus in loci if locus})
        groups = np.array([group_names.index(x) if x else -1 for x in loci], dtype=np.int32)
        columns: dict[str, int] = {}
        for bead in beads:
            for chain in (bead.primary, bead.alpha):
                if chain is not None:
                    columns.setdefault(chain.two_field, len(columns))
        primary_index = np.array([columns[b.primary.two_field] if b.primary else -1 for b in beads],
                                 dtype=np.int32)
        alpha_index = np.array([columns[b.alpha.two_field] if b.alpha else -1 for b in beads],
                               dtype=np.int32)
        return cls(tuple(beads), loci, classes, groups, tuple(columns), primary_index, alpha_index)


@dataclass(frozen=True)
class DonorMatch:
    """Per-bead answers for one donor on one panel (arrays aligned to ``panel.beads``).

    ``primary_*`` describe the bead's single or beta chain, ``alpha_*`` its DQA1/DPA1 chain.
    A ``*_target`` mask is True where the donor carries that chain and the recipient does not.
    """

    donor_id: str
    panel: BeadPanel
    primary_level: npt.NDArray[np.int8]
    alpha_level: npt.NDArray[np.int8]
    primary_self: npt.NDArray[np.bool_]
    alpha_self: npt.NDArray[np.bool_]
    alpha_untyped: npt.NDArray[np.bool_]  # heterodimer bead whose alpha locus the donor lacks
    shared: npt.NDArray[np.bool_]  # the recipient matches a target chain, at a lower level only
    primary_target: tuple[str | None, ...]  # the donor entry the chain matches, as typed
    alpha_target: tuple[str | None, ...]
    antigen: tuple[str | None, ...]  # serologic equivalent of the bead's primary chain
    epitope: tuple[str | None, ...]  # Bw4/Bw6 of class I beads
    release: str
    notes: tuple[str, ...] = ()

    @property
    def primary_mask(self) -> npt.NDArray[np.bool_]:
        return (self.primary_level > NONE) & ~self.primary_self

    @property
    def alpha_mask(self) -> npt.NDArray[np.bool_]:
        return (self.alpha_level > NONE) & ~self.alpha_self

    @property
    def heterodimer(self) -> npt.NDArray[np.bool_]:
        return self.panel.alpha_index >= 0


class _Serology:
    """Memoised antigen lookups against one reference; unknown alleles have no antigen."""

    def __init__(self, reference: SerologyReference) -> None:
        self.reference = reference
        self._cache: dict[AlleleName, tuple[Antigen | None, tuple[Antigen, ...]]] = {}
        self.unknown: dict[str, str] = {}  # allele -> why the reference gave no serology

    def of(self, allele: AlleleName) -> tuple[Antigen | None, tuple[Antigen, ...]]:
        found = self._cache.get(allele)
        if found is None:
            try:
                assignment = self.reference.serology(allele)
                found = (assignment.antigen, tuple(assignment.possible))
            except DSAMonitorError as error:
                self.unknown[str(allele)] = error.message
                found = (None, ())
            if (found[0] is None and not found[1] and allele.expressed
                    and allele.locus in DR_SUPERTYPIC):
                # DR51/52/53 name every DRB5/DRB3/DRB4 product (DSA_RULES.md §1).
                found = (Antigen("DR", DR_SUPERTYPIC[allele.locus]), ())
            self._cache[allele] = found
        return found

    def antigen_level(self, bead: Antigen | None, possible: tuple[Antigen, ...],
                      typed: Antigen) -> int:
        """How a bead's antigen relates to a serologically typed antigen."""
        reference = self.reference
        if bead is not None:
            if bead == typed:
                return ANTIGEN
            related = (
                reference.broad_of(bead),  # donor typed as the broad: the split is only possible
                reference.parent_of_associated(bead),  # A203 bead, donor typed A2
                reference.broad_of(typed),  # bead carries the broad of the donor's split
            )
            if typed in related[:2] or related[2] == bead:
                return POSSIBLE
        return POSSIBLE if typed in possible else NONE

    def chain_level(self, bead: AlleleName, typed: Candidate) -> int:
        """The level at which one typed name matches one bead chain."""
        if isinstance(typed, AlleleName):
            if typed.locus != bead.locus or not typed.expressed:
                return NONE
            if typed.resolution >= 2 and typed.fields[:2] == bead.fields[:2]:
                return ALLELE
            bead_antigen, bead_possible = self.of(bead)
            typed_antigen, _ = self.of(typed)
            if typed.resolution == 1:
                if typed_antigen is not None:
                    return self.antigen_level(bead_antigen, bead_possible, typed_antigen)
                # No serology (DQA1, DPA1, DPB1, C*12+): the group alone makes it possible.
                return POSSIBLE if bead.fields[0] == typed.fields[0] else NONE
            if typed_antigen is not None and typed_antigen == bead_antigen:
                return ANTIGEN
            return NONE
        bead_antigen, bead_possible = self.of(bead)
        return self.antigen_level(bead_antigen, bead_possible, typed)

    def entry_level(self, bead: AlleleName, entry: TypingEntry) -> int:
        """An ambiguous entry matches at the level all its candidates share, else "possible"."""
        levels = [self.chain_level(bead, c) for c in entry.expressed]
        if not levels or max(levels) == NONE:
            return NONE
        return min(levels) if min(levels) > NONE else POSSIBLE

    def best(self, bead: AlleleName | None, person: DonorHLA | None) -> tuple[int, str | None]:
        if bead is None or person is None or not bead.expressed:
            return NONE, None
        best_level, best_text = NONE, None
        for entry in person.entries:
            if entry.locus != bead.locus:  # another gene's name never matches this chain
                continue
            level = self.entry_level(bead, entry)
            if level > best_level:
                best_level, best_text = level, entry.text
        if best_level == NONE and bead.locus in DR_SUPERTYPIC and not person.typed(bead.locus):
            implied = implied_supertypic(person, bead.locus)
            if implied is not None:
                name = f"DR{DR_SUPERTYPIC[bead.locus]}"
                return POSSIBLE, f"{name} (implied by {implied}; {bead.locus} untyped)"
        return best_level, best_text


# DRB1 groups whose haplotypes carry DRB5 (DR51), DRB3 (DR52) or DRB4 (DR53): general HLA
# knowledge (DR2 -> DR51; DR3, DR5, DR6 -> DR52; DR4, DR7, DR9 -> DR53; DR1, DR8, DR10: none).
_SUPERTYPIC_OF_GROUP = {
    **dict.fromkeys(("2", "15", "16"), "DRB5"),
    **dict.fromkeys(("3", "17", "18", "5", "11", "12", "6", "13", "14"), "DRB3"),
    **dict.fromkeys(("4", "7", "9"), "DRB4"),
}


def implied_supertypic(person: DonorHLA, locus: str) -> str | None:
    """The DRB1 entry implying that an untyped DRB3/4/5 is present (DR15 -> DRB5), if any."""
    for entry in person.at("DRB1"):
        for name in entry.expressed:
            if isinstance(name, AlleleName):
                group = str(int(name.fields[0]))
            else:
                group = name.number[:-2] if len(name.number) > 2 else name.number
            if _SUPERTYPIC_OF_GROUP.get(group) == locus:
                return entry.text
    return None


def match_donor(
    panel: BeadPanel,
    donor: DonorHLA,
    reference: SerologyReference,
    recipient: DonorHLA | None = None,
) -> DonorMatch:
    """Masks of the beads a donor's HLA makes DSA targets, chain by chain.

    A chain is "self" when the recipient matches it at the donor's level or better: an antibody
    there cannot be told from one against the recipient's own (shared) antigen.
    """
    serology = _Serology(reference)
    rows = []
    for b, bead in enumerate(panel.beads):
        p_level, p_text = serology.best(bead.primary, donor)
        a_level, a_text = serology.best(bead.alpha, donor)
        p_recipient = serology.best(bead.primary, recipient)[0]
        a_recipient = serology.best(bead.alpha, recipient)[0]
        p_self = p_level > NONE and p_recipient >= p_level
        a_self = a_level > NONE and a_recipient >= a_level
        shared = (p_level > NONE and NONE < p_recipient < p_level) or (
            a_level > NONE and NONE < a_recipient < a_level)
        untyped = bead.alpha is not None and not donor.typed(bead.alpha.locus)
        antigen, epitope = None, None
        if bead.primary is not None:
            found, possible = serology.of(bead.primary)
            antigen = str(found) if found else ("/".join(map(str, possible)) or None)
            if panel.hla_classes[b] == "I":
                try:
                    epitope = reference.public_epitope(bead.primary)
                except DSAMonitorError:
                    epitope = None
        rows.append((p_level, a_level, p_self, a_self, untyped, shared, p_text, a_text, antigen,
                     epitope))
    columns = list(zip(*rows, strict=True)) if rows else [()] * 10
    nulls = [e.text for e in donor.entries if len(e.expressed) < len(e.candidates)]
    notes = donor.notes + tuple(f"{text}: null allele, not a DSA target" for text in nulls)
    panel_loci = dict.fromkeys(
        chain.locus for bead in panel.beads for chain in (bead.alpha, bead.primary) if chain
    )
    # DRB3/4/5 are absent from some haplotypes: with DRB1 typed, their absence is an answer.
    untyped = [
        locus for locus in panel_loci
        if not donor.typed(locus) and not (locus in DR_SUPERTYPIC and donor.typed("DRB1"))
    ]
    notes += tuple(f"{why}; matched at allele level only" for why in serology.unknown.values())
    notes += tuple(
        f"donor {locus} not typed: "
        + ("reactivity to this chain is undecidable" if locus in ALPHA_LOCI
           else "no DSA can be called on its beads")
        for locus in untyped
    )
    return DonorMatch(
        donor_id=donor.donor_id,
        panel=panel,
        primary_level=np.array(columns[0], dtype=np.int8),
        alpha_level=np.array(columns[1], dtype=np.int8),
        primary_self=np.array(columns[2], dtype=np.bool_),
        alpha_self=np.array(columns[3], dtype=np.bool_),
        alpha_untyped=np.array(columns[4], dtype=np.bool_),
        shared=np.array(columns[5], dtype=np.bool_),
        primary_target=tuple(columns[6]),
        alpha_target=tuple(columns[7]),
        antigen=tuple(columns[8]),
        epitope=tuple(columns[9]),
        release=str(getattr(reference, "release", "unknown")),
        notes=notes,
    )
