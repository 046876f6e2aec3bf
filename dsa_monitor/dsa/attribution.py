"""Which donor chain a positive bead's reactivity goes to (docs/dsa-rules.md, "DQ and DP").

Per donor match, a plan of per-bead tables (chain code by panel state, target, level) built once;
per sample, a few numpy gathers. A DQ/DP heterodimer's reactivity goes to the chain allele
positive on every bead that carries it (the whole panel decides, negative beads included: the
rule txmatching uses), with the donor's and recipient's chains deciding what is a DSA at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .matching import NONE, POSSIBLE, BeadPanel, DonorMatch

# Which chain a positive bead's reactivity is attributed to, per (sample, bead).
# CHAIN_BETA_ALPHA_UNTYPED: the donor's typed beta chain, its alpha locus untyped (a DSA).
(
    CHAIN_NONE,
    CHAIN_PRIMARY,
    CHAIN_ALPHA,
    CHAIN_BOTH,
    CHAIN_PARTIAL,
    CHAIN_UNDECIDABLE,
    CHAIN_BETA_ALPHA_UNTYPED,
) = range(7)
N_CODES = 7
UNDECIDABLE = "undecidable at alpha"


@dataclass(frozen=True)
class Plan:
    """Per-bead tables of one donor match, so that the per-sample work is gathers, not branches."""

    codes: npt.NDArray[np.int8]  # (4 × beads): chain code by state 2·beta_all + alpha_all
    levels: npt.NDArray[np.int8]  # (N_CODES × beads): match level by chain code
    table: npt.NDArray[np.int32]  # (N_CODES × beads): target number by chain code, -1 none
    targets: tuple[str, ...]
    columns: npt.NDArray[np.intp]  # candidate beads of each target, concatenated
    starts: npt.NDArray[np.intp]  # where each target's candidates start in ``columns``
    undecidable: frozenset[str]
    primary_groups: ChainGroups
    alpha_groups: ChainGroups
    # (beads × beads): for a bead with one donor chain beside a chain the donor lacks, the beads
    # of the donor's own heterodimer with that chain; None when no bead has any.
    own: npt.NDArray[np.float32] | None = None


class ChainGroups(NamedTuple):
    """Beads grouped by chain allele for ``reduceat``."""

    order: npt.NDArray[np.intp]  # beads carrying a chain, grouped by allele
    starts: npt.NDArray[np.intp]  # where each allele's group starts in ``order``
    slot: npt.NDArray[np.intp]  # group of each bead
    several: npt.NDArray[np.bool_]  # per bead: its allele is on two beads or more


def _chain_groups(index: npt.NDArray[np.int32]) -> ChainGroups:
    carrying = np.flatnonzero(index >= 0)
    order = carrying[np.argsort(index[carrying], kind="stable")]
    alleles, starts, counts = np.unique(index[order], return_index=True, return_counts=True)
    slot = np.zeros(len(index), dtype=np.intp)
    slot[carrying] = np.searchsorted(alleles, index[carrying])
    several = np.zeros(len(index), dtype=np.bool_)
    several[carrying] = counts[slot[carrying]] >= 2
    return ChainGroups(order.astype(np.intp), starts.astype(np.intp), slot, several)


class PanelChains(NamedTuple):
    """What attribution needs of a panel whatever the donor: its chains grouped by allele, its
    heterodimer beads, per bead the target label of a reactivity on an untyped alpha (None: no
    alpha chain), and constant rows of a plan's level table (read-only)."""

    primary: ChainGroups
    alpha: ChainGroups
    undecidable: tuple[str | None, ...]
    heterodimer: npt.NDArray[np.bool_]
    levels_none: npt.NDArray[np.int8]
    levels_possible: npt.NDArray[np.int8]
    unset: npt.NDArray[np.bool_]


_PANELS: dict[int, tuple[BeadPanel, PanelChains]] = {}


def panel_chains(panel: BeadPanel) -> PanelChains:
    """``PanelChains`` of a panel, made once per panel object (a panel's beads never change;
    every donor evaluated on it shares them)."""
    held = _PANELS.get(id(panel))
    if held is None or held[0] is not panel:  # the panel kept beside: an id is never reused
        if len(_PANELS) >= 256:
            _PANELS.clear()
        n = len(panel)
        found = PanelChains(
            _chain_groups(panel.primary_index),
            _chain_groups(panel.alpha_index),
            tuple(f"{b.alpha.two_field} ({b.alpha.locus} untyped)" if b.alpha else None for b in panel.beads),
            panel.alpha_index >= 0,
            np.full(n, NONE, dtype=np.int8),
            np.full(n, POSSIBLE, dtype=np.int8),
            np.zeros(n, dtype=np.bool_),
        )
        for array in found[3:]:
            array.flags.writeable = False
        held = _PANELS[id(panel)] = (panel, found)
    return held[1]


