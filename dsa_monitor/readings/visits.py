"""Which visit each of a recipient's samples counts as (the rules of ``dsa.visits``).

A serum is a draw, grouped exactly as the evaluation groups it (``evaluation.inputs.serum_of``:
its class I and II runs and treated runs, whatever their sample IDs); it belongs to the last
exposure on or before its draw date (or, drawn before any exposure, to the first, whose baseline
it may be); windows come from the study's visit schedule, read as the evaluation does.
"""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from .. import store
from ..dsa.rules import DEFAULT_RULES
from ..dsa.visits import SampleRef, assign_visits, schedule_rules
from ..errors import DSAMonitorError
from ..evaluation.inputs import serum_of


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
    sera: dict[str, list[dict]] = {}
    for sample in samples:
        sera.setdefault(serum_of(sample)[1], []).append(sample)
    refs = [
        SampleRef(key, dt.date.fromisoformat(runs[0]["draw_date"]),
                  qc_failed=all(run["excluded"] for run in runs))
        for key, runs in sera.items()
    ]
    days = [dt.date.fromisoformat(e["date"]) for e in exposures]
    labels: dict[int, str] = {}
    for index, day in enumerate(days):
        until = days[index + 1] if index + 1 < len(days) else None
        for assignment in assign_visits(day, refs, rules, until=until):
            before_first = index == 0 and assignment.sample.date <= day
            if assignment.sample.date > day or before_first:
                for run in sera[assignment.sample.sample_id]:
                    labels[run["id"]] = assignment.visit
    return labels
