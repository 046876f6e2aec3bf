"""Is a column called BCM really LIFECODES' background-corrected MFI? A check per sample.

BCM is Median - BackgroundMFI (LIFECODES, as hlapro reproduces MATCH IT!; FORMATS.md), so on a
bead that reacts it sits close to the raw MFI: the per-bead BackgroundMFI of the lot files seen
is 135-300 (only the PC bead's is higher, and control beads are left out here). Exports have been
met whose "BCM" column holds something else, such as raw/NC ratios (raw 8542 -> "BCM" 189.8):
read as MFI, such a column hides every DSA. Rule: over the sample's non-control beads with raw
MFI >= 1000, the median BCM / raw must be at least 0.5, i.e. a background at most half the raw
value. Below that the column is not used as BCM for the sample: its values stay in each bead's
``extra`` (``"BCM"``) and the sample says why; the call then uses the next value in the order of
``normalise`` (normalized, else raw minus the NC bead).
"""

from __future__ import annotations

from statistics import median

from .model import SampleResult

MIN_RAW_MFI = 1000.0  # beads this high show whether BCM follows raw; low beads are noise
MIN_BCM_RATIO = 0.5  # median BCM / raw MFI of those beads, at least
EXTRA_KEY = "BCM"


def check_bcm(sample: SampleResult) -> None:
    """Move an implausible BCM column of ``sample`` to the beads' extra fields, with a warning."""
    ratios = [
        bead.bcm / bead.raw_mfi
        for bead in sample.beads
        if bead.control is None
        and bead.bcm is not None
        and bead.raw_mfi is not None
        and bead.raw_mfi >= MIN_RAW_MFI
    ]
    if not ratios:
        return
    found = median(ratios)
    if found >= MIN_BCM_RATIO:
        return
    for bead in sample.beads:
        if bead.bcm is not None:
            bead.extra[EXTRA_KEY] = f"{bead.bcm:.10g}"
            bead.bcm = None
    sample.warnings.append(
        f"BCM column not used as BCM: on the {len(ratios)} bead(s) with raw MFI >="
        f" {MIN_RAW_MFI:g} the median BCM is {found:.1%} of the raw MFI, where BCM (Median -"
        f" background) should be at least {MIN_BCM_RATIO:.0%} of it; the column may hold"
        " ratios. Its values are kept as extra field 'BCM'; calls use the normalized value,"
        " else raw MFI minus the NC bead"
    )
