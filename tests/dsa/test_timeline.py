"""Worked examples of the DSA timeline (DSA_RULES.md §4): visits, statuses, overdue."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from dsa_monitor.dsa.calls import evaluate
from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import BeadPanel, match_donor
from dsa_monitor.dsa.rules import Rules, VisitSpec
from dsa_monitor.dsa.timeline import (
    DSAValue,
    SampleDSAValues,
    build_timeline,
    merge_values,
    values_from_evaluation,
)
from dsa_monitor.dsa.visits import SampleRef, assign_visits, overdue_visits, shift_days
from dsa_monitor.reference.service import embedded

EXPOSURE = dt.date(2026, 1, 10)
RULES = Rules()
DAY = {"baseline": -5, "M1": 30, "M3": 91, "M6": 182, "M9": 273, "M12": 365}


def sample(visit, mfi=None, *, qc_reason=None, assay=None, day=None):
    """A serum at a visit's target day with one DSA "A2" at ``mfi`` (None: not tested)."""
    offset = DAY[visit] if day is None else day
    ref = SampleRef(
        f"S-{visit}-{day}",
        EXPOSURE + dt.timedelta(days=offset),
        qc_failed=qc_reason is not None,
        qc_reason=qc_reason,
        assay=assay,
    )
    values = {} if mfi is None else {"A2": DSAValue(float(mfi), mfi >= 1000)}
    return SampleDSAValues(ref, values)


def statuses(samples, rules=RULES, **kwargs):
    timeline = build_timeline(EXPOSURE, samples, rules, **kwargs)
    return {p.visit: p.states[0].status if p.states else p.excluded_reason for p in timeline.points}


@pytest.mark.parametrize(
    "course, expected",
    [
        (
            [("baseline", 200), ("M1", 300), ("M3", 4000)],
            {"baseline": "negative", "M1": "negative", "M3": "de_novo"},
        ),
        ([("baseline", 5000), ("M1", 5200)], {"baseline": "preformed", "M1": "persistent"}),
        (
            [("baseline", 200), ("M3", 3000), ("M6", 3200)],
            {"baseline": "negative", "M3": "de_novo", "M6": "persistent"},
        ),
        (
            [("baseline", 200), ("M3", 3000), ("M6", 400), ("M9", 300)],
            {"baseline": "negative", "M3": "de_novo", "M6": "resolved", "M9": "negative"},
        ),
        ([("M1", 300), ("M3", 2500)], {"M1": "negative", "M3": "de_novo_baseline_missing"}),
        (
            [("baseline", 200), ("M3", 3000), ("M6", 400), ("M9", 3000)],
            {"baseline": "negative", "M3": "de_novo", "M6": "resolved", "M9": "recurrent"},
        ),
    ],
)
def test_statuses(course, expected):
    assert statuses([sample(v, m) for v, m in course]) == expected


def test_resolution_after_two_negatives_when_configured():
    rules = Rules(resolved_min_negative=2)
    course = [("baseline", 100), ("M1", 3000), ("M3", 500), ("M6", 400)]
    assert statuses([sample(v, m) for v, m in course], rules) == {
        "baseline": "negative",
        "M1": "de_novo",
        "M3": "below_cutoff",
        "M6": "resolved",
    }


def test_preformed_origin_kept_while_persistent():
    timeline = build_timeline(EXPOSURE, [sample("baseline", 5000), sample("M1", 5100)], RULES)
    assert timeline.state("M1", "A2").origin == "preformed"


@pytest.mark.parametrize(
    "before, after, rising",
    [
        (2000, 3500, True),  # weak -> moderate: a category crossed
        (5000, 5600, False),  # +12 %, same category
        (1200, 2900, True),  # +142 % and +1700
        (4000, 5500, False),  # +37 %: inside the noise band
        (12000, 20000, True),  # +67 % and +8000
        (3000, 1500, False),  # falling
    ],
)
def test_rising(before, after, rising):
    timeline = build_timeline(EXPOSURE, [sample("M1", before), sample("M3", after)], RULES)
    state = timeline.state("M3", "A2")
    assert state.rising is rising and state.previous_mfi == before


def test_rising_on_category_can_be_switched_off():
    rules = Rules(rising_on_category=False)
    timeline = build_timeline(EXPOSURE, [sample("M1", 2800), sample("M3", 3100)], rules)
    assert timeline.state("M3", "A2").rising is False


def test_qc_failed_sample_is_excluded_with_its_reason():
    samples = [
        sample("baseline", 200),
        sample("M3", 9000, qc_reason="PC bead below 1500"),
        sample("M3", 3000, day=95),
    ]
    timeline = build_timeline(EXPOSURE, samples, RULES)
    failed = [p for p in timeline.points if p.excluded_reason]
    assert [(p.excluded_reason, p.states) for p in failed] == [("QC failed: PC bead below 1500", ())]
    m3 = timeline.state("M3", "A2")
    assert (m3.status, m3.mfi) == ("de_novo", 3000)