def _all_positive(
    positive: npt.NDArray[np.bool_],
    groups: ChainGroups,
    index: npt.NDArray[np.int32],
) -> npt.NDArray[np.bool_]:
    """(samples × beads): the bead's chain allele is positive on every bead that carries it, and
    it is on two beads or more (one bead proves nothing about a chain: keep the heterodimer)."""
    if not len(groups.order):
        return np.zeros(positive.shape, dtype=bool)
    per_allele = np.logical_and.reduceat(positive[:, groups.order], groups.starts, axis=1)
    return per_allele[:, groups.slot] & (index >= 0) & groups.several


class BeadChains(NamedTuple):
    """What the donor and recipient carry of one bead's chains (``DonorMatch`` at one bead)."""

    heterodimer: bool
    beta: bool  # the donor carries the primary/beta chain and the recipient does not
    alpha: bool  # ... the alpha chain
    beta_shared: bool  # the donor carries the beta chain, and so does the recipient
    alpha_shared: bool
    alpha_untyped: bool  # the donor's alpha locus is untyped


def _bead_codes(bead: BeadChains) -> tuple[int, ...]:
    """Chain code of a positive bead for each panel state (docs/dsa-rules.md, "DQ and DP").

    States: 0 both chains mixed, 1 only the alpha allele positive on all its beads, 2 only the
    beta allele, 3 both. A heterodimer is self only when the recipient carries both its chains;
    the chain positive on every bead that carries it takes the reactivity (the beta chain when
    both are); both mixed keeps the heterodimer. A donor chain beside a shared one is the
    target whatever the state; the donor's beta chain beside an untyped alpha is a DSA on the
    beta chain; a positive bead whose only donor-related chain is an untyped alpha is
    undecidable (shown, never a DSA).
    """
    if not bead.heterodimer:
        return (CHAIN_PRIMARY if bead.beta else CHAIN_NONE,) * 4
    if bead.beta and bead.alpha:
        return (CHAIN_BOTH, CHAIN_ALPHA, CHAIN_PRIMARY, CHAIN_PRIMARY)
    if bead.beta:
        if bead.alpha_untyped:
            return (CHAIN_BETA_ALPHA_UNTYPED,) * 4
        if bead.alpha_shared:
            return (CHAIN_PRIMARY,) * 4
        return (CHAIN_PARTIAL, CHAIN_NONE, CHAIN_PRIMARY, CHAIN_PRIMARY)
    if bead.alpha:
        if bead.beta_shared:
            return (CHAIN_ALPHA,) * 4
        return (CHAIN_PARTIAL, CHAIN_ALPHA, CHAIN_NONE, CHAIN_ALPHA)
    if bead.alpha_untyped:
        return (CHAIN_NONE, CHAIN_UNDECIDABLE, CHAIN_NONE, CHAIN_UNDECIDABLE)
    return (CHAIN_NONE,) * 4


def _state_codes(k: int) -> tuple[int, ...]:
    """``_bead_codes`` of the bead state whose bits (the lowest first) say: heterodimer, alpha
    locus untyped, the donor's primary chain, the recipient's too, the same two of the alpha."""
    het, untyped, p_has, p_self, a_has, a_self = (bool(k >> bit & 1) for bit in range(6))
    chains = BeadChains(
        het, p_has and not p_self, a_has and not a_self, p_has and p_self, a_has and a_self, untyped and het
    )
    return _bead_codes(chains)


# (64 × 4): ``_state_codes`` of every state, so that a plan gathers its codes in one numpy step.
_CODE_TABLE = np.array([_state_codes(k) for k in range(64)], dtype=np.int8)


def _own_heterodimers(match: DonorMatch) -> npt.NDArray[np.float32] | None:
    """(beads × beads): for a bead carrying one donor chain beside a chain the donor lacks (its
    alpha typed), the beads carrying that donor chain with a partner the donor also carries.
    When all of those are negative, the bead's reactivity is to the chain the donor lacks."""
    panel = match.panel
    p_has, a_has = match.primary_level > NONE, match.alpha_level > NONE
    het = panel.alpha_index >= 0
    typed = ~match.alpha_untyped
    beta_only = het & typed & match.primary_mask & ~a_has
    alpha_only = het & typed & match.alpha_mask & ~p_has
    if not (beta_only.any() or alpha_only.any()):
        return None
    own = beta_only[:, None] & (panel.primary_index[:, None] == panel.primary_index[None, :]) & a_has[None, :]
    own |= alpha_only[:, None] & (panel.alpha_index[:, None] == panel.alpha_index[None, :]) & p_has[None, :]
    return own.astype(np.float32) if own.any() else None


