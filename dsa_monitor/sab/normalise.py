"""Which MFI a DSA call uses for each bead, and that value, said out loud.

Preference (DSA_RULES §2: default to the vendor's background-adjusted value):
1. ``normalized``: One Lambda's normalized value (NormalValue/NormalData) when the file gives it;
2. ``bcm``: LIFECODES background-corrected MFI when given;
3. ``raw_minus_nc``: raw MFI minus the sample's negative-control (NC) bead raw MFI, floored at 0
   (the documented fallback when a file gives only raw MFI; One Lambda's formula is not public);
4. ``raw``: raw MFI as is, when the sample has no NC bead to subtract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .model import BeadResult, SampleResult

NORMALIZED, BCM, RAW_MINUS_NC, RAW = "normalized", "bcm", "raw_minus_nc", "raw"


class NoMFIValue(ValueError):
    """A bead with no MFI of any kind: nothing to call a DSA from."""


def value_used(bead: BeadResult, nc_raw: float | None = None) -> tuple[str, float]:
    """(kind, value) of the MFI a call uses for one bead; ``nc_raw`` is the NC bead's raw MFI."""
    if bead.normalized_mfi is not None:
        return NORMALIZED, bead.normalized_mfi
    if bead.bcm is not None:
        return BCM, bead.bcm
    if bead.raw_mfi is None:
        raise NoMFIValue(f"bead {bead.bead_id} has no MFI value")
    if nc_raw is not None:
        return RAW_MINUS_NC, max(bead.raw_mfi - nc_raw, 0.0)
    return RAW, bead.raw_mfi


def nc_raw_mfi(sample: SampleResult) -> float | None:
    """Raw MFI of the sample's NC bead (the first one when a file names several)."""
    for bead in sample.beads:
        if bead.control == "NC" and bead.raw_mfi is not None:
            return bead.raw_mfi
    return None


@dataclass(frozen=True, slots=True)
class SampleValues:
    """One sample's MFI in use, aligned with its beads: ids, values and the kind of each value."""

    bead_ids: tuple[str, ...]
    values: npt.NDArray[np.float64]
    kinds: npt.NDArray[np.str_]

    @property
    def kind(self) -> str:
        """The single kind used for the whole sample, ``mixed``, or ``none`` without beads."""
        distinct = set(self.kinds.tolist())
        if not distinct:
            return "none"
        return distinct.pop() if len(distinct) == 1 else "mixed"


def sample_values(sample: SampleResult) -> SampleValues:
    """``value_used`` for every bead of a sample at once (control beads included, in file order)."""
    beads = sample.beads
    nan = float("nan")
    normalized = np.array(
        [nan if b.normalized_mfi is None else b.normalized_mfi for b in beads], dtype=np.float64
    )
    bcm = np.array([nan if b.bcm is None else b.bcm for b in beads], dtype=np.float64)
    raw = np.array([nan if b.raw_mfi is None else b.raw_mfi for b in beads], dtype=np.float64)
    nc = nc_raw_mfi(sample)
    has_norm, has_bcm, has_raw = ~np.isnan(normalized), ~np.isnan(bcm), ~np.isnan(raw)
    missing = ~(has_norm | has_bcm | has_raw)
    if missing.any():
        raise NoMFIValue(f"bead {beads[int(np.argmax(missing))].bead_id} has no MFI value")
    fallback = np.maximum(raw - nc, 0.0) if nc is not None else raw
    values = np.where(has_norm, normalized, np.where(has_bcm, bcm, fallback))
    kinds = np.where(
        has_norm, NORMALIZED, np.where(has_bcm, BCM, RAW_MINUS_NC if nc is not None else RAW)
    ).astype(np.str_)
    return SampleValues(tuple(b.bead_id for b in beads), values, kinds)
