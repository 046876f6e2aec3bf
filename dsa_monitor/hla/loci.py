"""The HLA loci the service monitors, their class, chain, and serologic prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Locus:
    name: str  # gene name as in IPD-IMGT/HLA: "A", "DRB1", "DQA1"
    hla_class: str  # "I" or "II"
    chain: str  # "alpha" or "beta" (class I heavy chains count as alpha)
    serologic_prefix: str | None  # "A", "B", "Cw", "DR", "DQ", "DP"; None when no WHO serology


MONITORED: dict[str, Locus] = {
    locus.name: locus
    for locus in (
        Locus("A", "I", "alpha", "A"),
        Locus("B", "I", "alpha", "B"),
        Locus("C", "I", "alpha", "Cw"),
        Locus("DRB1", "II", "beta", "DR"),
        Locus("DRB3", "II", "beta", "DR"),
        Locus("DRB4", "II", "beta", "DR"),
        Locus("DRB5", "II", "beta", "DR"),
        Locus("DQA1", "II", "alpha", None),
        Locus("DQB1", "II", "beta", "DQ"),
        Locus("DPA1", "II", "alpha", None),
        Locus("DPB1", "II", "beta", "DP"),
    )
}

# The order loci are printed in (GL Strings, tables, typings).
LOCUS_ORDER: tuple[str, ...] = tuple(MONITORED)

# Serologic prefix -> the genes whose alleles carry antigens of that prefix.
PREFIX_LOCI: dict[str, tuple[str, ...]] = {
    "A": ("A",),
    "B": ("B",),
    "Cw": ("C",),
    "DR": ("DRB1", "DRB3", "DRB4", "DRB5"),
    "DQ": ("DQB1",),
    "DP": ("DPB1",),
    "Bw": ("B", "A"),
}

# DR51/DR52/DR53 are the serologic names of the DRB5/DRB3/DRB4 products.
DR_SUPERTYPIC: dict[str, str] = {"DRB5": "51", "DRB3": "52", "DRB4": "53"}

# The alpha chain that pairs with each class II beta chain on a heterodimer bead.
ALPHA_OF_BETA: dict[str, str] = {"DQB1": "DQA1", "DPB1": "DPA1", "DRB1": "DRA"}

_SUPERTYPIC_LOCUS = {number: gene for gene, number in DR_SUPERTYPIC.items()}
_PREFIX_LOCUS = {"A": "A", "B": "B", "Cw": "C", "DQ": "DQB1", "DP": "DPB1"}


def antigen_locus(prefix: str, number: str) -> str | None:
    """The gene whose product a serologic antigen names (DR52 -> DRB3, DR15 -> DRB1, Cw4 -> C).

    None for the public epitopes Bw4/Bw6, which belong to no single gene.
    """
    if prefix == "DR":
        return _SUPERTYPIC_LOCUS.get(number, "DRB1")
    return _PREFIX_LOCUS.get(prefix)
