"""Which sample is the baseline and which is each visit of an exposure; which visits are overdue.

DSA_RULES.md §4: baseline = the last sample before the exposure within a window; visits M1..M12 by
default, each with its window (``rules.Rules.visits``, per study); other samples are unscheduled.
The other sera before the exposure are ``pre-exposure``: never the baseline, yet a DSA positive in
one of them is preformed (``timeline.earlier_positive``): the window only chooses the baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .rules import InvalidRules, Rules, VisitSpec

BASELINE = "baseline"
UNSCHEDULED = "unscheduled"
PRE_EXPOSURE = "pre-exposure"  # before the exposure but not the baseline (older, or out of window)


DEFAULT_WINDOW_DAYS = 14


def shift_days(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, held at ``date.min`` / ``date.max`` instead of overflowing: a
    window reaching past the calendar (an exposure dated 0001-01-01) ends there, never raises."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def schedule_rules(rules: Rules, schedule: Any) -> Rules:
    """The rules with a study's stored visit schedule; the one reading of a schedule for every job.

    A schedule is a list of visits, or ``{"visits": [...], "baseline_window_days": n}``. A visit is
    ``{"name", "day", "window_days"}``, ``{"name", "day", "before", "after"}``, or a bare day number
    (named ``D<day>``); windows default to ±14 days. An empty schedule keeps ``rules``' visits.
    """
    if not schedule:
        return rules
    changes: dict[str, Any] = {}
    visits = schedule.get("visits") if isinstance(schedule, dict) else schedule
    if isinstance(schedule, dict) and "baseline_window_days" in schedule:
        changes["baseline_window_days"] = int(schedule["baseline_window_days"])
    if visits:
        changes["visits"] = tuple(_visit(item) for item in visits)
    return rules.with_changes(**changes) if changes else rules


def _visit(item: Any) -> VisitSpec:
    if isinstance(item, int | float) and not isinstance(item, bool):
        return VisitSpec(f"D{int(item)}", int(item))
    if not isinstance(item, dict) or "day" not in item:
        raise InvalidRules(f"visit schedule item {item!r} has no day")
    try:
        window = int(item.get("window_days", DEFAULT_WINDOW_DAYS))
        return VisitSpec(
            str(item.get("name") or f"D{int(item['day'])}"),
            int(item["day"]),
            int(item.get("before", window)),
            int(item.get("after", window)),
        )
    except (TypeError, ValueError) as error:
        raise InvalidRules(f"visit schedule item {item!r} not usable: {error}") from error


@dataclass(frozen=True, slots=True)
class SampleRef:
    """A serum as the timeline needs it: when drawn, whether QC passed, on which assay."""

    sample_id: str
    date: dt.date
    qc_failed: bool = False
    qc_reason: str | None = None
    assay: str | None = None  # vendor/kit/lot: a trend across a change must say so


@dataclass(frozen=True, slots=True)
class VisitWindow:
    """A scheduled visit of one exposure, in dates."""

    name: str
    target: dt.date
    opens: dt.date
    closes: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.opens <= day <= self.closes


@dataclass(frozen=True, slots=True)
class VisitAssignment:
    """The visit a sample counts as, and its day relative to the exposure (day 0)."""

    sample: SampleRef
    visit: str  # "baseline", a visit name, "unscheduled" or "pre-exposure"
    day: int
    assigned: bool = False  # counted at its visit by hand (a late serum), not by its date


@dataclass(frozen=True, slots=True)
class OverdueVisit:
    """A visit whose window has closed without a usable sample."""

    name: str
    window: VisitWindow
    reason: str  # "no sample" or "only QC-failed samples"


@lru_cache(maxsize=4096)
def visit_windows(exposure: dt.date, rules: Rules) -> tuple[VisitWindow, ...]:
    """The dated windows of the rules' visit schedule for an exposure on ``exposure`` (made once
    per date and rules: a cohort's infusions share their days)."""
    return tuple(
        VisitWindow(
            spec.name,
            shift_days(exposure, spec.day),
            shift_days(exposure, spec.day - spec.before),
            shift_days(exposure, spec.day + spec.after),
        )
        for spec in rules.visits
    )


