"""What replaced a per-bead loop or a whole sample's objects gives what they gave, over every stored
matching case (all the beads of the demo panels, typed and untyped alphas, with and without a
recipient): ``attribution.plan_of`` against the loop kept here, ``calls.dsa_call`` against
``sample(row).calls``."""

from __future__ import annotations

import numpy as np
from dsa.match_cases import CASES, case_match

from dsa_monitor.dsa.attribution import CHAIN_UNDECIDABLE, N_CODES, BeadChains, _bead_codes, plan_of
from dsa_monitor.dsa.calls import dsa_call, evaluate
from dsa_monitor.dsa.matching import DonorMatch
from dsa_monitor.reference.service import embedded


def loop_codes(match: DonorMatch) -> list[list[int]]:
    """``_bead_codes`` of every bead by its ``BeadChains``, as (4 × beads)."""
    p_has, a_has = match.primary_level > 0, match.alpha_level > 0
    het = match.heterodimer
    chains = zip(
        het,
        p_has & ~match.primary_self,
        a_has & ~match.alpha_self,
        p_has & match.primary_self,
        a_has & match.alpha_self,
        match.alpha_untyped & het,
        strict=True,
    )
    per_bead = [_bead_codes(BeadChains(*map(bool, flags))) for flags in chains]
    return [list(state) for state in zip(*per_bead, strict=True)] if per_bead else [[]] * 4


def loop_targets(match: DonorMatch):
    """The target table, labels, candidate columns and undecidable labels, bead by bead."""
    panel_ = match.panel
    n = len(panel_)
    untyped = match.alpha_untyped & match.heterodimer
    labels: dict[str, int] = {}

    def number(label):
        return -1 if label is None else labels.setdefault(label, len(labels))

    table = np.full((N_CODES, n), -1, dtype=np.int32)
    named = [
        b for b, (p, a) in enumerate(zip(match.primary_target, match.alpha_target, strict=True)) if p or a
    ]
    candidates: dict[int, list[int]] = {}
    decidable: set[int] = set()
    for b in sorted(set(named) | set(np.flatnonzero(untyped).tolist())):
        p, a = match.primary_target[b], match.alpha_target[b]
        row = [
            -1,
            number(p),
            number(a),
            number(f"{a}+{p}" if a and p else None),
            number(p or a),
            -1,
            number(p),
        ]
        alpha = panel_.beads[b].alpha
        if alpha is not None and untyped[b]:
            row[CHAIN_UNDECIDABLE] = number(f"{alpha.two_field} ({alpha.locus} untyped)")
        table[:, b] = row
        for t in sorted(set(row) - {-1}):
            candidates.setdefault(t, []).append(b)
        decidable.update(row[:CHAIN_UNDECIDABLE], row[CHAIN_UNDECIDABLE + 1 :])
    counts = [len(candidates.get(t, ())) for t in range(len(labels))]
    columns = np.array([b for t in range(len(labels)) for b in candidates.get(t, ())], dtype=np.intp)
    starts = np.cumsum([0] + counts[:-1]).astype(np.intp)
    undecidable = frozenset(label for label, t in labels.items() if t not in decidable)
    return table, tuple(labels), columns, starts, undecidable


def test_plan_targets_equal_the_per_bead_loop_on_every_stored_case():
    reference = embedded()
    undecidable_seen = 0
    for case in CASES["embedded"]:
        match = case_match(case, reference)
        plan = plan_of(match)
        assert plan.codes.tolist() == loop_codes(match), case
        table, targets, columns, starts, undecidable = loop_targets(match)
        assert plan.table.dtype == table.dtype and plan.table.tolist() == table.tolist(), case
        assert plan.targets == targets, case
        assert plan.columns.dtype == columns.dtype and plan.columns.tolist() == columns.tolist(), case
        assert plan.starts.dtype == starts.dtype and plan.starts.tolist() == starts.tolist(), case
        assert plan.undecidable == undecidable, case
        undecidable_seen += bool(undecidable)
    assert undecidable_seen  # the cases reach the untyped-alpha labels too


def test_one_targets_call_is_the_one_the_samples_objects_give():
    """``calls.dsa_call`` builds one target's call alone: the call ``sample(row).calls`` has
    for it, or None, for every target of every row of random sera on every stored case."""
    reference = embedded()
    random = np.random.default_rng(17)
    called = 0
    for case in CASES["embedded"]:
        match = case_match(case, reference)
        mfi = random.choice(
            [100.0, 800.0, 1500.0, 4000.0, 12000.0], size=(4, len(match.panel)), p=[0.5, 0.1, 0.2, 0.1, 0.1]
        )
        evaluation = evaluate(mfi.astype(np.float32), match, excluded=[False, False, False, True])
        for row in range(4):
            expected = {c.target: c for c in evaluation.sample(row).calls}
            for target in evaluation.targets:
                assert dsa_call(evaluation, row, target) == expected.get(target), (case, row, target)
            called += len(expected)
    assert called >= 100