def test_m6_window_closed_without_sample_is_overdue():
    samples = [sample("baseline", 200), sample("M1", 200), sample("M3", 200)]
    as_of = EXPOSURE + dt.timedelta(days=182 + 15)
    timeline = build_timeline(EXPOSURE, samples, RULES, as_of=as_of)
    assert [(o.name, o.reason) for o in timeline.overdue] == [("M6", "no sample")]
    # The day the window closes it is not yet overdue.
    day_it_closes = as_of - dt.timedelta(days=1)
    assert build_timeline(EXPOSURE, samples, RULES, as_of=day_it_closes).overdue == ()


def test_visit_with_only_a_qc_failed_sample_is_overdue():
    samples = [sample("M1", 200), sample("M3", 200), sample("M6", 200, qc_reason="NC bead high")]
    timeline = build_timeline(EXPOSURE, samples, RULES, as_of=EXPOSURE + dt.timedelta(days=200))
    assert [(o.name, o.reason) for o in timeline.overdue] == [("M6", "only QC-failed samples")]


@pytest.mark.parametrize(
    "days, expected",
    [
        ((-120, -30, -2), ["pre-exposure", "pre-exposure", "baseline"]),
        ((-120,), ["pre-exposure"]),  # outside the 90-day baseline window
        ((0, 29, 33), ["baseline", "M1", "unscheduled"]),  # day 0 counts as before the exposure
        ((60, 85, 100, 150), ["unscheduled", "M3", "unscheduled", "unscheduled"]),  # closest wins
        ((-1, 196, 197, 365), ["baseline", "M6", "unscheduled", "M12"]),  # M6 closes on day 196
    ],
)
def test_visit_assignment(days, expected):
    refs = [SampleRef(f"S{d}", EXPOSURE + dt.timedelta(days=d)) for d in days]
    assert [a.visit for a in assign_visits(EXPOSURE, refs, RULES)] == expected


def test_study_schedule_and_baseline_window_are_rules():
    rules = Rules(
        visits=(VisitSpec("D7", 7, 2, 2), VisitSpec("D28", 28, 3, 3)),
        baseline_window_days=14,
        baseline_same_day=False,
    )
    refs = [
        SampleRef(s, EXPOSURE + dt.timedelta(days=d)) for s, d in (("a", -20), ("b", 0), ("c", 8), ("d", 31))
    ]
    assignments = assign_visits(EXPOSURE, refs, rules)
    assert [a.visit for a in assignments] == ["pre-exposure", "unscheduled", "D7", "D28"]
    as_of = EXPOSURE + dt.timedelta(days=40)
    assert overdue_visits(EXPOSURE, assignments, rules, as_of) == []
    assert [o.name for o in overdue_visits(EXPOSURE, assignments[:3], rules, as_of)] == ["D28"]


def test_assay_change_is_flagged():
    samples = [sample("M1", 3000, assay="onelambda"), sample("M3", 3500, assay="immucor")]
    timeline = build_timeline(EXPOSURE, samples, RULES)
    assert timeline.state("M3", "A2").assay_changed is True
    assert timeline.state("M1", "A2").assay_changed is False


def test_from_evaluation_to_timeline():
    panel = BeadPanel.from_specificities(["NC", "PC", "A*02:01", "A*01:01", "B*44:02"])
    match = match_donor(panel, DonorHLA.from_names("D1", ["A*02:01", "B*44:02"]), embedded())
    mfi = np.array(
        [
            [0, 20000, 300, 100, 2500],  # baseline: B44 preformed
            [0, 20000, 4000, 100, 2600],  # M1: A2 de novo
            [0, 20000, 6500, 100, 200],  # M3: A2 persistent and rising; B44 resolved
        ],
        dtype=np.float32,
    )
    refs = [SampleRef(f"S{i}", EXPOSURE + dt.timedelta(days=d)) for i, d in enumerate((-3, 30, 91))]
    rows = values_from_evaluation(evaluate(mfi, match), refs)
    timeline = build_timeline(EXPOSURE, merge_values(rows), RULES, donor_id="D1")
    assert timeline.baseline_sample == "S0"
    assert [(s.target, s.status) for s in timeline.points[0].states] == [
        ("A*02:01", "negative"),
        ("B*44:02", "preformed"),
    ]
    a2 = timeline.state("M3", "A*02:01")
    assert (a2.status, a2.rising, a2.category) == ("persistent", True, "moderate")
    assert timeline.state("M3", "B*44:02").status == "resolved"
    assert timeline.rules_version == RULES.version