def _is_pre_exposure(sample: SampleRef, exposure: dt.date, rules: Rules) -> bool:
    return sample.date < exposure or (rules.baseline_same_day and sample.date == exposure)


def assign_visits(
    exposure: dt.date,
    samples: Sequence[SampleRef],
    rules: Rules,
    *,
    until: dt.date | None = None,
    assigned: Mapping[str, str] | None = None,
) -> list[VisitAssignment]:
    """Label every sample of an exposure, in date order; samples after ``until`` are left out.

    Baseline: the last QC-passing sample on or before the exposure (rules.baseline_same_day)
    within ``baseline_window_days``. ``assigned`` (sample id -> visit name, set by a person: a
    serum drawn late for its visit) comes first: such a sample after the exposure takes its visit
    whatever its date, and a QC-passing one stands for it. Then each visit takes the QC-passing
    sample closest to its target day inside its window (one sample, one visit); QC-failed samples
    take the label of a window they fall in but never stand for it.
    """
    kept = sorted(
        (s for s in samples if until is None or s.date <= until), key=lambda s: (s.date, s.sample_id)
    )
    earliest = shift_days(exposure, -rules.baseline_window_days)
    before = [s for s in kept if _is_pre_exposure(s, exposure, rules)]
    baseline = next((s for s in reversed(before) if not s.qc_failed and s.date >= earliest), None)
    after = [s for s in kept if not _is_pre_exposure(s, exposure, rules)]
    windows = visit_windows(exposure, rules)
    pairs = sorted(
        (abs((s.date - w.target).days), s.date, i, s.sample_id)
        for i, w in enumerate(windows)
        for s in after
        if not s.qc_failed and w.contains(s.date)
    )
    label: dict[str, str] = {}
    taken: set[int] = set()
    names = {w.name: i for i, w in enumerate(windows)}
    by_hand = {s.sample_id for s in after if (assigned or {}).get(s.sample_id) in names}
    for sample in after:
        if sample.sample_id in by_hand:
            label[sample.sample_id] = assigned[sample.sample_id]  # type: ignore[index]
            if not sample.qc_failed:
                taken.add(names[label[sample.sample_id]])
    for _, _, i, sample_id in pairs:
        if i not in taken and sample_id not in label:
            label[sample_id] = windows[i].name
            taken.add(i)
    assignments = []
    for sample in kept:
        if sample in before:
            visit = BASELINE if sample is baseline else PRE_EXPOSURE
        elif sample.sample_id in label:
            visit = label[sample.sample_id]
        else:
            visit = next((w.name for w in windows if w.contains(sample.date)), UNSCHEDULED)
            visit = visit if sample.qc_failed else UNSCHEDULED
        assignments.append(
            VisitAssignment(sample, visit, (sample.date - exposure).days, sample.sample_id in by_hand)
        )
    return assignments


def timing(window: VisitWindow, day: dt.date) -> str | None:
    """ "early" or "late" for a serum counted at a visit outside its window (assigned by hand)."""
    if day > window.closes:
        return "late"
    return "early" if day < window.opens else None


def overdue_visits(
    exposure: dt.date,
    assignments: Sequence[VisitAssignment],
    rules: Rules,
    as_of: dt.date,
    *,
    until: dt.date | None = None,
) -> list[OverdueVisit]:
    """Visits whose window closed before ``as_of`` with no QC-passing sample in it.

    Visits opening after ``until`` (the next exposure ends this one's follow-up) are never due.
    """
    overdue = []
    for window in visit_windows(exposure, rules):
        if window.closes >= as_of or (until is not None and window.opens > until):
            continue
        inside = [a for a in assignments if a.visit == window.name]
        if any(not a.sample.qc_failed for a in inside):
            continue
        reason = "only QC-failed samples" if inside else "no sample"
        overdue.append(OverdueVisit(window.name, window, reason))
    return overdue
