"""Donors (cord units, living and deceased donors) and exposures: a recipient meets their HLA.

A donor belongs to no study by itself: a token scoped to a study sees the donors its recipients
were exposed to, and donors not yet linked to any recipient (so that it can register and type
one before the exposure is recorded).
"""

from __future__ import annotations

import marshmallow as ma

from .. import store
from ..errors import NotFound
from ..store.schema import DONOR_KINDS, EXPOSURE_KINDS
from . import auth
from .routing import operation
from .schemas import IsoDate, code, day, identifier, timestamp
from .studies import visible_recipient, visible_study

# ---- schemas ---------------------------------------------------------------------------------


class DonorCreateSchema(ma.Schema):
    study = code(
        metadata={
            "description": "the study the donor is registered for (a study token's"
            " own by default); without it, any study's"
        }
    )
    code = code(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(DONOR_KINDS))


class DonorSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(DONOR_KINDS))
    study_id = ma.fields.Integer(required=True, allow_none=True)
    created_at = timestamp()
    created_by = ma.fields.String(required=True)


class ExposureCreateSchema(ma.Schema):
    recipient_id = identifier(required=True)
    donor_ids = ma.fields.List(identifier(), required=True, validate=ma.validate.Length(min=1, max=100))
    date = IsoDate(
        required=True,
        metadata={
            "description": "YYYY-MM-DD, from 1900-01-01 to a year after today (the end moves with"
            " the calendar, so the document cannot state it: a later date is a 422"
            " implausible_date)"
        },
    )
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(EXPOSURE_KINDS))


class ExposureSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    recipient_id = ma.fields.Integer(required=True)
    donor_ids = ma.fields.List(ma.fields.Integer(), required=True)
    date = day(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(EXPOSURE_KINDS))
    created_at = timestamp()
    created_by = ma.fields.String(required=True)


# ---- views -----------------------------------------------------------------------------------


def visible_donor(donor_id: int) -> dict:
    """The donor, unless the token's study cannot see it: a study token sees the donors its
    recipients were exposed to, and those registered for its study and not yet linked."""
    db = store.get_db()
    donor = store.get_donor(db, donor_id)
    if not store.donors.seen_by_study(db, donor, auth.current().study_id):
        raise NotFound(f"no donor {donor_id!r}", donor=donor_id)
    return donor


@operation(
    "/donors",
    "POST",
    summary="Register a donor",
    permission="enrol",
    tag="donors",
    body=DonorCreateSchema,
    responses={201: DonorSchema},
    errors=(404, 409, 422),
)
def create_donor(body: dict):
    caller = auth.current()
    study = body.get("study")
    if study is not None:
        study = visible_study(study)["id"]  # 404 for a study the token cannot see
    donor = store.create_donor(
        store.get_db(), body["code"], kind=body["kind"], user=caller.name, study=study or caller.study_id
    )
    return donor, 201


@operation(
    "/donors/<int:donor_id>",
    "GET",
    summary="One donor",
    permission="read",
    tag="donors",
    responses={200: DonorSchema},
    errors=(404,),
)
def get_donor(donor_id: int):
    return visible_donor(donor_id), 200


@operation(
    "/exposures",
    "POST",
    summary="Record an infusion or transplant",
    permission="enrol",
    tag="exposures",
    body=ExposureCreateSchema,
    responses={201: ExposureSchema},
    errors=(404, 409, 422),
)
def create_exposure(body: dict):
    visible_recipient(body["recipient_id"])
    for donor_id in body["donor_ids"]:
        visible_donor(donor_id)
    exposure = store.create_exposure(
        store.get_db(),
        body["recipient_id"],
        body["donor_ids"],
        body["date"],
        body["kind"],
        user=auth.current().name,
    )
    return exposure, 201