def plan_of(match: DonorMatch) -> Plan:
    """The per-bead tables (runs once per donor): chain codes, levels and target numbers as numpy
    over every bead; target labels in Python only for the beads that name one (a donor's
    antigens are a few beads of the panel), numbered in bead order so that the numbering is
    stable."""
    panel = match.panel
    tables = panel_chains(panel)
    p_level, a_level = match.primary_level, match.alpha_level
    state = np.stack(
        [
            tables.heterodimer,
            match.alpha_untyped,
            p_level > NONE,
            match.primary_self,
            a_level > NONE,
            match.alpha_self,
            tables.unset,
            tables.unset,
        ],
        axis=1,
    )
    codes = np.ascontiguousarray(_CODE_TABLE[np.packbits(state, axis=1, bitorder="little")[:, 0]].T)
    levels = np.stack(
        [
            tables.levels_none,
            p_level,
            a_level,
            np.minimum(p_level, a_level),
            tables.levels_possible,
            tables.levels_possible,
            p_level,
        ]
    ).astype(np.int8, copy=False)
    table, labels, decidable = _target_table(
        match, match.alpha_untyped & tables.heterodimer, tables.undecidable
    )
    # each target's candidate beads, in bead order (row -1 of ``member``: no target)
    member = np.zeros((len(labels) + 1, len(panel)), dtype=np.bool_)
    member[table[1:], np.arange(len(panel))] = True
    member = member[:-1]
    counts = member.sum(axis=1)
    return Plan(
        codes=codes,
        levels=levels,
        table=table,
        targets=labels,
        columns=np.nonzero(member)[1].astype(np.intp),
        starts=np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp),
        undecidable=frozenset(label for t, label in enumerate(labels) if t not in decidable),
        primary_groups=tables.primary,
        alpha_groups=tables.alpha,
        own=_own_heterodimers(match),
    )


def _target_table(
    match: DonorMatch, untyped: npt.NDArray[np.bool_], untyped_labels: tuple[str | None, ...]
) -> tuple[npt.NDArray[np.int32], tuple[str, ...], set[int]]:
    """(N_CODES × beads) target number of a positive bead by its chain code (-1: none), the
    target labels numbered as the beads meet them (per bead: primary, alpha, both,
    undecidable), and the numbers of the targets a decided chain reaches."""
    primary, alpha = match.primary_target, match.alpha_target
    loose = untyped.tolist()
    beads = [b for b, (p, a) in enumerate(zip(primary, alpha, strict=True)) if p or a or loose[b]]
    p_of = [primary[b] for b in beads]
    a_of = [alpha[b] for b in beads]
    both = [f"{a}+{p}" if a and p else None for p, a in zip(p_of, a_of, strict=True)]
    shown = [untyped_labels[b] if loose[b] else None for b in beads]
    met = (label for quad in zip(p_of, a_of, both, shown, strict=True) for label in quad)
    labels = tuple(dict.fromkeys(x for x in met if x is not None))
    number: dict[str | None, int] = {None: -1}
    number.update((label, t) for t, label in enumerate(labels))
    table = np.full((N_CODES, len(match.panel)), -1, dtype=np.int32)
    if not beads:
        return table, labels, set()
    p_n = [number[p] for p in p_of]
    a_n = [number[a] for a in a_of]
    both_n = [number[x] for x in both]
    either = [number[p or a] for p, a in zip(p_of, a_of, strict=True)]
    table[1:, beads] = [p_n, a_n, both_n, either, [number[x] for x in shown], p_n]
    return table, labels, {*p_n, *a_n, *both_n}


def attribute_chains(
    positive: npt.NDArray[np.bool_], match: DonorMatch, plan: Plan | None = None
) -> npt.NDArray[np.int8]:
    """CHAIN_* code of every positive bead: to which donor chain its reactivity goes."""
    panel = match.panel
    plan = plan or plan_of(match)
    beta_all = _all_positive(positive, plan.primary_groups, panel.primary_index)
    alpha_all = _all_positive(positive, plan.alpha_groups, panel.alpha_index)
    state = beta_all.view(np.int8) * np.int8(2) + alpha_all.view(np.int8)
    chain = np.take(plan.codes.ravel(), flat_index(state))
    chain = np.where(positive, chain, np.int8(CHAIN_NONE))
    if plan.own is not None:
        # the donor's own heterodimer with this chain is in the panel and negative
        has_own = plan.own.any(axis=1)
        own_positive = positive.astype(np.float32) @ plan.own.T > 0
        cleared = (chain == CHAIN_PARTIAL) & has_own & ~own_positive
        chain = np.where(cleared, np.int8(CHAIN_NONE), chain)
    return chain


def flat_index(code: npt.NDArray[np.int8]) -> npt.NDArray[np.int32]:
    """Flat positions of ``table[code[s, b], b]`` in a (codes × beads) table, for ``np.take``."""
    n_beads = code.shape[1]
    return (code.astype(np.int32) * n_beads + np.arange(n_beads)).astype(np.int32)
