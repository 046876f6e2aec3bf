"""Overdue-visit events: a visit's window closed without a usable sample (to the coordinator).

The windows come from the study's visit schedule (the protocol's; DSA_RULES.md §4 defaults when
the study has none), the sera from the store, grouped by draw as the evaluation does, with the
visits people assigned late sera to; ``dsa.visits`` decides, purely, what is overdue.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlite_utils import Database

from .. import store
from ..dsa.rules import DEFAULT_RULES
from ..dsa.visits import SampleRef, assign_visits, overdue_visits, schedule_rules
from ..errors import DSAMonitorError
from ..store import assignments
from ..store import events as stored
from .events import OVERDUE_VISIT, EventFact

log = logging.getLogger(__name__)

# Exposures older than this (plus OVERDUE_MAX_AGE_DAYS) have no visit left to become overdue.
MAX_FOLLOW_UP_DAYS = 3660


def overdue_visit_facts(db: Database, *, today: dt.date, max_age_days: int) -> list[EventFact]:
    """Facts for the visits whose window closed in the last ``max_age_days`` without a sample."""
    horizon = today - dt.timedelta(days=max_age_days + MAX_FOLLOW_UP_DAYS)
    exposures = stored.exposures_since(db, horizon.isoformat())
    facts: list[EventFact] = []
    samples_of: dict[int, list[SampleRef]] = {}
    assigned = assignments.assigned_visits(db, {e["recipient_id"] for e in exposures})
    for index, exposure in enumerate(exposures):
        try:
            rules = schedule_rules(DEFAULT_RULES, exposure["visit_schedule"])
        except DSAMonitorError as error:
            log.warning(
                "study %s: visit schedule not usable (%s); overdue visits not checked",
                exposure["study_id"],
                error,
            )
            continue
        recipient_id = exposure["recipient_id"]
        following = exposures[index + 1] if index + 1 < len(exposures) else None
        try:
            if recipient_id not in samples_of:
                samples_of[recipient_id] = assignments.recipient_sera(
                    store.list_samples(db, recipient_id=recipient_id)
                )[0]
            until = None
            if following is not None and following["recipient_id"] == recipient_id:
                until = dt.date.fromisoformat(following["date"])
            day = dt.date.fromisoformat(exposure["date"])
            counted = assign_visits(
                day, samples_of[recipient_id], rules, until=until, assigned=assigned.get(recipient_id)
            )
            overdue = overdue_visits(day, counted, rules, today, until=until)
        except Exception:  # one recipient's bad data must not stop the others' checks
            log.exception(
                "recipient %s, exposure %s: overdue visits not checked", recipient_id, exposure["id"]
            )
            continue
        for visit in overdue:
            if (today - visit.window.closes).days > max_age_days:
                continue
            facts.append(EventFact(
                kind=OVERDUE_VISIT,
                recipient_id=recipient_id,
                visit=f"{visit.name}@exposure{exposure['id']}",
                payload={
                    "visit_name": visit.name,
                    "exposure_date": exposure["date"],
                    "window": f"{visit.window.opens} to {visit.window.closes}"
                              f" (target {visit.window.target})",
                    "reason": visit.reason,
                },
            ))  # fmt: skip
    return facts
