"""The DSA calling rule and the donor masks written bead by bead in plain Python: the baseline
the benchmarks beat.

Shared by bench_dsa.py and bench_evaluate.py so both compare numpy with the same plain loop.
"""

from __future__ import annotations

from dsa_monitor.dsa.calls import (
    CHAIN_ALPHA,
    CHAIN_BOTH,
    CHAIN_NONE,
    CHAIN_PARTIAL,
    CHAIN_PRIMARY,
    CHAIN_UNDECIDABLE,
)
from dsa_monitor.dsa.matching import SerologyLevels, implied_supertypic
from dsa_monitor.hla.loci import DR_SUPERTYPIC


def positive_targets(values, beads, pt, at, untyped, p_target, a_target, carriers, cutoffs):
    """(bead index, donor antigen) of each positive bead that is a DSA, with DQ/DP chain attribution."""
    positive = [bead.primary is not None and values[b] >= cutoffs[b] for b, bead in enumerate(beads)]
    all_pos = {k: all(positive[b] for b in v) for k, v in carriers.items()}
    found = []
    for b, bead in enumerate(beads):
        if not positive[b]:
            continue
        if bead.alpha is None:
            code = CHAIN_PRIMARY if pt[b] else CHAIN_NONE
        else:
            beta_all = all_pos[bead.primary.two_field]
            alpha_all = all_pos[bead.alpha.two_field]
            if beta_all and not alpha_all:
                code = CHAIN_PRIMARY if pt[b] else CHAIN_NONE
            elif alpha_all and not beta_all:
                code = CHAIN_ALPHA if at[b] else CHAIN_UNDECIDABLE if untyped[b] else CHAIN_NONE
            elif alpha_all and beta_all:
                code = (CHAIN_PRIMARY if pt[b] else CHAIN_ALPHA if at[b]
                        else CHAIN_UNDECIDABLE if untyped[b] else CHAIN_NONE)
            else:
                code = (CHAIN_BOTH if pt[b] and at[b]
                        else CHAIN_UNDECIDABLE if pt[b] and untyped[b]
                        else CHAIN_PARTIAL if pt[b] != at[b] else CHAIN_NONE)
        target = {CHAIN_PRIMARY: p_target[b], CHAIN_ALPHA: a_target[b],
                  CHAIN_BOTH: f"{a_target[b]}+{p_target[b]}",
                  CHAIN_PARTIAL: p_target[b] or a_target[b]}.get(code)
        if target is not None:
            found.append((b, target))
    return found


def plain_masks(panel, donor, reference, recipient=None):
    """The donor masks bead by bead, chain by chain, entry by entry (DSA_RULES.md §3), with a
    fresh serology memo per donor and nothing precomputed per panel: what ``match_donor`` did
    before its panel serology cache. Returns the lists ``positive_targets`` reads:
    (primary target?, alpha target?, alpha untyped?, primary entry text, alpha entry text)."""
    levels = SerologyLevels(reference)

    def best(chain, person):
        if chain is None or person is None or not chain.expressed:
            return 0, None
        best_level, text = 0, None
        for entry in person.entries:
            if entry.locus == chain.locus:
                level = levels.entry_level(chain, entry)
                if level > best_level:
                    best_level, text = level, entry.text
        if best_level == 0 and chain.locus in DR_SUPERTYPIC and not person.typed(chain.locus):
            implied = implied_supertypic(person, chain.locus)
            if implied is not None:
                return 1, (f"DR{DR_SUPERTYPIC[chain.locus]} (implied by {implied}; "
                           f"{chain.locus} untyped)")
        return best_level, text

    pt, at, untyped, p_target, a_target = [], [], [], [], []
    for bead in panel.beads:
        p_level, p_text = best(bead.primary, donor)
        a_level, a_text = best(bead.alpha, donor)
        pt.append(p_level > 0 and not best(bead.primary, recipient)[0] >= p_level)
        at.append(a_level > 0 and not best(bead.alpha, recipient)[0] >= a_level)
        untyped.append(bead.alpha is not None and not donor.typed(bead.alpha.locus))
        p_target.append(p_text)
        a_target.append(a_text)
    return pt, at, untyped, p_target, a_target
