"""The hlaR v3 eplet tables from ../shared and the typings of the eplet worked examples.

An importable module (``pythonpath = tests``), as ``reference_paths``: several conftest.py exist.
"""

from __future__ import annotations

from reference_paths import HLA_REFERENCE, need_shared

from dsa_monitor.eplets import FILES, EpletTable, person_eplets, read_tables
from dsa_monitor.hla.typing import HLATyping

EPLETS_HLAR = HLA_REFERENCE / "eplets_hlaR"

# Class I of both people of the worked examples but the A locus (identical: they add nothing).
SAME_B_C = {"B": ["B*07:02", "B*44:02"], "C": ["C*07:02", "C*05:01"]}
# Class II loci both DQ people share, so every class II group is typed.
SAME_DR_DP = {"DRB1": ["DRB1*15:01", "DRB1*04:01"], "DPB1": ["DPB1*04:01"], "DPA1": ["DPA1*01:03"]}
DQ_DONOR = {"DQA1": ["DQA1*05:01", "DQA1*01:02"], "DQB1": ["DQB1*02:01", "DQB1*06:02"], **SAME_DR_DP}
DQ_RECIPIENT = {"DQA1": ["DQA1*01:02", "DQA1*03:01"], "DQB1": ["DQB1*06:02", "DQB1*03:02"], **SAME_DR_DP}


def read_v3() -> EpletTable:
    """hlaR's v3 tables; the calling test is skipped, saying why, when ../shared is absent."""
    folder = need_shared(EPLETS_HLAR)
    texts = {p.format(version="v3"): (folder / p.format(version="v3")).read_text("utf-8") for p, _ in FILES}
    return read_tables(texts, "v3", source=str(folder))


def eplets_of(table: EpletTable, loci: dict):
    return person_eplets(table, HLATyping.from_loci(loci).loci)


# The eleven DQ eplets the DQ donor carries and the DQ recipient lacks (test_eplet_loads, by hand).
DQ_MISMATCHED = {
    "alpha": ["40GR", "75S", "76L"],
    "beta": ["52LL", "66D", "67I", "71K", "75V", "77R", "qp77RV", "rq70RR/K"],
}


def cells_v3() -> dict[str, set[str]]:
    """Allele -> the eplet names its column holds in hlaR's v3 files, read with the csv module
    alone: the oracle the worked examples count beads with, not the code under test."""
    import csv

    folder = need_shared(EPLETS_HLAR)
    cells: dict[str, set[str]] = {}
    for pattern, _ in FILES:
        with open(folder / pattern.format(version="v3"), encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        for row in rows:
            for allele, cell in zip(header[2:], row[2:], strict=False):
                if cell.strip():
                    cells.setdefault(allele.strip(), set()).add(cell.strip())
    return cells


def beads_carrying(cells: dict[str, set[str]], beads, eplet: str) -> int:
    """How many beads (each a tuple of its chains' alleles) carry an eplet on any chain."""
    return sum(any(eplet in cells.get(a, set()) for a in bead) for bead in beads)
