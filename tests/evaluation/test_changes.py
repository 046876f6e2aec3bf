"""What an evaluation changed: facts from a DSA's states, new ones and withdrawn ones."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from dsa_monitor.evaluation.changes import (
    DE_NOVO_DSA,
    PERSISTENT_DSA,
    PREFORMED_DSA,
    RECURRENT_DSA,
    RESOLVED_DSA,
    RISING_DSA,
    WITHDRAWN,
    changes,
    facts_of,
    visit_key,
    withdrawal_cause,
)
from dsa_monitor.evaluation.model import StateResult

DAY0 = dt.date(2025, 1, 1)
VISITS = ("baseline", "M1", "M3", "M6", "M9", "M12")
IDS = {"recipient_id": 1, "donor_id": 2, "exposure_id": 3}


def course(*steps, target="A*24:02"):
    """States of one DSA: (status, mfi, positive, rising, consecutive) per visit, in order."""
    states = []
    for position, (status, mfi, positive, rising, consecutive) in enumerate(steps):
        states.append(
            StateResult(
                position=position,
                serum=f"S{position}",
                date=DAY0 + dt.timedelta(days=30 * position),
                visit=VISITS[position],
                target=target,
                sample_id=100 + position,
                hla_class="I",
                level="allele" if positive else None,
                chain="A" if positive else None,
                mfi=mfi,
                value_kind="normalized",
                positive=positive,
                strength="weak" if positive else "negative",
                status=status,
                origin=None,
                rising=rising,
                consecutive=consecutive,
                previous_mfi=None,
                assay_changed=False,
            )
        )
    return states


NEG = ("negative", 50.0, False, False, 0)


@pytest.mark.parametrize(
    "steps, expected",
    [
        ((NEG, NEG), []),
        ((NEG, ("de_novo", 2500.0, True, False, 1)), [(DE_NOVO_DSA, "M1")]),
        ((("de_novo_baseline_missing", 2500.0, True, False, 1),), [(DE_NOVO_DSA, "baseline")]),
        # persistent reported once, where it starts; rising wherever it rises
        (
            (
                NEG,
                ("de_novo", 2500.0, True, False, 1),
                ("persistent", 5200.0, True, True, 2),
                ("persistent", 5000.0, True, False, 3),
            ),
            [(DE_NOVO_DSA, "M1"), (RISING_DSA, "M3"), (PERSISTENT_DSA, "M3")],
        ),
        (
            (
                ("preformed", 4000.0, True, False, 1),
                ("resolved", 300.0, False, False, 0),
                ("recurrent", 2000.0, True, False, 1),
            ),
            [(PREFORMED_DSA, "baseline"), (RESOLVED_DSA, "M1"), (RECURRENT_DSA, "M3")],
        ),
        # a preformed DSA is told once, at the serum that shows it (issue 15)
        ((("preformed", 4000.0, True, False, 1),), [(PREFORMED_DSA, "baseline")]),
        # back above the cutoff before it resolved: the same preformed DSA, not told again
        (
            (
                ("preformed", 4000.0, True, False, 1),
                ("below_cutoff", 800.0, False, False, 0),
                ("preformed", 1900.0, True, False, 1),
            ),
            [(PREFORMED_DSA, "baseline")],
        ),
    ],
)
def test_facts_of_a_course(steps, expected):
    facts = facts_of(course(*steps), **IDS)
    assert [(f.kind, f.visit) for f in facts] == expected
    assert all(f.key[:3] == (1, 2, "A*24:02") for f in facts)


def test_unscheduled_sera_are_told_apart_by_date():
    assert visit_key("unscheduled", dt.date(2025, 3, 2)) == "unscheduled 2025-03-02"
    assert visit_key("M3", dt.date(2025, 3, 2)) == "M3"


def test_the_same_states_change_nothing():
    states = course(NEG, ("de_novo", 2500.0, True, False, 1))
    assert changes(facts_of(states, **IDS), facts_of(states, **IDS)) == []


def test_a_serum_relabelled_by_a_later_one_changes_nothing():
    """A serum nearer the M1 target arrives: the first one becomes unscheduled, but its DSA, its
    date and its kind are what was alerted: no new alert, no correction."""
    before = course(NEG, ("de_novo", 2500.0, True, False, 1))
    after = [dataclasses.replace(s, visit="unscheduled") if s.visit == "M1" else s for s in before]
    assert changes(facts_of(before, **IDS), facts_of(after, **IDS)) == []


def test_a_corrected_serum_withdraws_and_moves_the_de_novo_fact():
    before = course(NEG, ("de_novo", 2500.0, True, False, 1), ("persistent", 3000.0, True, False, 2))
    after = course(NEG, NEG, ("de_novo", 3000.0, True, False, 1))
    found = changes(facts_of(before, **IDS), facts_of(after, **IDS))
    assert {(f.kind, f.withdraws, f.visit) for f in found} == {
        (DE_NOVO_DSA, None, "M3"),
        (WITHDRAWN, DE_NOVO_DSA, "M1"),
        (WITHDRAWN, PERSISTENT_DSA, "M3"),
    }
    withdrawn = [f for f in found if f.kind == WITHDRAWN]
    assert all(f.key[-1].startswith("withdrawn:") for f in withdrawn)


BEFORE = {
    "engine": "e2",
    "rules": "r1-a",
    "reference": "3.58.0",
    "recipient_typing": 1,
    "donor_typing": 2,
    "exposure": [3, "2025-01-01", None],
    "runs": [[10, False], [11, False]],
    "overdue": [],
}


@pytest.mark.parametrize(
    ("changed", "cause"),
    [
        ({"donor_typing": 5}, "the donor's HLA typing changed"),
        ({"recipient_typing": 6}, "the recipient's HLA typing changed"),
        ({"runs": [[10, False], [12, False]]}, "a corrected upload replaced serum results"),
        ({"runs": [[10, False], [11, False], [12, False]]}, "new serum results arrived"),
        ({"runs": [[10, False], [11, True]]}, "a sample's QC status changed"),
        ({"exposure": [3, "2025-01-02", None]}, "the exposure changed"),
        ({"rules": "r1-b"}, "the rules changed (r1-a to r1-b)"),
        ({"reference": "3.64.0"}, "the reference release changed (3.58.0 to 3.64.0)"),
        ({"engine": "e3"}, "the evaluation method changed"),
        (
            {"donor_typing": 5, "rules": "r1-b"},
            "the donor's HLA typing changed; the rules changed (r1-a to r1-b)",
        ),
    ],
)
def test_a_withdrawal_names_what_changed(changed, cause):
    assert withdrawal_cause(BEFORE, {**BEFORE, **changed}) == cause


def test_an_evaluation_stored_without_its_inputs_gives_a_plain_cause():
    assert withdrawal_cause(None, BEFORE) == "the evaluation was made again"
    assert withdrawal_cause({}, BEFORE) == "the evaluation was made again"


def test_a_withdrawn_fact_carries_its_cause_and_what_holds_now():
    before = course(
        ("negative", 300, False, False, 0),
        ("de_novo", 2400, True, False, 1),
        ("persistent", 3000, True, False, 2),
    )
    after = course(
        ("negative", 300, False, False, 0),
        ("negative", 400, False, False, 0),
        ("de_novo", 3000, True, False, 1),
    )
    found = changes(
        facts_of(before, **IDS),
        facts_of(after, **IDS),
        now=after,
        cause="a corrected upload replaced serum results",
    )
    withdrawn = {
        (f.withdraws, f.visit): (f.cause, f.now_status, f.now_mfi, f.now_strength)
        for f in found
        if f.kind == WITHDRAWN
    }
    assert withdrawn == {
        (DE_NOVO_DSA, "M1"): ("a corrected upload replaced serum results", "negative", 400, "negative"),
        (PERSISTENT_DSA, "M3"): ("a corrected upload replaced serum results", "de_novo", 3000, "weak"),
    }
    gone = changes(facts_of(before, **IDS), [], now=[], cause="the donor's HLA typing changed")
    assert {(f.now_status, f.now_mfi) for f in gone} == {(None, None)}