def test_merge_keeps_the_passing_panel_of_a_serum():
    ok = SampleRef("S1", EXPOSURE)
    failed = SampleRef("S1", EXPOSURE, qc_failed=True, qc_reason="PC low")
    merged = merge_values(
        [SampleDSAValues(ok, {"A2": DSAValue(3000, True)})],
        [SampleDSAValues(failed, {"DR4": DSAValue(9000, True)})],
    )
    assert [(m.sample.qc_failed, set(m.values)) for m in merged] == [(False, {"A2"})]


def test_visits_after_the_next_exposure_are_not_overdue():
    samples = [sample("baseline", 200), sample("M1", 200)]
    as_of = EXPOSURE + dt.timedelta(days=400)
    next_exposure = EXPOSURE + dt.timedelta(days=60)
    timeline = build_timeline(EXPOSURE, samples, RULES, as_of=as_of, until=next_exposure)
    assert timeline.overdue == ()  # M3 opens on day 77, after the next exposure (day 60)
    assert [o.name for o in build_timeline(EXPOSURE, samples, RULES, as_of=as_of).overdue] == [
        "M3",
        "M6",
        "M9",
        "M12",
    ]


def test_timeline_is_json_ready():
    timeline = build_timeline(
        EXPOSURE,
        [sample("baseline", 200), sample("M3", 4000)],
        RULES,
        as_of=EXPOSURE + dt.timedelta(days=120),
    )
    document = json.loads(json.dumps(timeline.to_dict()))
    assert document["exposure"] == "2026-01-10" and document["rules_version"] == RULES.version
    assert document["points"][1]["states"][0]["status"] == "de_novo"
    assert [o["name"] for o in document["overdue"]] == ["M1"]


def test_an_assay_change_names_both_assays():
    samples = [
        sample("M1", 3000, assay="onelambda LS1A04 015"),
        sample("M3", 500, assay="onelambda LS1A04 016"),
    ]
    state = build_timeline(EXPOSURE, samples, RULES).state("M3", "A2")
    assert (state.status, state.assay_changed, state.previous_assay, state.assay) == (
        "resolved",
        True,
        "onelambda LS1A04 015",
        "onelambda LS1A04 016",
    )


@pytest.mark.parametrize(
    ("first", "second", "kept"),
    [
        (DSAValue(5000, True), DSAValue(5600, True), DSAValue(5600, True)),  # the highest
        (DSAValue(5600, True), DSAValue(5000, True), DSAValue(5600, True)),  # whatever the order
        (DSAValue(1200, False), DSAValue(1100, True), DSAValue(1100, True)),  # a call first
    ],
)
def test_a_dsa_tested_by_two_runs_of_a_serum_counts_once(first, second, kept):
    ref = SampleRef("S-M1", EXPOSURE + dt.timedelta(days=30))
    [merged] = merge_values([SampleDSAValues(ref, {"A2": first})], [SampleDSAValues(ref, {"A2": second})])
    assert merged.values == {"A2": kept}


@pytest.mark.parametrize("exposure", [dt.date.min, dt.date(1, 1, 5), dt.date.max, dt.date(9999, 12, 1)])
def test_extreme_exposure_dates_never_raise(exposure):
    drawn = [SampleRef("S-1", dt.date(2026, 2, 9)), SampleRef("S-2", exposure)]
    assignments = assign_visits(exposure, drawn, RULES)
    assert {a.sample.sample_id for a in assignments} == {"S-1", "S-2"}
    overdue_visits(exposure, assignments, RULES, dt.date(2026, 11, 25))
    timeline = build_timeline(
        exposure, [SampleDSAValues(ref, {}) for ref in drawn], RULES, as_of=dt.date(2026, 11, 25)
    )
    assert len(timeline.points) == 2


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        (dt.date(2026, 1, 10), 30, dt.date(2026, 2, 9)),
        (dt.date.min, -90, dt.date.min),
        (dt.date(1, 1, 5), -90, dt.date.min),
        (dt.date.max, 14, dt.date.max),
        (dt.date(2026, 1, 10), 10**10, dt.date.max),  # beyond what a timedelta holds
    ],
)
def test_shifting_a_date_stops_at_the_calendars_ends(day, days, expected):
    assert shift_days(day, days) == expected


# ---- preformed: positive in any serum before the exposure, whatever the baseline window -------
# Worked examples as the laboratory reads them. Infusion on 2026-01-10; the A2 DSA is at 4,000 MFI
# in a serum of 2025-06-24 (day -200, older than the 90-day baseline window), negative (300) in the
# baseline of 2026-01-05 (day -5), and 3,500 at M3. It was there before the cells were given: the
# M3 reactivity is a preformed DSA coming back, not a de novo one.
EARLIER = EXPOSURE + dt.timedelta(days=-200)


