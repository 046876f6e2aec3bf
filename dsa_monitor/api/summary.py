"""``GET /studies/{code}/dsa``: a study at a glance, as ``readings.study`` reads it."""

from __future__ import annotations

import marshmallow as ma

from .. import store
from ..readings.study import study_summary
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
    origin = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "preformed, de_novo or de_novo_baseline_missing: the status of its first"
                       " positive serum (null when first seen recurrent)"})
    origin_visit = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "the visit of its first positive serum"})
    earlier_serum_date = ma.fields.Date(required=True, allow_none=True, metadata={
        "description": "preformed through a serum before the exposure other than the baseline:"
                       " that serum's draw date"})
    text = ma.fields.String(required=True, metadata={
        "description": 'origin beside the current status: "de novo at M3, persistent"'})


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


# ---- views -----------------------------------------------------------------------------------


@operation("/studies/<code>/dsa", "GET",
           summary="Each recipient of a study: DSA at the last serum, sera, alerts, overdue visits",
           permission="read", tag="dsa", responses={200: StudySummarySchema}, errors=(404,))
def get_study_dsa(code: str):
    study = visible_study(code)
    db = store.get_db()
    return {"study": study["code"], "recipients": study_summary(db, study)}, 200
