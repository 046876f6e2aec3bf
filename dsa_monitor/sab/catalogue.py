"""Bead-lot catalogues: what each bead of a lot carries. A result is read with its own lot's catalogue."""

from __future__ import annotations

import re
from collections.abc import Iterator
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
    region: str | None = None  # Luminex bead region, when the lot file gives it (.eds <Bead>)
    epitopes: tuple[str, ...] = ()  # public epitopes the lot sheet lists on the bead (Bw4, Bw6)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A registered lot: kit, lot, vendor, class and its beads in catalogue order."""

    vendor: str  # "onelambda" | "immucor"
    kit: str  # e.g. "LS1A04", "LSA1"
    lot: str  # as it appears in result files (ProtocolName / Lot ID / CatalogID)
    hla_class: str  # "I" | "II"
    beads: tuple[CatalogueBead, ...]
    qc_limits: dict[str, float] = field(default_factory=dict)  # PCUpper, PCLower, Con1Upper, ...
    notes: tuple[str, ...] = ()  # what reading the lot file set aside, said when it is registered

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

    def __iter__(self) -> Iterator[Catalogue]:
        return iter(self._by_lot.values())

    @staticmethod
    def lot_tokens(lot: str) -> tuple[str, ...]:
        """A lot name as letter/digit runs: ``3012456_3065421-SA1`` == ``3012456 3065421-SA1``."""
        return tuple(re.findall(r"[A-Z0-9]+", lot.upper()))

    def find(self, lot: str) -> list[Catalogue]:
        """The registered catalogues a result file's lot text may name, best evidence first.

        Exact name first; else the same letter/digit runs whatever the separators (the .eds
        ``3012456_3065421-SA1`` vs the MATCH IT! ``3008386 3008385-SA1`` spelling); else the
        registered lot's runs appearing in order inside the text (``LSA1 3012456 3065421-SA1 v2``).
        Several candidates are returned as they are: the caller must refuse to choose.
        """
        exact = self.get(lot)
        if exact is not None:
            return [exact]
        tokens = self.lot_tokens(lot)
        if not tokens:
            return []
        same = [c for c in self._by_lot.values() if self.lot_tokens(c.lot) == tokens]
        if same:
            return same
        # Only a distinctive lot name (6+ letters/digits) may be recognised inside other text.
        return [
            c
            for c in self._by_lot.values()
            if len("".join(self.lot_tokens(c.lot))) >= 6 and _contains_run(tokens, self.lot_tokens(c.lot))
        ]

    def __len__(self) -> int:
        return len(self._by_lot)


def _contains_run(tokens: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """True when ``run`` appears as consecutive tokens of ``tokens``."""
    n = len(run)
    return n > 0 and any(tokens[i : i + n] == run for i in range(len(tokens) - n + 1))
