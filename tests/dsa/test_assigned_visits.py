"""A late serum assigned by hand to its visit (docs/dsa-rules.md §7): counted there, done late."""

from __future__ import annotations

import datetime as dt

from dsa_monitor.dsa.rules import Rules
from dsa_monitor.dsa.timeline import DSAValue, SampleDSAValues, build_timeline
from dsa_monitor.dsa.visits import SampleRef, assign_visits, overdue_visits, timing, visit_windows

EXPOSURE = dt.date(2026, 1, 10)
RULES = Rules()


def ref(name: str, day: int, qc_failed: bool = False) -> SampleRef:
    return SampleRef(name, EXPOSURE + dt.timedelta(days=day), qc_failed=qc_failed)


def test_a_serum_drawn_after_the_m12_window_assigned_to_m12_makes_m12_done_late():
    refs = [ref("base", -3), ref("m1", 30), ref("late", 381)]  # M12 closes on day 379
    as_of = EXPOSURE + dt.timedelta(days=400)
    by_date = assign_visits(EXPOSURE, refs, RULES)
    assert by_date[-1].visit == "unscheduled"
    assert "M12" in [o.name for o in overdue_visits(EXPOSURE, by_date, RULES, as_of)]

    by_hand = assign_visits(EXPOSURE, refs, RULES, assigned={"late": "M12"})
    assert [(a.visit, a.assigned) for a in by_hand] == [("baseline", False), ("M1", False), ("M12", True)]
    assert "M12" not in [o.name for o in overdue_visits(EXPOSURE, by_hand, RULES, as_of)]
    m12 = {w.name: w for w in visit_windows(EXPOSURE, RULES)}["M12"]
    assert timing(m12, by_hand[-1].sample.date) == "late"


def test_an_assigned_serum_comes_before_the_nearest_date_pairing():
    # Two sera in the M3 window; the one further from the target is assigned to M3 by hand:
    # it takes M3 and the nearer one is unscheduled (one visit, one serum).
    refs = [ref("near", 91), ref("far", 100)]
    visits = [a.visit for a in assign_visits(EXPOSURE, refs, RULES, assigned={"far": "M3"})]
    assert visits == ["unscheduled", "M3"]


def test_an_assignment_to_a_visit_the_schedule_lacks_or_before_the_exposure_is_ignored():
    refs = [ref("base", -3), ref("x", 200)]
    visits = [a.visit for a in assign_visits(EXPOSURE, refs, RULES, assigned={"base": "M1", "x": "M99"})]
    assert visits == ["baseline", "unscheduled"]


def test_a_qc_failed_assigned_serum_does_not_stand_for_its_visit():
    refs = [ref("late", 381, qc_failed=True)]
    assigned = assign_visits(EXPOSURE, refs, RULES, assigned={"late": "M12"})
    overdue = overdue_visits(EXPOSURE, assigned, RULES, EXPOSURE + dt.timedelta(days=400))
    assert ("M12", "only QC-failed samples") in [(o.name, o.reason) for o in overdue]


def test_the_timeline_counts_an_assigned_serum_at_its_visit():
    samples = [
        SampleDSAValues(ref("base", -3), {"A2": DSAValue(100.0, False)}),
        SampleDSAValues(ref("late", 381), {"A2": DSAValue(4000.0, True)}),
    ]
    timeline = build_timeline(
        EXPOSURE, samples, RULES, as_of=EXPOSURE + dt.timedelta(days=400), assigned={"late": "M12"}
    )
    assert timeline.state("M12", "A2").status == "de_novo"
    assert "M12" not in [o.name for o in timeline.overdue]
