"""A serum assigned by hand to the visit it was drawn for (a late M12), and the assignment cleared.

``PUT /recipients/{id}/sera/{sample_id}/visit`` counts the serum (the draw of that run: its class
I and II runs together) at the visit, audited, and evaluates the recipient again at once: the
visit is then done, late, and no longer overdue. ``DELETE`` gives the dates alone back their say.
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from .. import store
from ..alerts.evaluation import recorder_for
from ..errors import NotFound
from ..readings.assignments import assign_serum_visit, assignment_of
from ..reference import service as reference_service
from . import auth
from .routing import operation
from .studies import visible_recipient

PATH = "/recipients/<int:recipient_id>/sera/<int:sample_id>/visit"


class VisitAssignmentBodySchema(ma.Schema):
    visit = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 40),
        metadata={"description": "a visit of the study's schedule (M1, M3...)"},
    )
    reason = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(0, 500),
        metadata={"description": "why (e.g. 'drawn late for M12: patient travelling')"},
    )


class VisitAssignmentSchema(ma.Schema):
    recipient_id = ma.fields.Integer(required=True)
    sample_id = ma.fields.Integer(
        required=True, metadata={"description": "the run the assignment was made from"}
    )
    serum_key = ma.fields.String(
        required=True, metadata={"description": "the serum: its draw date (all its runs count at the visit)"}
    )
    visit = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "null: no assignment, dates decide"}
    )
    reason = ma.fields.String(required=True, allow_none=True)
    assigned_by = ma.fields.String(required=True, allow_none=True)
    assigned_at = ma.fields.String(required=True, allow_none=True, metadata={"format": "date-time"})


def _serum(recipient_id: int, sample_id: int) -> tuple[dict, dict]:
    recipient = visible_recipient(recipient_id)
    sample = store.get_sample(store.get_db(), sample_id)
    if sample["recipient_id"] != recipient_id:
        raise NotFound(
            f"no serum {sample_id} of recipient {recipient_id}",
            recipient_id=recipient_id,
            sample_id=sample_id,
        )
    return recipient, sample


def _answer(recipient_id: int, sample: dict, found: dict | None) -> dict:
    empty = {
        "visit": None,
        "reason": None,
        "assigned_by": None,
        "assigned_at": None,
        "sample_id": sample["id"],
    }
    return {"recipient_id": recipient_id, "serum_key": sample["draw_date"], **(found or empty)}


def _change(recipient_id: int, sample_id: int, visit: str | None, reason: str = "") -> dict:
    recipient, sample = _serum(recipient_id, sample_id)
    found = assign_serum_visit(
        store.get_db(),
        recipient,
        sample_id,
        visit,
        reason,
        user=auth.current().name,
        reference=reference_service.current(current_app),
        record=recorder_for(current_app.config),
    )
    return _answer(recipient_id, sample, found)


@operation(
    PATH,
    "GET",
    summary="The visit a serum was assigned to by hand, if any",
    permission="read",
    tag="dsa",
    responses={200: VisitAssignmentSchema},
    errors=(404,),
)
def get_serum_visit(recipient_id: int, sample_id: int):
    _, sample = _serum(recipient_id, sample_id)
    return _answer(recipient_id, sample, assignment_of(store.get_db(), recipient_id, sample_id)), 200


@operation(
    PATH,
    "PUT",
    summary="Assign a serum to a visit (a late serum counts for its visit;"
    " audited; the recipient is evaluated again)",
    permission="assign_visit",
    tag="dsa",
    body=VisitAssignmentBodySchema,
    responses={200: VisitAssignmentSchema},
    errors=(404, 422),
)
def put_serum_visit(recipient_id: int, sample_id: int, body: dict):
    return _change(recipient_id, sample_id, body["visit"], body["reason"]), 200


@operation(
    PATH,
    "DELETE",
    summary="Clear a serum's visit assignment (dates decide again; the recipient is evaluated again)",
    permission="assign_visit",
    tag="dsa",
    responses={200: VisitAssignmentSchema},
    errors=(404,),
)
def delete_serum_visit(recipient_id: int, sample_id: int):
    return _change(recipient_id, sample_id, None), 200
