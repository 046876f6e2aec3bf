"""Who is told of which events: e-mail subscriptions to a study or to one recipient.

A clinician's token manages its own subscriptions (those it created: ``created_by`` is the
token's name); an admin's manages all. Another token's subscriptions are "not found", like the
objects of another study.
"""

from __future__ import annotations

import marshmallow as ma

from .. import store
from ..alerts.events import DEFAULT_SUBSCRIPTION_KINDS, KINDS
from ..alerts.subscriptions import subscribe
from ..errors import Conflict, NotFound
from ..store import events as stored
from . import auth
from .openapi_patterns import EMAIL
from .routing import operation
from .schemas import ExactlyOneSchema, Text, code, identifier, timestamp
from .studies import visible_recipient, visible_study

# ---- schemas ---------------------------------------------------------------------------------


class SubscriptionCreateSchema(ExactlyOneSchema):
    one_of = ("study", "recipient_id")
    one_of_message = "give a study or a recipient_id (one of them)"

    email = Text(
        required=True,
        validate=ma.validate.Length(min=3, max=320),
        metadata={
            "pattern": EMAIL,
            "description": "one address (name@domain.tld), no display name: no blank,"
            " @, <, >, comma or semicolon within its parts; blanks at the ends are"
            " ignored",
        },
    )
    study = code(metadata={"description": "the study's code (or give recipient_id)"})
    recipient_id = identifier(metadata={"description": "one recipient (or give study)"})
    kinds = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(KINDS)),
        validate=ma.validate.Length(min=1, max=len(KINDS)),
        metadata={"description": f"default: {', '.join(DEFAULT_SUBSCRIPTION_KINDS)}"},
    )


class SubscriptionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    study = ma.fields.String(required=True, allow_none=True, attribute="study_code")
    recipient_id = ma.fields.Integer(required=True, allow_none=True)
    subject_code = ma.fields.String(required=True, allow_none=True)
    kinds = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(KINDS)), required=True)
    created_at = timestamp()
    created_by = ma.fields.String(required=True)


class SubscriptionListSchema(ma.Schema):
    subscriptions = ma.fields.List(ma.fields.Nested(SubscriptionSchema), required=True)


# ---- views -----------------------------------------------------------------------------------


def _owned(subscription: dict) -> bool:
    """Whether the caller may see and end this subscription (its own; an admin: any)."""
    caller = auth.current()
    if caller.study_id is not None and subscription["study_id"] not in (None, caller.study_id):
        return False
    if caller.study_id is not None and subscription["recipient_id"] is not None:
        recipient = store.get_recipient(store.get_db(), subscription["recipient_id"])
        if recipient["study_id"] != caller.study_id:
            return False
    return caller.role == "admin" or subscription["created_by"] == caller.name


def _existing(email: str, study_id: int | None, recipient_id: int | None) -> dict | None:
    for row in stored.list_subscriptions(store.get_db(), email=email.strip().lower()):
        if (row["study_id"], row["recipient_id"]) == (study_id, recipient_id):
            return row
    return None


@operation(
    "/subscriptions",
    "POST",
    summary="Subscribe an address to a study or a recipient",
    permission="subscribe",
    tag="subscriptions",
    body=SubscriptionCreateSchema,
    responses={201: SubscriptionSchema, 200: SubscriptionSchema},
    errors=(404, 409, 422),
)
def create_subscription(body: dict):
    study_id = recipient_id = None
    if "study" in body:
        study_id = visible_study(body["study"])["id"]
    else:
        recipient_id = visible_recipient(body["recipient_id"])["id"]
    existing = _existing(body["email"], study_id, recipient_id)
    if existing is not None and not _owned(existing):
        raise Conflict(
            "this address is already subscribed there by another token", subscription=existing["id"]
        )
    subscription = subscribe(
        store.get_db(),
        body["email"],
        study=study_id,
        recipient_id=recipient_id,
        kinds=body.get("kinds"),
        user=auth.current().name,
    )
    return subscription, 201 if existing is None else 200


@operation(
    "/subscriptions",
    "GET",
    summary="The subscriptions this token manages",
    permission="subscribe",
    tag="subscriptions",
    responses={200: SubscriptionListSchema},
)
def list_subscriptions():
    rows = stored.list_subscriptions(store.get_db())
    return {"subscriptions": [s for s in rows if _owned(s)]}, 200


@operation(
    "/subscriptions/<int:subscription_id>",
    "DELETE",
    summary="End a subscription",
    permission="subscribe",
    tag="subscriptions",
    responses={204: None},
    errors=(404,),
)
def delete_subscription(subscription_id: int):
    subscription = stored.get_subscription(store.get_db(), subscription_id)
    if not _owned(subscription):
        raise NotFound(f"no subscription {subscription_id}", subscription_id=subscription_id)
    stored.delete_subscription(store.get_db(), subscription_id, user=auth.current().name)
    return "", 204