def test_a_dsa_positive_in_a_serum_outside_the_baseline_window_is_preformed_not_de_novo():
    samples = [sample("old", 4000, day=-200), sample("baseline", 300), sample("M3", 3500)]
    timeline = build_timeline(EXPOSURE, samples, RULES)
    old, baseline, m3 = timeline.points
    assert (old.visit, old.excluded_reason) == ("pre-exposure", "before the exposure, not the baseline")
    assert timeline.baseline_sample == baseline.sample_id  # the window still chose the baseline
    state = timeline.state("M3", "A2")
    assert (state.status, state.origin, state.earlier_serum_date) == ("preformed", "preformed", EARLIER)
    before = timeline.state("baseline", "A2")  # negative at the baseline, yet known preformed
    assert (before.status, before.origin, before.earlier_serum_date) == ("negative", "preformed", EARLIER)


def test_an_earlier_positive_serum_makes_a_dsa_preformed_when_the_baseline_is_missing():
    samples = [sample("old", 4000, day=-200), sample("M1", 300), sample("M3", 3500)]
    state = build_timeline(EXPOSURE, samples, RULES).state("M3", "A2")
    assert (state.status, state.origin, state.earlier_serum_date) == (
        "preformed",
        "preformed",
        EARLIER,
    )  # not "de novo (baseline missing)"


@pytest.mark.parametrize("window", [14, 90, 199])
def test_preformed_whatever_the_baseline_window(window):
    rules = Rules(baseline_window_days=window)
    samples = [sample("old", 4000, day=-200), sample("baseline", 300), sample("M3", 3500), sample("M6", 3600)]
    timeline = build_timeline(EXPOSURE, samples, rules)
    assert statuses(samples, rules) == {
        "pre-exposure": "before the exposure, not the baseline",
        "baseline": "negative",
        "M3": "preformed",
        "M6": "persistent",
    }
    assert {s.earlier_serum_date for p in timeline.points for s in p.states} == {EARLIER}


def test_only_the_window_decides_which_serum_is_the_baseline():
    samples = [sample("old", 4000, day=-200), sample("M3", 3500)]
    wide = build_timeline(EXPOSURE, samples, Rules(baseline_window_days=365))
    assert wide.points[0].visit == "baseline"  # in the window: it is the baseline, preformed
    assert (wide.state("baseline", "A2").status, wide.state("M3", "A2").earlier_serum_date) == (
        "preformed",
        None,
    )
    narrow = build_timeline(EXPOSURE, samples, RULES)  # outside: an earlier serum, still preformed
    assert narrow.baseline_sample is None
    assert (narrow.state("M3", "A2").status, narrow.state("M3", "A2").earlier_serum_date) == (
        "preformed",
        EARLIER,
    )


def test_an_older_serum_inside_the_window_counts_too_and_the_latest_positive_one_is_named():
    samples = [
        sample("older", 2500, day=-80),
        sample("old", 4000, day=-60),
        sample("negative", 200, day=-30),
        sample("baseline", 300),
        sample("M3", 3500),
    ]
    state = build_timeline(EXPOSURE, samples, RULES).state("M3", "A2")
    assert (state.status, state.earlier_serum_date) == ("preformed", EXPOSURE + dt.timedelta(days=-60))


def test_a_qc_failed_earlier_serum_proves_nothing():
    samples = [
        sample("old", 4000, day=-200, qc_reason="PC bead below 1500"),
        sample("baseline", 300),
        sample("M3", 3500),
    ]
    state = build_timeline(EXPOSURE, samples, RULES).state("M3", "A2")
    assert (state.status, state.earlier_serum_date) == ("de_novo", None)


def test_an_earlier_serum_negative_for_the_dsa_changes_nothing():
    samples = [sample("old", 400, day=-200), sample("baseline", 300), sample("M3", 3500)]
    state = build_timeline(EXPOSURE, samples, RULES).state("M3", "A2")
    assert (state.status, state.origin, state.earlier_serum_date) == ("de_novo", "de_novo", None)


def test_a_preformed_dsa_back_above_the_cutoff_before_it_resolved_stays_preformed():
    # Two negatives resolve a DSA under these rules; one dip below the cutoff does not.
    rules = Rules(resolved_min_negative=2)
    course = [("baseline", 5000), ("M1", 500), ("M3", 4000)]
    assert statuses([sample(v, m) for v, m in course], rules) == {
        "baseline": "preformed",
        "M1": "below_cutoff",
        "M3": "preformed",
    }
