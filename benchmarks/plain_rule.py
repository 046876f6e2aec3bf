"""The DSA calling rule and the donor masks written bead by bead in plain Python: the baseline
the benchmarks beat.

Shared by bench_dsa.py and bench_evaluate.py so both compare numpy with the same plain loop.
"""

from __future__ import annotations

from typing import NamedTuple

from dsa_monitor.dsa.calls import (
    CHAIN_ALPHA,
    CHAIN_BETA_ALPHA_UNTYPED,
    CHAIN_BOTH,
    CHAIN_NONE,
    CHAIN_PARTIAL,
    CHAIN_PRIMARY,
    CHAIN_UNDECIDABLE,
)
from dsa_monitor.dsa.matching import SerologyLevels, implied_supertypic
from dsa_monitor.hla.loci import DR_SUPERTYPIC


class Masks(NamedTuple):
    """Per bead, as lists: what the donor and recipient carry of its chains."""

    pt: list  # the donor carries the primary/beta chain, the recipient does not
    at: list  # ... the alpha chain
    untyped: list  # a heterodimer bead whose alpha locus the donor has not typed
    p_shared: list  # the donor carries the beta chain and the recipient too
    a_shared: list
    p_has: list  # the donor carries the beta chain (any level)
    a_has: list
    p_target: list  # the donor's entry text matching each chain
    a_target: list


def masks_of(match) -> Masks:
    """The lists of a ``DonorMatch`` (the benchmarks' plain calls on the service's masks)."""
    p_has, a_has = (match.primary_level > 0), (match.alpha_level > 0)
    return Masks(
        match.primary_mask.tolist(),
        match.alpha_mask.tolist(),
        match.alpha_untyped.tolist(),
        (p_has & match.primary_self).tolist(),
        (a_has & match.alpha_self).tolist(),
        p_has.tolist(),
        a_has.tolist(),
        list(match.primary_target),
        list(match.alpha_target),
    )


def _code(b, bead, m: Masks, positive, carriers) -> int:
    if bead.alpha is None:
        return CHAIN_PRIMARY if m.pt[b] else CHAIN_NONE
    beta_beads, alpha_beads = carriers[bead.primary.two_field], carriers[bead.alpha.two_field]
    beta_all = len(beta_beads) > 1 and all(positive[j] for j in beta_beads)
    alpha_all = len(alpha_beads) > 1 and all(positive[j] for j in alpha_beads)
    if m.pt[b] and m.at[b]:
        if beta_all:
            return CHAIN_PRIMARY
        return CHAIN_ALPHA if alpha_all else CHAIN_BOTH
    if m.pt[b]:
        if m.untyped[b]:
            return CHAIN_BETA_ALPHA_UNTYPED
        if m.a_shared[b] or beta_all:
            return CHAIN_PRIMARY
        if alpha_all:
            return CHAIN_NONE
        own = [j for j in beta_beads if m.a_has[j]]
        return CHAIN_NONE if own and not any(positive[j] for j in own) else CHAIN_PARTIAL
    if m.at[b]:
        if m.p_shared[b] or alpha_all:
            return CHAIN_ALPHA
        if beta_all:
            return CHAIN_NONE
        own = [j for j in alpha_beads if m.p_has[j]]
        return CHAIN_NONE if own and not any(positive[j] for j in own) else CHAIN_PARTIAL
    return CHAIN_UNDECIDABLE if m.untyped[b] and alpha_all else CHAIN_NONE


def carriers_of(beads) -> dict[str, list[int]]:
    """The beads carrying each chain allele (DQ/DP chain attribution)."""
    carriers: dict[str, list[int]] = {}
    for b, bead in enumerate(beads):
        for chain in (bead.primary, bead.alpha):
            if chain is not None:
                carriers.setdefault(chain.two_field, []).append(b)
    return carriers


def positive_targets(values, beads, masks: Masks, carriers, cutoffs):
    """(bead index, donor antigen) of each positive bead that is a DSA, with DQ/DP chain attribution."""
    positive = [bead.primary is not None and values[b] >= cutoffs[b] for b, bead in enumerate(beads)]
    found = []
    for b, bead in enumerate(beads):
        if not positive[b]:
            continue
        code = _code(b, bead, masks, positive, carriers)
        p, a = masks.p_target[b], masks.a_target[b]
        target = {
            CHAIN_PRIMARY: p,
            CHAIN_ALPHA: a,
            CHAIN_BOTH: f"{a}+{p}",
            CHAIN_PARTIAL: p or a,
            CHAIN_BETA_ALPHA_UNTYPED: p,
        }.get(code)
        if target is not None:
            found.append((b, target))
    return found


def plain_masks(panel, donor, reference, recipient=None) -> Masks:
    """The donor masks bead by bead, chain by chain, entry by entry (docs/dsa-rules.md), with a
    fresh serology memo per donor and nothing precomputed per panel: what ``match_donor`` did
    before its panel serology cache."""
    levels = SerologyLevels(reference)

    def best(chain, person, carried=False):
        if chain is None or person is None or not chain.expressed:
            return 0, None
        best_level, text = 0, None
        for entry in person.entries:
            if entry.locus == chain.locus:
                level = levels.entry_level(chain, entry, carried=carried)
                if level > best_level:
                    best_level, text = level, entry.text
        if best_level == 0 and chain.locus in DR_SUPERTYPIC and not person.typed(chain.locus):
            implied = implied_supertypic(person, chain.locus)
            if implied is not None:
                return 1, (f"DR{DR_SUPERTYPIC[chain.locus]} (implied by {implied}; {chain.locus} untyped)")
        return best_level, text

    def is_self(chain, level):
        if level == 0:
            return False
        return best(chain, recipient, True)[0] >= level or (
            best(chain, recipient)[0] >= level and best(chain, donor, True)[0] == 0
        )

    masks = Masks([], [], [], [], [], [], [], [], [])
    for bead in panel.beads:
        p_level, p_text = best(bead.primary, donor)
        a_level, a_text = best(bead.alpha, donor)
        p_self, a_self = is_self(bead.primary, p_level), is_self(bead.alpha, a_level)
        masks.pt.append(p_level > 0 and not p_self)
        masks.at.append(a_level > 0 and not a_self)
        masks.untyped.append(bead.alpha is not None and not donor.typed(bead.alpha.locus))
        masks.p_shared.append(p_level > 0 and p_self)
        masks.a_shared.append(a_level > 0 and a_self)
        masks.p_has.append(p_level > 0)
        masks.a_has.append(a_level > 0)
        masks.p_target.append(p_text)
        masks.a_target.append(a_text)
    return masks
