"""The real bead lists of ../shared/hla_reference/bead_catalogues as panels, and one-serum calls on
them: worked examples are written against the beads a laboratory really runs."""

from __future__ import annotations

import csv

import numpy as np
from reference_paths import HLA_REFERENCE, need_shared

from dsa_monitor.dsa.calls import SampleDSA, evaluate
from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import BeadPanel, match_donor

CATALOGUES = HLA_REFERENCE / "bead_catalogues"
LS1A04 = "OneLambda_LS1A04_lot015_beads.csv"  # One Lambda LABScreen class I
LS2A01 = "OneLambda_LS2A01_lot013_beads.csv"  # One Lambda LABScreen class II
_PANELS: dict[str, BeadPanel] = {}


def real_panel(name: str) -> BeadPanel:
    """A vendor's bead list, its beads in catalogue order (skips without ../shared)."""
    if name not in _PANELS:
        with need_shared(CATALOGUES / name).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        _PANELS[name] = BeadPanel.from_specificities([r["specificity"] for r in rows])
    return _PANELS[name]


def serum(
    panel: BeadPanel,
    reference,
    donor: list[str],
    positive: dict[str, float],
    recipient: list[str] | None = None,
    background: float = 120.0,
) -> SampleDSA:
    """One serum: the given beads (by specificity, ``&`` between chains) at their MFI, every
    other bead at ``background``."""
    labels = [b.label for b in panel.beads]
    mfi = np.full(len(panel), background, dtype=np.float32)
    for specificity, value in positive.items():
        mfi[labels.index(specificity.replace("&", "/"))] = value
    match = match_donor(
        panel,
        DonorHLA.from_names("D", donor),
        reference,
        DonorHLA.from_names("R", recipient) if recipient else None,
    )
    return evaluate(mfi, match).sample(0)


def targets(sample: SampleDSA) -> dict[str, tuple[str, str]]:
    """Each DSA of a serum: target -> (level, chain)."""
    return {c.target: (c.level, c.chain) for c in sample.calls}
