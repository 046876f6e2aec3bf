"""A study at a glance: each recipient's DSA as of its last serum, sera, open alerts, overdue visits.

The one reading of a study's state: ``GET /studies/{code}/dsa`` answers it to trial systems and
the study page shows it. A handful of queries, however many recipients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from .. import store
from ..evaluation.report import origin_of, origin_text
from ..store import evaluations as stored_evaluations
from ..store import uploads as stored_uploads
from .alerts import open_alert_counts


def _earlier(evaluation: dict, target: str) -> dt.date | None:
    found = (evaluation["summary"].get("earlier_sera") or {}).get(target)
    return dt.date.fromisoformat(found) if isinstance(found, str) else found


def latest_dsa(evaluations: list[dict]) -> list[dict]:
    """Each DSA's state at its last usable serum, when it has been positive (strongest first),
    with its origin beside it ("de novo at M3, persistent": a preformed and a de novo DSA are
    never both just "persistent"); ``evaluations`` as ``store.evaluations.study_overview`` gives
    them."""
    history: dict[tuple[str, str], list[dict]] = {}
    earlier: dict[tuple[str, str], dt.date | None] = {}
    for evaluation in evaluations:
        donor = evaluation["summary"].get("donor_code", str(evaluation["donor_id"]))
        for state in evaluation["states"]:  # in serum order
            key = (donor, state["target"])
            history.setdefault(key, []).append(state)
            earlier[key] = _earlier(evaluation, state["target"])
    shown = []
    for (donor, _), states in history.items():
        last = states[-1]
        if last["status"] == "negative":
            continue
        origin, visit = origin_of(states)
        shown.append(
            {
                **last,
                "donor": donor,
                "origin": origin,
                "origin_visit": visit,
                "earlier_serum_date": earlier[(donor, last["target"])],
                "text": origin_text(
                    origin, visit, earlier[(donor, last["target"])], last["status"], last["rising"]
                ),
            }
        )
    return sorted(shown, key=lambda s: (not s["positive"], -s["mfi"]))


@dataclass(frozen=True, slots=True)
class StudyPage:
    """One page of a study's recipients by subject code: their rows (as ``study_summary``),
    ``next`` (the subject code to read on from; None on the last page) and ``total`` (the
    study's recipients, every page)."""

    rows: list[dict]
    next: str | None
    total: int


def summary_rows(db: Database, study: dict, recipients: list[dict], *, whole: bool = False) -> list[dict]:
    """The rows of ``recipients`` (of ``study``, in the order given): a query per part of the
    reading, each limited to these recipients (``whole``: every recipient of the study, read
    with no filter)."""
    ids = None if whole else [r["id"] for r in recipients]
    if ids == []:
        return []
    open_alerts = open_alert_counts(db, study["id"], ids)
    overview = stored_evaluations.study_overview(db, study["id"], ids)
    samples = stored_uploads.last_samples(db, study["id"], ids)
    failures = stored_evaluations.failed_recipients(db, ids)
    rows = []
    for recipient in recipients:
        evaluations = overview.get(recipient["id"], [])
        count, last = samples.get(recipient["id"], (0, None))
        rows.append(
            {
                "recipient_id": recipient["id"],
                "subject_code": recipient["subject_code"],
                "evaluated": bool(evaluations),
                "dsa": latest_dsa(evaluations),
                "samples": count,
                "last_sample": last,
                "open_alerts": open_alerts.get(recipient["id"], 0),
                "evaluation_error": (failures.get(recipient["id"]) or {}).get("error"),
                "overdue": [
                    {**o, "as_of": e["as_of"], "donor": e["summary"].get("donor_code")}
                    for e in evaluations
                    for o in e["summary"].get("overdue_visits", [])
                ],
            }
        )
    return rows


def study_page(db: Database, study: dict, *, after: str | None = None, limit: int) -> StudyPage:
    """Up to ``limit`` recipients of the study by subject code, those after ``after`` (a
    subject code; None: from the first): the same queries whatever the study's size, each
    limited to the page's recipients."""
    found = store.list_recipients(db, study["id"], limit=limit + 1, after=after)
    shown = found[:limit]
    more = len(found) > limit
    return StudyPage(
        summary_rows(db, study, shown),
        shown[-1]["subject_code"] if more else None,
        store.studies.count_recipients(db, study["id"]),
    )


def study_summary(db: Database, study: dict) -> list[dict]:
    """Per recipient of the study (by subject code): its DSA, sera, open alerts, overdue visits;
    every recipient, read with no page filter (``study_page`` reads a page)."""
    return summary_rows(db, study, store.list_recipients(db, study["id"]), whole=True)
