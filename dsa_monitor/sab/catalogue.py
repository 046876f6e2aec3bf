"""Bead-lot catalogues: what each bead of a lot carries. A result is read with its own lot's catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CatalogueBead:
    """One bead (region) of a lot: the allele(s) it carries and, for Immucor, its lot constants."""

    bead_id: str  # bead number / Luminex region as the vendor writes it
    specificity: tuple[str, ...]  # modern allele names; class II heterodimers: (alpha, beta)
    serology: str | None = None
    control: str | None = None  # "NC" / "PC" for control beads
    cutoff: float | None = None  # Immucor .eds per-bead cutoff
    rad: float | None = None  # Immucor relative antigen density
    background_mfi: float | None = None  # Immucor background MFI
    lra_group: str | None = None  # locus group whose lowest bead is the LRA denominator


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A registered lot: kit, lot, vendor, class and its beads in catalogue order."""

    vendor: str  # "onelambda" | "immucor"
    kit: str  # e.g. "LS1A04", "LSA1"
    lot: str  # as it appears in result files (ProtocolName / Lot ID / CatalogID)
    hla_class: str  # "I" | "II"
    beads: tuple[CatalogueBead, ...]
    qc_limits: dict[str, float] = field(default_factory=dict)  # PCUpper, PCLower, Con1Upper, ...

    def bead(self, bead_id: str) -> CatalogueBead | None:
        for bead in self.beads:
            if bead.bead_id == bead_id:
                return bead
        return None


class CatalogueRegistry:
    """The catalogues a lab has registered, looked up by lot as result files name it."""

    def __init__(self, catalogues: list[Catalogue] | None = None) -> None:
        self._by_lot: dict[str, Catalogue] = {}
        for catalogue in catalogues or []:
            self.add(catalogue)

    @staticmethod
    def key(lot: str) -> str:
        return " ".join(lot.split()).upper()

    def add(self, catalogue: Catalogue) -> None:
        self._by_lot[self.key(catalogue.lot)] = catalogue

    def get(self, lot: str) -> Catalogue | None:
        return self._by_lot.get(self.key(lot))

    def __len__(self) -> int:
        return len(self._by_lot)
