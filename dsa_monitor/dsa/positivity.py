"""Which beads of which samples are positive, and how strong: numpy over a (samples × beads) matrix.

The MFI cutoff (DSA_RULES.md §3) and the Wisse ratio rule are the two ways a bead becomes positive;
strength categories follow the bands in ``rules.Rules``. No Python loop runs per bead or per sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ..errors import NoMFIValues
from .rules import CATEGORY_NAMES, Rules

FloatMatrix = npt.NDArray[np.float32]
BoolMatrix = npt.NDArray[np.bool_]

NEGATIVE, EQUIVOCAL, WEAK, MODERATE, STRONG = range(len(CATEGORY_NAMES))


def as_matrix(mfi: npt.ArrayLike) -> FloatMatrix:
    """MFI as a 2-D float32 (samples × beads) matrix; one sample may be given as a vector."""
    matrix = np.asarray(mfi, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[np.newaxis, :]
    if matrix.ndim != 2:
        raise ValueError(f"MFI must be a (samples × beads) matrix, got shape {matrix.shape}")
    return matrix


def choose_value(values: Mapping[str, npt.ArrayLike | None], rules: Rules) -> tuple[str, FloatMatrix]:
    """The MFI the call uses: the first kind of ``rules.value_preference`` the file gave.

    A kind counts as given when it is present and not entirely missing (NaN).
    """
    for kind in rules.value_preference:
        given = values.get(kind)
        if given is None:
            continue
        matrix = as_matrix(given)
        if matrix.size and not np.isnan(matrix).all():
            return kind, matrix
    offered = ", ".join(k for k, v in values.items() if v is not None) or "none"
    raise NoMFIValues(
        f"no usable MFI value: the rules accept {', '.join(rules.value_preference)}; "
        f"the samples give {offered}"
    )


def cutoff_vector(loci: Sequence[str], hla_classes: Sequence[str], rules: Rules) -> FloatMatrix:
    """The positivity cutoff of each bead of a panel (per locus, else per class, else default).

    Read-only and computed once per (panel, rules): it is asked for at every evaluation.
    """
    return _cutoffs(tuple(loci), tuple(hla_classes), rules)


@lru_cache(maxsize=256)
def _cutoffs(loci: tuple[str, ...], hla_classes: tuple[str, ...], rules: Rules) -> FloatMatrix:
    vector = np.array(
        [rules.cutoff_for(locus, cls) for locus, cls in zip(loci, hla_classes, strict=True)],
        dtype=np.float32,
    )
    vector.flags.writeable = False
    return vector


def lowest_of_locus(mfi: FloatMatrix, groups: npt.NDArray[np.int32]) -> FloatMatrix:
    """For each bead, the lowest MFI among the beads of its locus group in the same sample.

    ``groups`` numbers each bead's locus; control beads carry -1 and are left out.
    """
    lowest = np.full(mfi.shape, np.nan, dtype=np.float32)
    for group in np.unique(groups[groups >= 0]):
        columns = groups == group
        lowest[:, columns] = np.nanmin(mfi[:, columns], axis=1, keepdims=True)
    return lowest


def positive_mask(
    mfi: FloatMatrix,
    cutoffs: FloatMatrix,
    groups: npt.NDArray[np.int32],
    rules: Rules,
) -> BoolMatrix:
    """Positive beads by the rules' method; control beads (group -1) are never positive.

    Wisse rule (Wisse et al.): MFI / lowest bead of the same locus > ``wisse_ratio`` and
    MFI > ``wisse_min_mfi``; the denominator is floored at 1 MFI so a zero bead cannot divide.
    It was described on raw MFI: choose ``value_preference=("raw",)`` with it.
    """
    if rules.positivity == "wisse":
        lowest = np.maximum(lowest_of_locus(mfi, groups), np.float32(1.0))
        positive = (mfi / lowest > rules.wisse_ratio) & (mfi > rules.wisse_min_mfi)
    else:
        positive = mfi >= cutoffs
    return positive & (groups >= 0) & ~np.isnan(mfi)


def strength_category(
    mfi: FloatMatrix, cutoffs: FloatMatrix, positive: BoolMatrix, rules: Rules
) -> npt.NDArray[np.int8]:
    """Category index per bead (see ``rules.CATEGORY_NAMES``); a positive bead is at least weak."""
    band_low = cutoffs if rules.weak_band_low is None else np.float32(rules.weak_band_low)
    category = (
        (mfi >= band_low).astype(np.int8)
        + (mfi >= cutoffs)
        + (mfi >= rules.moderate_from)
        + (mfi >= rules.strong_from)
    ).astype(np.int8)
    category = np.where(positive, np.maximum(category, WEAK), np.minimum(category, EQUIVOCAL))
    return category.astype(np.int8)


def category_of(mfi: float, rules: Rules, cutoff: float | None = None) -> int:
    """The category of one MFI value (timeline use), by the same bands as ``strength_category``:
    the same float32 comparisons, in plain Python (called once per DSA per serum)."""
    band_low, limit, moderate, strong = _scalar_bands(rules, rules.cutoff if cutoff is None else cutoff)
    value = float(np.float32(mfi))
    category = (value >= band_low) + (value >= limit) + (value >= moderate) + (value >= strong)
    return max(category, WEAK) if value >= limit else min(category, EQUIVOCAL)


@lru_cache(maxsize=256)
def _scalar_bands(rules: Rules, cutoff: float) -> tuple[float, float, float, float]:
    """The bands rounded to float32 as the matrix comparisons see them."""
    low = cutoff if rules.weak_band_low is None else rules.weak_band_low
    return tuple(float(np.float32(x)) for x in (low, cutoff, rules.moderate_from, rules.strong_from))  # type: ignore[return-value]
