"""Which visit each of a recipient's samples counts as (the rules of ``dsa.visits``).

A serum is a draw, grouped exactly as the evaluation groups it (``evaluation.inputs.serum_of``:
its class I and II runs and treated runs, whatever their sample IDs); it belongs to the last
exposure on or before its draw date (or, drawn before any exposure, to the first, whose baseline
it may be); windows come from the study's visit schedule, read as the evaluation does, and a
serum assigned to a visit by hand counts there (``store.assignments``), as in the evaluation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlite_utils import Database

from .. import store
from ..dsa.rules import DEFAULT_RULES, Rules
from ..dsa.visits import VisitWindow, assign_visits, schedule_rules, timing, visit_windows
from ..errors import DSAMonitorError
from ..evaluation.model import DonorEvaluation
from ..store import assignments


def visit_labels(db: Database, recipient_id: int) -> dict[int, str]:
    """Stored sample id -> "baseline", "M3", "unscheduled", ... ("" when no exposure is known)."""
    recipient = store.get_recipient(db, recipient_id)
    exposures = store.list_exposures(db, recipient_id)
    samples = store.list_samples(db, recipient_id=recipient_id)
    if not exposures or not samples:
        return {s["id"]: "" for s in samples}
    try:
        schedule = store.get_study(db, recipient["study_id"])["visit_schedule"]
        rules = schedule_rules(DEFAULT_RULES, schedule)
    except DSAMonitorError:
        return {s["id"]: "" for s in samples}
    refs, sera = assignments.recipient_sera(samples)
    assigned = assignments.assigned_visits(db, [recipient_id]).get(recipient_id, {})
    days = [dt.date.fromisoformat(e["date"]) for e in exposures]
    labels: dict[int, str] = {}
    for index, day in enumerate(days):
        until = days[index + 1] if index + 1 < len(days) else None
        windows = {w.name: w for w in visit_windows(day, rules)}
        for assignment in assign_visits(day, refs, rules, until=until, assigned=assigned):
            before_first = index == 0 and assignment.sample.date <= day
            if assignment.sample.date > day or before_first:
                for run in sera[assignment.sample.sample_id]:
                    labels[run["id"]] = visit_said(assignment.visit, assignment.sample.date, windows)
    return labels


def visit_said(name: str, drawn: dt.date, windows: Mapping[str, VisitWindow]) -> str:
    """A visit as people read it: "M12", or "M12, done late" for a serum a person assigned to
    its visit though drawn after its window closed (never "unscheduled" and M12 overdue)."""
    said = timing(windows[name], drawn) if name in windows else None
    return f"{name}, done {said}" if said else name


def evaluation_visits(evaluation: DonorEvaluation) -> dict[int, str]:
    """Point position -> its visit as people read it (``visit_said``)."""
    windows = {w.name: w for w in visit_windows(evaluation.exposure_date, evaluation.rules)}
    return {p.position: visit_said(p.visit, p.date, windows) for p in evaluation.points}


def with_timings(evaluations: list[dict]) -> list[dict]:
    """The API's evaluation documents, each visit with its ``timing``: "late" (or "early") for
    a serum counted at a visit outside its window (one a person assigned to its visit: that
    visit done late, not an unscheduled serum and the visit overdue), else None."""
    for document in evaluations:
        rules = Rules.from_dict(document["rules"])
        day = dt.date.fromisoformat(document["exposure_date"])
        windows = {w.name: w for w in visit_windows(day, rules)}
        for visit in document["visits"]:
            window = windows.get(visit["visit"])
            visit["timing"] = timing(window, dt.date.fromisoformat(visit["date"])) if window else None
    return evaluations
