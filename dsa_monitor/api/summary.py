"""A study at a glance: each recipient's DSA as of its last serum, sera, open alerts, overdue visits.

``study_summary`` is the one reading of a study's state: ``GET /studies/{code}/dsa`` answers it to
trial systems and the study page shows it. A handful of queries, however many recipients.
"""

from __future__ import annotations

from collections import Counter

import marshmallow as ma
from sqlite_utils import Database

from .. import store
from ..evaluation.report import status_text
from ..store import evaluations as stored_evaluations
from ..store import events as stored_events
from ..store import uploads as stored_uploads
from .mfi import MFI
from .routing import operation
from .studies import visible_study

# ---- schemas ---------------------------------------------------------------------------------


class LatestDSASchema(ma.Schema):
    donor = ma.fields.String(required=True, metadata={"description": "the donor's code"})
    target = ma.fields.String(required=True, metadata={"description": "the donor antigen"})
    visit = ma.fields.String(required=True)
    date = ma.fields.String(required=True, metadata={"format": "date"})
    mfi = MFI(required=True)
    positive = ma.fields.Boolean(required=True)
    status = ma.fields.String(required=True)
    rising = ma.fields.Boolean(required=True)
    text = ma.fields.String(required=True, metadata={"description": "the status in words"})


class OverdueSchema(ma.Schema):
    visit = ma.fields.String(required=True)
    target = ma.fields.String(required=True, metadata={"format": "date"})
    reason = ma.fields.String(required=True)
    donor = ma.fields.String(required=True, allow_none=True)
    as_of = ma.fields.String(required=True, allow_none=True, metadata={"format": "date"})


class LastSampleSchema(ma.Schema):
    draw_date = ma.fields.String(required=True, metadata={"format": "date"})
    qc_status = ma.fields.String(required=True)


class RecipientSummarySchema(ma.Schema):
    recipient_id = ma.fields.Integer(required=True)
    subject_code = ma.fields.String(required=True)
    evaluated = ma.fields.Boolean(required=True)
    dsa = ma.fields.List(ma.fields.Nested(LatestDSASchema), required=True, metadata={
        "description": "each DSA that has been positive, at its last usable serum, strongest first"})
    samples = ma.fields.Integer(required=True)
    last_sample = ma.fields.Nested(LastSampleSchema, required=True, allow_none=True)
    open_alerts = ma.fields.Integer(required=True)
    overdue = ma.fields.List(ma.fields.Nested(OverdueSchema), required=True)
    evaluation_error = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "why the last evaluation run failed for this recipient (retried at every"
                       " run); the DSA shown are from the evaluation before"})


class StudySummarySchema(ma.Schema):
    study = ma.fields.String(required=True)
    recipients = ma.fields.List(ma.fields.Nested(RecipientSummarySchema), required=True)


# ---- the reading -----------------------------------------------------------------------------


def latest_dsa(evaluations: list[dict]) -> list[dict]:
    """Each DSA's state at its last usable serum, when it has been positive (strongest first);
    ``evaluations`` as ``store.evaluations.study_overview`` gives them."""
    last: dict[tuple[str, str], dict] = {}
    for evaluation in evaluations:
        donor = evaluation["summary"].get("donor_code", str(evaluation["donor_id"]))
        for state in evaluation["states"]:  # in serum order: later states replace earlier ones
            last[(donor, state["target"])] = {
                **state, "donor": donor, "text": status_text(state["status"], state["rising"]),
            }
    shown = [s for s in last.values() if s["status"] != "negative"]
    return sorted(shown, key=lambda s: (not s["positive"], -s["mfi"]))


def study_summary(db: Database, study: dict, open_events: list[dict]) -> list[dict]:
    """Per recipient of the study (by subject code): its DSA, sera, open alerts, overdue visits."""
    open_alerts = Counter(e["recipient_id"] for e in open_events)
    overview = stored_evaluations.study_overview(db, study["id"])
    samples = stored_uploads.last_samples(db, study["id"])
    failures = stored_evaluations.failed_recipients(db)
    rows = []
    for recipient in store.list_recipients(db, study["id"]):
        evaluations = overview.get(recipient["id"], [])
        count, last = samples.get(recipient["id"], (0, None))
        rows.append({
            "recipient_id": recipient["id"],
            "subject_code": recipient["subject_code"], "evaluated": bool(evaluations),
            "dsa": latest_dsa(evaluations), "samples": count, "last_sample": last,
            "open_alerts": open_alerts[recipient["id"]],
            "evaluation_error": (failures.get(recipient["id"]) or {}).get("error"),
            "overdue": [{**o, "as_of": e["as_of"], "donor": e["summary"].get("donor_code")}
                        for e in evaluations for o in e["summary"].get("overdue_visits", [])],
        })
    return rows


def open_study_events(db: Database, study: dict) -> list[dict]:
    """The study's alerts nobody has acknowledged (and no correction withdrew)."""
    events = stored_events.list_events(db, study=study["code"], limit=1000)
    return [e for e in events if e["acknowledged_at"] is None and e["withdrawn_by"] is None]


# ---- views -----------------------------------------------------------------------------------


@operation("/studies/<code>/dsa", "GET",
           summary="Each recipient of a study: DSA at the last serum, sera, alerts, overdue visits",
           permission="read", tag="dsa", responses={200: StudySummarySchema}, errors=(404,))
def get_study_dsa(code: str):
    study = visible_study(code)
    db = store.get_db()
    return {"study": study["code"],
            "recipients": study_summary(db, study, open_study_events(db, study))}, 200
