"""Control-bead QC of one sample: may a DSA call be made from it, and what should the lab check?

DSA_RULES §2: the positive-control (PC) bead raw MFI must reach a minimum and the negative-control
(NC) bead raw MFI stay under a maximum, else the sample fails QC and no call is made from it. A very
low PC bead beside high beads, or a flat high profile, suggests interference (prozone, complement):
the lab is told to retest with EDTA/DTT/dilution rather than read the serum as negative. Missing
control beads and low bead counts are warnings. Every limit is configurable and reported.
A sample the sending laboratory itself rejected (HAML ``reject-assay``) fails QC whatever its
beads say: that lab saw the run, we only see its numbers.

The default limits are a conservative starting point, not vendor-insert values: each lab sets its
own (per kit or lot); an Immucor lot file's ``PCLower`` / ``Con1Upper`` override them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .model import SampleResult

PASS, WARN, FAIL = "pass", "warn", "fail"
RETEST = "retest with EDTA/DTT/dilution"
MIN_BEAD_COUNT = 50  # events per bead when neither the lab nor the run's "Min Events" says
# The name under which a sample's ``qc_limits`` carries the run's own xPONENT "Min Events".
RUN_MIN_EVENTS = "MinEvents"


@dataclass(frozen=True, slots=True)
class QCLimits:
    """The limits a QC verdict was made with (reported with it)."""

    pc_min: float = 1000.0  # PC bead raw MFI at least this
    nc_max: float = 1000.0  # NC bead raw MFI at most this
    min_bead_count: int = MIN_BEAD_COUNT  # fewer events on a bead make its MFI unreliable
    prozone_bead_mfi: float = 5000.0  # a bead this high while the PC bead is low: prozone suspicion
    flat_min_median: float = 1000.0  # a profile is "flat" only when its median bead is this high
    flat_spread: float = 0.5  # ... and its 10th-90th percentile range is under this x median
    source: str = "default"


VENDOR_LIMITS: dict[str, QCLimits] = {
    "onelambda": QCLimits(source="default for One Lambda"),
    "immucor": QCLimits(source="default for Immucor"),
}

# Names a limits mapping may use: ours, then the Immucor .eds lot-file names, which win.
_KEYS: dict[str, tuple[str, ...]] = {
    "pc_min": ("pc_min", "PCLower"),
    "nc_max": ("nc_max", "Con1Upper"),
    "min_bead_count": ("min_bead_count", RUN_MIN_EVENTS),
    "prozone_bead_mfi": ("prozone_bead_mfi",),
    "flat_min_median": ("flat_min_median",),
    "flat_spread": ("flat_spread",),
}


@dataclass(frozen=True, slots=True)
class QCVerdict:
    """``pass`` / ``warn`` / ``fail`` with every reason and the limits used."""

    status: str
    reasons: list[str] = field(default_factory=list)
    limits: QCLimits = QCLimits()
    pc_mfi: float | None = None
    nc_mfi: float | None = None


def limits_for(sample: SampleResult, overrides: Mapping[str, float] | None = None) -> QCLimits:
    """Vendor defaults, then ``overrides`` (a lab's per-kit/lot limits), then the lot file's own."""
    limits = VENDOR_LIMITS.get(sample.vendor or "", QCLimits())
    for layer, source in ((overrides or {}, "configured"), (sample.qc_limits, "lot file")):
        changes: dict[str, float | int] = {}
        for attribute, names in _KEYS.items():
            for name in names:
                if name in layer:
                    value = layer[name]
                    changes[attribute] = int(value) if attribute == "min_bead_count" else value
        if changes:
            limits = dataclasses.replace(limits, **changes, source=source)  # type: ignore[arg-type]
    return limits


def evaluate_qc(sample: SampleResult, limits: QCLimits | Mapping[str, float] | None = None) -> QCVerdict:
    """The QC verdict of one sample from its control beads, bead counts and profile."""
    if not isinstance(limits, QCLimits):
        limits = limits_for(sample, limits)
    fails: list[str] = []
    warns: list[str] = []
    if sample.rejected_by_lab:
        reason = f": {sample.rejection_reason}" if sample.rejection_reason else ""
        fails.append(f"rejected by the sending laboratory ({sample.rejected_by_lab}){reason}")
    pcs = [b.raw_mfi for b in sample.beads if b.control == "PC" and b.raw_mfi is not None]
    ncs = [b.raw_mfi for b in sample.beads if b.control == "NC" and b.raw_mfi is not None]
    targets = np.array(
        [b.raw_mfi for b in sample.beads if b.control is None and b.raw_mfi is not None],
        dtype=np.float64,
    )
    pc = min(pcs) if pcs else None
    nc = max(ncs) if ncs else None
    if pc is None and nc is None:
        warns.append("no control beads found: PC/NC QC not checked")
    elif pc is None:
        warns.append("no PC bead found: positive-control QC not checked")
    elif nc is None:
        warns.append("no NC bead found: negative-control QC not checked")
    if pc is not None and pc < limits.pc_min:
        fails.append(f"PC bead raw MFI {pc:g} below the minimum {limits.pc_min:g}")
        if targets.size and targets.max() >= max(limits.prozone_bead_mfi, pc):
            warns.append(f"PC bead low while a bead reaches {targets.max():g}: possible prozone; {RETEST}")
    if nc is not None and nc > limits.nc_max:
        fails.append(f"NC bead raw MFI {nc:g} above the maximum {limits.nc_max:g}")
    flat = _flat_profile(targets, limits)
    if flat:
        warns.append(flat)
    low = [
        f"{b.bead_id} ({b.count})"
        for b in sample.beads
        if b.count is not None and b.count < limits.min_bead_count
    ]
    if low:
        shown = ", ".join(low[:10]) + (f" and {len(low) - 10} more" if len(low) > 10 else "")
        origin = (
            " (the run's Min Events)" if sample.qc_limits.get(RUN_MIN_EVENTS) == limits.min_bead_count else ""
        )
        warns.append(f"bead count below {limits.min_bead_count}{origin} on {len(low)} bead(s): {shown}")
    status = FAIL if fails else WARN if warns else PASS
    return QCVerdict(status, fails + warns, limits, pc, nc)


def _flat_profile(targets: np.ndarray, limits: QCLimits) -> str | None:
    """A warning when most beads sit at one raised level (interference), else ``None``."""
    if targets.size < 5:
        return None
    low, median, high = percentiles(sorted(targets.tolist()), (10, 50, 90))
    if median >= limits.flat_min_median and high - low <= limits.flat_spread * median:
        return (
            f"flat bead profile (80% of beads between {low:.0f} and {high:.0f}):"
            f" possible interference (prozone/complement); {RETEST}"
        )
    return None


def percentiles(ordered: list[float], percents: tuple[float, ...]) -> list[float]:
    """``np.percentile`` (linear interpolation) of values already sorted, the same to the last bit:
    numpy's call per sample cost more than the rest of its QC (0.5 s of a 5,152-sera import)."""
    last = len(ordered) - 1
    found = []
    for percent in percents:
        at = last * (percent / 100)
        below = min(math.floor(at), last)
        weight = at - below
        a, b = ordered[below], ordered[min(below + 1, last)]
        found.append(b - (b - a) * (1 - weight) if weight >= 0.5 else a + (b - a) * weight)
    return found
