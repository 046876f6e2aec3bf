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
SAME_DR_DP = {"DRB1": ["DRB1*15:01", "DRB1*04:01"], "DPB1": ["DPB1*04:01"],
              "DPA1": ["DPA1*01:03"]}
DQ_DONOR = {"DQA1": ["DQA1*05:01", "DQA1*01:02"], "DQB1": ["DQB1*02:01", "DQB1*06:02"],
            **SAME_DR_DP}
DQ_RECIPIENT = {"DQA1": ["DQA1*01:02", "DQA1*03:01"], "DQB1": ["DQB1*06:02", "DQB1*03:02"],
                **SAME_DR_DP}


def read_v3() -> EpletTable:
    """hlaR's v3 tables; the calling test is skipped, saying why, when ../shared is absent."""
    folder = need_shared(EPLETS_HLAR)
    texts = {p.format(version="v3"): (folder / p.format(version="v3")).read_text("utf-8")
             for p, _ in FILES}
    return read_tables(texts, "v3", source=str(folder))


def eplets_of(table: EpletTable, loci: dict):
    return person_eplets(table, HLATyping.from_loci(loci).loci)
