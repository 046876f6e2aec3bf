"""DSA calls for many samples against one donor: a few numpy operations, then per-sample objects.

The hot path (``evaluate``) works on the (samples × beads) MFI matrix and the donor's per-bead
masks; DQ/DP reactivity is attributed to a chain with the whole panel (DSA_RULES.md §3, the rule
txmatching uses): a chain allele positive on every bead that carries it takes the reactivity.
Objects (``SampleDSA``, ``DSACall``) are built only for the positive beads of a sample asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from ..sab.values import reported
from .attribution import (  # noqa: F401  (CHAIN_* re-exported: where callers have found them)
    CHAIN_ALPHA,
    CHAIN_BETA_ALPHA_UNTYPED,
    CHAIN_BOTH,
    CHAIN_NONE,
    CHAIN_PARTIAL,
    CHAIN_PRIMARY,
    CHAIN_UNDECIDABLE,
    UNDECIDABLE,
    attribute_chains,
    flat_index,
    plan_of,
)
from .donor import DonorHLA
from .matching import (
    LEVEL_NAMES,
    NONE,
    BeadPanel,
    DonorMatch,
    SerologyReference,
    match_donor,
)
from .positivity import choose_value, cutoff_vector, positive_mask, strength_category
from .rules import CATEGORY_NAMES, DEFAULT_RULES, Rules


@dataclass(frozen=True, slots=True)
class BeadCall:
    """One positive bead behind a DSA (or flagged self), with the value the call used."""

    bead_id: str
    specificity: str
    antigen: str | None
    mfi: float
    level: str
    chain: str
    category: str
    epitope: str | None = None


@dataclass(frozen=True, slots=True)
class DSACall:
    """One DSA of one sample: the donor's antigen/allele it targets and the beads that show it."""

    donor_id: str
    target: str  # the donor's typed name (allele, antigen, broad) or chain allele
    level: str  # best of its beads: "allele" > "antigen" > "possible"
    chain: str  # locus the reactivity is attributed to, "DQA1+DQB1", or "undecidable at alpha"
    mfi: float  # highest bead
    category: str
    value_kind: str
    beads: tuple[BeadCall, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SampleDSA:
    """What one sample shows against one donor on one panel (one class)."""

    index: int
    donor_id: str
    hla_class: str
    value_kind: str
    rules_version: str
    excluded: bool
    calls: tuple[DSACall, ...]
    undecidable: tuple[DSACall, ...]  # reactivity only on an untyped alpha: never a DSA
    self_beads: tuple[BeadCall, ...]  # positive beads matching only what the recipient shares
    immunodominant: DSACall | None
    sum_mfi: float  # sum over DSA of each DSA's highest bead (``undecidable`` left out)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, to be stored with the rules version it was made under."""
        return asdict(self)


@dataclass(frozen=True)
class PanelEvaluation:
    """Arrays for every sample (rows) of one panel against one donor, and objects on demand."""

    match: DonorMatch
    rules: Rules
    value_kind: str
    mfi: npt.NDArray[np.float32]
    positive: npt.NDArray[np.bool_]
    category: npt.NDArray[np.int8]
    chain: npt.NDArray[np.int8]  # CHAIN_* code per (sample, bead)
    level: npt.NDArray[np.int8]
    target_index: npt.NDArray[np.int32]  # index into ``targets``, -1 when not a DSA bead
    targets: tuple[str, ...]
    target_mfi: npt.NDArray[np.float32]  # (samples × targets): called MFI, else highest bead of it
    target_positive: npt.NDArray[np.bool_]
    dsa_mfi: npt.NDArray[np.float32]  # (samples × targets): MFI of each called DSA, else 0
    immunodominant_mfi: npt.NDArray[np.float32]
    sum_mfi: npt.NDArray[np.float32]
    excluded: npt.NDArray[np.bool_]
    undecidable_targets: frozenset[str]  # targets only ever reached through undecidable beads
    self_flag: npt.NDArray[np.bool_] = field(repr=False, default_factory=lambda: np.zeros((0, 0), bool))

    def sample(self, row: int) -> SampleDSA:
        """The DSA calls of one sample, as objects."""
        return _sample_objects(self, row)

    def samples(self) -> list[SampleDSA]:
        return [self.sample(row) for row in range(self.mfi.shape[0])]


def evaluate(
    mfi: npt.ArrayLike,
    match: DonorMatch,
    rules: Rules = DEFAULT_RULES,
    *,
    value_kind: str = "normalized",
    excluded: npt.ArrayLike | None = None,
) -> PanelEvaluation:
    """Call DSA in every sample (row of ``mfi``) against one donor; excluded rows get no call."""
    panel = match.panel
    matrix = np.asarray(mfi, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[np.newaxis, :]
    if matrix.shape[1] != len(panel):
        raise ValueError(f"MFI has {matrix.shape[1]} beads, the panel {len(panel)}")
    n_samples = matrix.shape[0]
    skip = np.zeros(n_samples, bool) if excluded is None else np.asarray(excluded, dtype=bool)
    if skip.shape != (n_samples,):
        raise ValueError(f"excluded has shape {skip.shape}, expected ({n_samples},)")
    plan = plan_of(match)
    cutoffs = cutoff_vector(panel.loci, panel.hla_classes, rules)
    positive = positive_mask(matrix, cutoffs, panel.groups, rules) & ~skip[:, np.newaxis]
    category = strength_category(matrix, cutoffs, positive, rules)
    chain = attribute_chains(positive, match, plan)
    flat = flat_index(chain)
    level = np.take(plan.levels.ravel(), flat)
    target_index = np.take(plan.table.ravel(), flat)
    n_targets = len(plan.targets)
    # Highest called bead of each target: scatter the (few) DSA beads into (samples × targets).
    rows, cols = np.nonzero(target_index >= 0)
    hit_target = target_index[rows, cols]
    called = np.full((n_samples, n_targets), -np.inf, dtype=np.float32)
    np.maximum.at(called, (rows, hit_target), matrix[rows, cols])
    target_positive = np.zeros((n_samples, n_targets), dtype=bool)
    target_positive[rows, hit_target] = True
    decided = np.zeros((n_samples, n_targets), dtype=bool)
    sure = chain[rows, cols] != CHAIN_UNDECIDABLE
    decided[rows[sure], hit_target[sure]] = True
    if n_targets:
        highest = np.maximum.reduceat(matrix[:, plan.columns], plan.starts, axis=1)
    else:
        highest = np.zeros((n_samples, 0), dtype=np.float32)
    target_mfi = np.where(target_positive, called, highest).astype(np.float32)
    values = np.where(decided, target_mfi, 0.0)
    self_flag = positive & (chain == CHAIN_NONE) & _self_beads(match)
    return PanelEvaluation(
        match=match,
        rules=rules,
        value_kind=value_kind,
        mfi=matrix,
        positive=positive,
        category=category,
        chain=chain,
        level=level,
        target_index=target_index,
        targets=plan.targets,
        target_mfi=target_mfi,
        target_positive=target_positive,
        dsa_mfi=values.astype(np.float32),
        immunodominant_mfi=(values.max(axis=1) if n_targets else np.zeros(n_samples)).astype(np.float32),
        sum_mfi=values.sum(axis=1).astype(np.float32),
        excluded=skip,
        undecidable_targets=plan.undecidable,
        self_flag=self_flag,
    )


def _self_beads(match: DonorMatch) -> npt.NDArray[np.bool_]:
    """Beads whose donor chains the recipient carries too: on a heterodimer, both chains (or
    the beta when the donor's alpha is untyped); shown as self, never a DSA."""
    p_shared = (match.primary_level > NONE) & match.primary_self
    a_shared = (match.alpha_level > NONE) & match.alpha_self
    return np.where(match.heterodimer, p_shared & (a_shared | match.alpha_untyped), p_shared)


def evaluate_values(
    values: Mapping[str, npt.ArrayLike | None],
    match: DonorMatch,
    rules: Rules = DEFAULT_RULES,
    *,
    excluded: npt.ArrayLike | None = None,
) -> PanelEvaluation:
    """As ``evaluate``, choosing the MFI kind (normalized / BCM / raw) by the rules."""
    kind, matrix = choose_value(values, rules)
    return evaluate(matrix, match, rules, value_kind=kind, excluded=excluded)


def evaluate_exposure(
    values: Mapping[str, npt.ArrayLike | None],
    panel: BeadPanel,
    donors: Sequence[DonorHLA],
    reference: SerologyReference,
    *,
    recipient: DonorHLA | None = None,
    rules: Rules = DEFAULT_RULES,
    excluded: npt.ArrayLike | None = None,
) -> dict[str, PanelEvaluation]:
    """Every donor of an exposure (multi-donor products, repeat infusions), each on its own."""
    return {
        donor.donor_id: evaluate_values(
            values, match_donor(panel, donor, reference, recipient), rules, excluded=excluded
        )
        for donor in donors
    }


def _chain_name(code: int, bead_locus: str, alpha_locus: str | None) -> str:
    return {
        CHAIN_PRIMARY: bead_locus,
        CHAIN_BETA_ALPHA_UNTYPED: bead_locus,
        CHAIN_ALPHA: alpha_locus or "",
        CHAIN_BOTH: f"{alpha_locus}+{bead_locus}",
        CHAIN_PARTIAL: "heterodimer",
        CHAIN_UNDECIDABLE: UNDECIDABLE,
    }.get(code, "")


def _bead_call(ev: PanelEvaluation, row: int, b: int) -> BeadCall:
    panel, match = ev.match.panel, ev.match
    bead = panel.beads[b]
    return BeadCall(
        bead_id=bead.bead_id,
        specificity=bead.label,
        antigen=match.antigen[b],
        mfi=reported(ev.mfi[row, b]),
        level=LEVEL_NAMES[int(ev.level[row, b])],
        chain=_chain_name(int(ev.chain[row, b]), panel.loci[b], bead.alpha.locus if bead.alpha else None),
        category=CATEGORY_NAMES[int(ev.category[row, b])],
        epitope=match.epitope[b],
    )


def _epitope_patterns(ev: PanelEvaluation, row: int) -> dict[str, str]:
    """Bw4/Bw6 reacting on most beads that carry it: the DSA may be an anti-Bw4/Bw6 antibody."""
    patterns = {}
    for epitope, carriers, total in _epitope_carriers(ev.match.epitope):
        positive = int(ev.positive[row, carriers].sum())
        if positive * 2 >= total:
            patterns[epitope] = (
                f"{positive} of {total} {epitope} beads positive: possibly an "
                f"anti-{epitope} antibody (a public epitope the donor carries)"
            )
    return patterns


@lru_cache(maxsize=64)
def _epitope_carriers(epitopes: tuple[str | None, ...]) -> tuple[tuple[str, npt.NDArray[np.intp], int], ...]:
    """Per public epitope on three beads or more of a panel: its beads and their number (a
    panel's epitopes are one tuple shared by every donor matched on it)."""
    found = []
    for epitope in ("Bw4", "Bw6"):
        carriers = np.array([b for b, e in enumerate(epitopes) if e == epitope], dtype=np.intp)
        if len(carriers) >= 3:
            found.append((epitope, carriers, len(carriers)))
    return tuple(found)


def _warnings(
    beads: list[BeadCall], codes: set[int], shared: bool, patterns: dict[str, str], untyped_alpha: str | None
) -> tuple[str, ...]:
    found = [patterns[e] for e in sorted({b.epitope for b in beads if b.epitope in patterns})]
    if untyped_alpha:
        found.append(f"{untyped_alpha} untyped: alpha attribution not possible")
    if shared:
        found.append(
            "the recipient carries this antigen too, at a lower resolution or as another "
            "allele: an allele-specific antibody, or self"
        )
    if CHAIN_BOTH in codes or CHAIN_PARTIAL in codes:
        found.append("both chains mixed across the panel: reactivity kept on the heterodimer")
    if CHAIN_PARTIAL in codes:
        found.append("the donor carries only one chain of the reactive heterodimer")
    if any(b.level == "possible" for b in beads):
        found.append("possible DSA: the donor typing does not resolve this antigen")
    return tuple(found)


def _untyped_alpha(match: DonorMatch, beads: list[int], codes: set[int]) -> str | None:
    """The donor's untyped alpha locus behind a DSA called on its beta chain, if any."""
    if CHAIN_BETA_ALPHA_UNTYPED not in codes:
        return None
    alpha = next(match.panel.beads[b].alpha for b in beads if match.panel.beads[b].alpha)
    return alpha.locus if alpha else None


def _target_beads(ev: PanelEvaluation, row: int) -> dict[int, list[int]]:
    """The called beads of a sample by target number, targets in the order their beads meet."""
    grouped: dict[int, list[int]] = {}
    targets = ev.target_index[row]
    for b in np.flatnonzero(targets >= 0).tolist():
        grouped.setdefault(int(targets[b]), []).append(b)
    return grouped


def _call(ev: PanelEvaluation, row: int, t: int, beads: list[int], patterns: dict[str, str]) -> DSACall:
    """The call of one target in one sample from its positive beads (``patterns``:
    ``_epitope_patterns`` of the sample)."""
    match = ev.match
    bead_calls = sorted((_bead_call(ev, row, b) for b in beads), key=lambda c: -c.mfi)
    codes = {int(ev.chain[row, b]) for b in beads}
    top = max(beads, key=lambda b: float(ev.mfi[row, b]))
    best_level = max(int(ev.level[row, b]) for b in beads)
    chains = sorted({c.chain for c in bead_calls})
    return DSACall(
        donor_id=match.donor_id,
        target=ev.targets[t],
        level=LEVEL_NAMES[best_level],
        chain="/".join(chains),
        mfi=reported(ev.mfi[row, top]),
        category=CATEGORY_NAMES[int(ev.category[row, top])],
        value_kind=ev.value_kind,
        beads=tuple(bead_calls),
        warnings=_warnings(
            bead_calls,
            codes,
            any(match.shared[b] for b in beads),
            patterns,
            _untyped_alpha(match, beads, codes),
        ),
    )


def dsa_call(ev: PanelEvaluation, row: int, target: str) -> DSACall | None:
    """The DSA call of one target in one sample, as in ``ev.sample(row).calls`` (None: not
    called there, or only through undecidable beads), without the sample's other objects."""
    t = ev.targets.index(target)
    beads = _target_beads(ev, row).get(t)
    if beads is None or all(ev.chain[row, b] == CHAIN_UNDECIDABLE for b in beads):
        return None
    return _call(ev, row, t, beads, _epitope_patterns(ev, row))


def _sample_objects(ev: PanelEvaluation, row: int) -> SampleDSA:
    match = ev.match
    grouped = _target_beads(ev, row)
    calls: list[DSACall] = []
    undecidable: list[DSACall] = []
    patterns = _epitope_patterns(ev, row) if grouped else {}
    for t, beads in grouped.items():
        call = _call(ev, row, t, beads, patterns)
        undecided = all(ev.chain[row, b] == CHAIN_UNDECIDABLE for b in beads)
        (undecidable if undecided else calls).append(call)
    calls.sort(key=lambda c: -c.mfi)
    undecidable.sort(key=lambda c: -c.mfi)
    self_beads = tuple(_bead_call(ev, row, int(b)) for b in np.flatnonzero(ev.self_flag[row]))
    classes = {c for c in match.panel.hla_classes if c}
    return SampleDSA(
        index=row,
        donor_id=match.donor_id,
        hla_class="/".join(sorted(classes)),
        value_kind=ev.value_kind,
        rules_version=ev.rules.version,
        excluded=bool(ev.excluded[row]),
        calls=tuple(calls),
        undecidable=tuple(undecidable),
        self_beads=self_beads,
        immunodominant=calls[0] if calls else None,
        sum_mfi=reported(sum(c.mfi for c in calls)),
        notes=match.notes,
    )
