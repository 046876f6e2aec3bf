"""What a new evaluation changed: the facts alerts are made of (DSA_RULES.md §5), nothing else.

Pure: the DSA states of the previous and of the new evaluation of one donor of one exposure in,
facts out. A fact is identified by (recipient, donor, antigen, visit, kind), so re-running an
evaluation yields no new fact; a fact the new states no longer support (a corrected upload, a
changed typing) comes back as a ``withdrawn`` fact naming the kind it withdraws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..dsa.timeline import (
    DE_NOVO,
    DE_NOVO_BASELINE_MISSING,
    PERSISTENT,
    PREFORMED,
    RECURRENT,
    RESOLVED,
)
from ..dsa.visits import PRE_EXPOSURE, UNSCHEDULED
from .model import StateResult

DE_NOVO_DSA = "de_novo_dsa"
PREFORMED_DSA = "preformed_dsa"  # positive in the baseline or an earlier serum: told once
RECURRENT_DSA = "recurrent_dsa"
RISING_DSA = "rising_dsa"
PERSISTENT_DSA = "persistent_dsa"
RESOLVED_DSA = "resolved_dsa"
WITHDRAWN = "withdrawn"
KINDS = (DE_NOVO_DSA, PREFORMED_DSA, RECURRENT_DSA, RISING_DSA, PERSISTENT_DSA, RESOLVED_DSA, WITHDRAWN)


@dataclass(frozen=True, slots=True)
class ChangeFact:
    """One thing an evaluation established (or withdrew) about one DSA at one visit."""

    kind: str
    recipient_id: int
    donor_id: int
    exposure_id: int
    antigen: str
    visit: str  # the visit name; unscheduled sera carry their date ("unscheduled 2026-03-02")
    date: dt.date
    sample_id: int | None
    mfi: float
    strength: str
    status: str
    withdraws: str | None = None  # the kind of the fact a ``withdrawn`` fact takes back
    evaluation_id: int | None = None
    # A withdrawn fact: why (``withdrawal_cause``) and what the new evaluation says instead.
    cause: str | None = None
    now_status: str | None = None  # None: no longer a DSA target at that serum
    now_mfi: float | None = None
    now_strength: str | None = None

    @property
    def key(self) -> tuple[int, int, str, str, str]:
        """The idempotency key: the same fact is never reported twice."""
        kind = self.kind if self.withdraws is None else f"{self.kind}:{self.withdraws}"
        return (self.recipient_id, self.donor_id, self.antigen, self.visit, kind)

    @property
    def identity(self) -> tuple[int, int, str, str, str]:
        return (self.recipient_id, self.donor_id, self.antigen, self.visit, self.kind)


def visit_key(visit: str, date: dt.date) -> str:
    """Scheduled visits by name; an unscheduled serum by its date (several may exist)."""
    return f"{visit} {date.isoformat()}" if visit in (UNSCHEDULED, PRE_EXPOSURE) else visit


def facts_of(
    states: Sequence[StateResult], *, recipient_id: int, donor_id: int, exposure_id: int
) -> list[ChangeFact]:
    """The alertable facts one evaluation's states support, in serum order."""
    facts: list[ChangeFact] = []
    previous_status: dict[str, str] = {}
    preformed: set[str] = set()
    for state in sorted(states, key=lambda s: (s.position, s.target)):
        kinds = []
        if state.positive and state.consecutive == 1:
            if state.status in (DE_NOVO, DE_NOVO_BASELINE_MISSING):
                kinds.append(DE_NOVO_DSA)
            elif state.status == PREFORMED and state.target not in preformed:
                # Once per DSA, at its first positive serum: back above the cutoff before it
                # resolved it is still the same preformed DSA, not a new one to tell.
                kinds.append(PREFORMED_DSA)
                preformed.add(state.target)
            elif state.status == RECURRENT:
                kinds.append(RECURRENT_DSA)
        if state.rising:
            kinds.append(RISING_DSA)
        if state.status == PERSISTENT and previous_status.get(state.target) != PERSISTENT:
            kinds.append(PERSISTENT_DSA)
        if state.status == RESOLVED and previous_status.get(state.target) != RESOLVED:
            kinds.append(RESOLVED_DSA)
        previous_status[state.target] = state.status
        facts.extend(
            ChangeFact(
                kind=kind,
                recipient_id=recipient_id,
                donor_id=donor_id,
                exposure_id=exposure_id,
                antigen=state.target,
                visit=visit_key(state.visit, state.date),
                date=state.date,
                sample_id=state.sample_id,
                mfi=state.mfi,
                strength=state.strength,
                status=state.status,
            )
            for kind in kinds
        )
    return facts


