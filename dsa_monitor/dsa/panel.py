"""A bead panel: the beads of one lot in catalogue order (= MFI column order), each with its
antigen chain and, on DQ/DP, its alpha chain, and the arrays the numpy core indexes by."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import DSAMonitorError
from ..hla.loci import MONITORED
from ..hla.names import AlleleName, parse_allele
from ..sab.catalogue import Catalogue, CatalogueBead

ALPHA_LOCI = frozenset({"DQA1", "DPA1"})


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
        rows: list[tuple[str, tuple[str, ...], str | None]] = []
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
            primary = next((a for a in alleles if a.locus not in ALPHA_LOCI and a.locus != "DRA"), None)
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
        primary_index = np.array(
            [columns[b.primary.two_field] if b.primary else -1 for b in beads], dtype=np.int32
        )
        alpha_index = np.array([columns[b.alpha.two_field] if b.alpha else -1 for b in beads], dtype=np.int32)
        return cls(tuple(beads), loci, classes, groups, tuple(columns), primary_index, alpha_index)
