"""``GET /studies/{code}/dsa``: a study at a glance, as ``readings.study`` reads it."""

from __future__ import annotations

import marshmallow as ma

from .. import store
from ..readings.study import study_page
from .mfi import MFI
from .routing import operation
from .schemas import code
from .studies import visible_study

MAX_LIMIT = 1000

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
    origin = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "preformed, de_novo or de_novo_baseline_missing: the status of its first"
            " positive serum (null when first seen recurrent)"
        },
    )
    origin_visit = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "the visit of its first positive serum"}
    )
    earlier_serum_date = ma.fields.Date(
        required=True,
        allow_none=True,
        metadata={
            "description": "preformed through a serum before the exposure other than the baseline:"
            " that serum's draw date"
        },
    )
    text = ma.fields.String(
        required=True,
        metadata={"description": 'origin beside the current status: "de novo at M3, persistent"'},
    )


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
    dsa = ma.fields.List(
        ma.fields.Nested(LatestDSASchema),
        required=True,
        metadata={
            "description": "each DSA that has been positive, at its last usable serum, strongest first"
        },
    )
    samples = ma.fields.Integer(required=True)
    last_sample = ma.fields.Nested(LastSampleSchema, required=True, allow_none=True)
    open_alerts = ma.fields.Integer(required=True)
    overdue = ma.fields.List(ma.fields.Nested(OverdueSchema), required=True)
    evaluation_error = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "why the last evaluation run failed for this recipient (retried at every"
            " run); the DSA shown are from the evaluation before"
        },
    )


class StudySummarySchema(ma.Schema):
    study = ma.fields.String(required=True)
    recipients = ma.fields.List(ma.fields.Nested(RecipientSummarySchema), required=True)
    next = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "the subject code to send as `after` for the next page; null on the last"},
    )
    total = ma.fields.Integer(required=True, metadata={"description": "the study's recipients, in all pages"})


class StudySummaryQueryArgsSchema(ma.Schema):
    limit = ma.fields.Integer(
        load_default=MAX_LIMIT,
        validate=ma.validate.Range(1, MAX_LIMIT),
        metadata={"description": f"recipients per page (at most {MAX_LIMIT})"},
    )
    after = code(
        metadata={
            "description": "the `next` of the page before: recipients whose subject code sorts after"
            " it (absent: from the first)"
        }
    )


# ---- views -----------------------------------------------------------------------------------


@operation(
    "/studies/<code>/dsa",
    "GET",
    summary="Each recipient of a study: DSA at the last serum, sera, alerts, overdue visits",
    permission="read",
    tag="dsa",
    query=StudySummaryQueryArgsSchema,
    responses={200: StudySummarySchema},
    errors=(404, 422),
)
def get_study_dsa(code: str, query: dict):
    """Recipients by subject code, a page at a time: at most `limit` (1 to 1000, default 1000)
    of them, those after the subject code `after` (absent: from the first). `next` is the
    `after` of the next page, null on the last; `total` counts the study's recipients. A page
    costs the same however large the study. A recipient enrolled between two pages is answered
    in a later page if its subject code sorts after the cursor."""
    study = visible_study(code)
    page = study_page(store.get_db(), study, after=query.get("after"), limit=query["limit"])
    return {"study": study["code"], "recipients": page.rows, "next": page.next, "total": page.total}, 200