def changes(
    previous: Sequence[ChangeFact],
    current: Sequence[ChangeFact],
    *,
    now: Sequence[StateResult] = (),
    cause: str | None = None,
) -> list[ChangeFact]:
    """Facts new in ``current``, then withdrawals of ``previous`` facts it no longer holds, each
    with its ``cause`` and the state ``now`` (the new evaluation's states) gives that DSA then."""
    before = {f.identity for f in previous}
    held = {f.identity for f in current}

    # A serum whose visit label changed (a later serum now stands for the visit) still holds the
    # same fact: the same DSA, kind and draw date. Neither a new alert nor a correction.
    def serum_fact(f: ChangeFact) -> tuple:
        return (f.recipient_id, f.donor_id, f.antigen, f.kind, f.date)

    held_sera = {serum_fact(f) for f in current}
    before_sera = {serum_fact(f) for f in previous}
    added = [f for f in current if f.identity not in before and serum_fact(f) not in before_sera]
    state_at = {(s.target, s.date): s for s in now}
    withdrawn = []
    for f in previous:
        if f.identity in held or serum_fact(f) in held_sera:
            continue
        state = state_at.get((f.antigen, f.date))
        withdrawn.append(
            ChangeFact(
                kind=WITHDRAWN,
                recipient_id=f.recipient_id,
                donor_id=f.donor_id,
                exposure_id=f.exposure_id,
                antigen=f.antigen,
                visit=f.visit,
                date=f.date,
                sample_id=f.sample_id,
                mfi=f.mfi,
                strength=f.strength,
                status=f.status,
                withdraws=f.kind,
                cause=cause,
                now_status=state.status if state else None,
                now_mfi=state.mfi if state else None,
                now_strength=state.strength if state else None,
            )
        )
    return added + withdrawn


def withdrawal_cause(before: dict | None, after: dict) -> str:
    """What changed between two evaluations' inputs (``engine.evaluation_inputs``), in words: the
    reason a correction gives (a re-typed donor is not a corrected upload)."""
    if not before:
        return "the evaluation was made again"
    causes = []
    if before.get("donor_typing") != after.get("donor_typing"):
        causes.append("the donor's HLA typing changed")
    if before.get("recipient_typing") != after.get("recipient_typing"):
        causes.append("the recipient's HLA typing changed")
    runs_before = {run for run, _ in before.get("runs", [])}
    runs_after = {run for run, _ in after.get("runs", [])}
    if runs_before - runs_after:
        causes.append("a corrected upload replaced serum results")
    elif runs_after - runs_before:
        causes.append("new serum results arrived")
    elif before.get("runs") != after.get("runs"):
        causes.append("a sample's QC status changed")
    if before.get("exposure") != after.get("exposure"):
        causes.append("the exposure changed")
    if before.get("rules") != after.get("rules"):
        causes.append(f"the rules changed ({before.get('rules')} to {after.get('rules')})")
    if before.get("reference") != after.get("reference"):
        causes.append(
            f"the reference release changed ({before.get('reference')} to {after.get('reference')})"
        )
    if not causes and before.get("engine") != after.get("engine"):
        causes.append("the evaluation method changed")
    return "; ".join(causes) or "the evaluation was made again"
