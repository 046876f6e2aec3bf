"""Self beads (DSA_RULES.md §3): a positive bead whose donor antigen the recipient shares is not a
DSA, and is flagged as such, per sample, beside the DSA (never alerted on)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..sab.values import reported
from .calls import PanelEvaluation
from .matching import NONE

SELF_REASON = "self: shared with the recipient"


@dataclass(frozen=True, slots=True)
class SelfBead:
    """A positive bead whose donor antigen the recipient shares: flagged, never a DSA (§3)."""

    target: str | None  # the donor's typed name the bead matches
    bead_id: str
    specificity: str
    antigen: str | None
    mfi: float
    reason: str = SELF_REASON


def self_bead_calls(ev: PanelEvaluation, row: int) -> tuple[SelfBead, ...]:
    """The self beads of one sample (DSA_RULES.md §3: not a DSA; flag it), highest MFI first."""
    match = ev.match
    found = []
    for b in np.flatnonzero(ev.self_flag[row]).tolist():
        primary = bool(match.primary_level[b] > NONE and match.primary_self[b])
        found.append(
            SelfBead(
                target=match.primary_target[b] if primary else match.alpha_target[b],
                bead_id=match.panel.beads[b].bead_id,
                specificity=match.panel.beads[b].label,
                antigen=match.antigen[b],
                mfi=reported(ev.mfi[row, b]),
            )
        )
    return tuple(sorted(found, key=lambda bead: -bead.mfi))
