"""The DSA calling rule written bead by bead over Python lists: the baseline the benchmarks beat.

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
