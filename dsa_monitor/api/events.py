"""Alert events for trial systems to poll, and their acknowledgement by a clinician.

Polling: ``GET /events?since=<last id seen>`` answers events with a larger id, ascending, at most
``limit`` of them, and ``next``, the cursor to send as ``since`` on the next call (the last id
answered, or ``since`` itself when nothing is new). Ids only grow, so no event is missed or
answered twice, whatever the filters.
"""

from __future__ import annotations

import marshmallow as ma
from flask import request

from .. import store
from ..alerts.events import KINDS, acknowledge
from ..readings.labels import visit_label
from ..store import events as stored
from . import auth
from .mfi import MFIPayload
from .routing import operation
from .schemas import SQLITE_MAX_INT, code, timestamp
from .studies import visible_study

MAX_LIMIT = 1000

# ---- schemas ---------------------------------------------------------------------------------


class EventQueryArgsSchema(ma.Schema):
    since = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(0, SQLITE_MAX_INT),
        metadata={"description": "the last event id seen (the cursor)"},
    )
    study = code(metadata={"description": "only this study's events"})
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(1, MAX_LIMIT))


class EventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    study = ma.fields.String(required=True, attribute="study_code")
    recipient_id = ma.fields.Integer(required=True)
    subject_code = ma.fields.String(required=True)
    donor_id = ma.fields.Integer(required=True, allow_none=True)
    donor_code = ma.fields.String(required=True, allow_none=True)
    antigen = ma.fields.String(required=True)
    visit = ma.fields.String(
        required=True,
        metadata={"description": "the visit's key, part of the event's idempotency key (M12@exposure8)"},
    )
    visit_label = ma.fields.Function(
        visit_label,
        required=True,
        metadata={"description": "the visit as people read it (M12; LUP-05-M6, class I run, drawn ...)"},
    )
    sample_id = ma.fields.Integer(required=True, allow_none=True)
    payload = MFIPayload(
        required=True, metadata={"description": "what the alert shows: mfi, strength, status, rules..."}
    )
    corrects = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "a correction: the event it withdraws"}
    )
    withdrawn_by = ma.fields.Integer(required=True, allow_none=True)
    created_at = timestamp()
    acknowledged_at = ma.fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    acknowledged_by = ma.fields.String(required=True, allow_none=True)
    acknowledged_note = ma.fields.String(
        allow_none=True, metadata={"description": "what was done, as the person who acknowledged it wrote"}
    )


class AcknowledgeBodySchema(ma.Schema):
    note = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(0, 500),
        metadata={"description": "what was done (optional)"},
    )


class EventPageSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(EventSchema), required=True)
    next = ma.fields.Integer(required=True, metadata={"description": "send as `since` next time"})


# ---- views -----------------------------------------------------------------------------------


def visible_event(event_id: int) -> dict:
    """The event, if its recipient's study is one the caller's token may see."""
    event = stored.get_event(store.get_db(), event_id)
    auth.check_study(event["study_id"], f"event {event_id}", event_id=event_id)
    return event


@operation(
    "/events",
    "GET",
    summary="Alert events after a cursor, oldest first",
    permission="events",
    tag="events",
    query=EventQueryArgsSchema,
    responses={200: EventPageSchema},
    errors=(404, 422),
)
def list_events(query: dict):
    caller = auth.current()
    study_id = caller.study_id
    if "study" in query:
        study_id = visible_study(query["study"])["id"]
    events = stored.events_after(
        store.get_db(), query["since"], study_id=study_id, kind=query.get("kind"), limit=query["limit"]
    )
    return {"events": events, "next": events[-1]["id"] if events else query["since"]}, 200


@operation(
    "/events/<int:event_id>/acknowledge",
    "POST",
    summary="Acknowledge an event (no reminder follows)",
    permission="acknowledge",
    tag="events",
    responses={200: EventSchema},
    errors=(404,),
)
def acknowledge_event(event_id: int):
    """The body is optional (``{"note": "..."}``): clients that send none keep working."""
    visible_event(event_id)
    body = AcknowledgeBodySchema().load(request.get_json(silent=True) or {})
    return acknowledge(store.get_db(), event_id, user=auth.current().name, note=body["note"]), 200
