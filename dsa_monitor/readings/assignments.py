"""A late serum belongs to its visit: which visits a serum may be assigned to, and assigning it.

A serum drawn two days after the M12 window closed is "unscheduled" by dates alone and M12 stays
overdue. A coordinator or the lab says which visit it was drawn for; the evaluation then counts it
there (``dsa.visits.assign_visits``) and the visit shows as done late. The pages and the API call
the same two functions: the assignment is stored and audited (``store.assignments``) and the
recipient evaluated again at once, its alerts recorded by the door's ``record``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlite_utils import Database

from .. import store
from ..dsa.rules import DEFAULT_RULES
from ..dsa.visits import schedule_rules
from ..errors import InvalidVisit
from ..evaluation import evaluate_recipients
from ..store import assignments


def visit_choices(db: Database, recipient: dict) -> list[str]:
    """The visits of the recipient's study schedule (after the exposure: never the baseline)."""
    schedule = store.get_study(db, recipient["study_id"])["visit_schedule"]
    return [v.name for v in schedule_rules(DEFAULT_RULES, schedule).visits]


def assignment_of(db: Database, recipient_id: int, sample_id: int) -> dict | None:
    """The serum's assignment, if a person made one."""
    return assignments.get(db, recipient_id, store.get_sample(db, sample_id)["draw_date"])


def _check(db: Database, recipient: dict, sample_id: int, visit: str) -> None:
    choices = visit_choices(db, recipient)
    if visit not in choices:
        raise InvalidVisit(
            f"visit {visit!r} is not in the study's schedule ({', '.join(choices)})", visit=visit
        )
    drawn = dt.date.fromisoformat(store.get_sample(db, sample_id)["draw_date"])
    exposures = [dt.date.fromisoformat(e["date"]) for e in store.list_exposures(db, recipient["id"])]
    if not any(day < drawn for day in exposures):
        raise InvalidVisit(
            f"serum {sample_id} was drawn on {drawn.isoformat()}, before any"
            " exposure: it can only be a baseline",
            sample_id=sample_id,
        )


def assign_serum_visit(
    db: Database,
    recipient: dict,
    sample_id: int,
    visit: str | None,
    reason: str,
    *,
    user: str,
    reference: Any,
    record: Any,
) -> dict | None:
    """Count the serum at ``visit`` (None: clear the assignment), then evaluate the recipient
    again; the assignment as stored (None once cleared)."""
    if visit is None:
        assignments.clear(db, recipient["id"], sample_id, user=user)
        found = None
    else:
        _check(db, recipient, sample_id, visit)
        found = assignments.assign(db, recipient["id"], sample_id, visit, reason.strip(), user=user)
    evaluate_recipients(db, [recipient["id"]], reference=reference, user=user, record=record)
    return found
