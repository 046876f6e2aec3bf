"""A recipient's eplet mismatch load against each donor: ``GET /recipients/{id}/eplets``.

Read from the stored typings with the active eplet tables (``dsa-monitor reference
install-eplets``), whose version the answer names; the rules: ``docs/eplets.md``.
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from .. import store
from ..config import settings_of
from ..errors import ReferenceDataError
from ..readings.eplets import recipient_eplets
from ..reference import eplets as installed
from .routing import operation
from .studies import visible_recipient


class PlacementSchema(ma.Schema):
    locus = ma.fields.String(required=True)
    entry = ma.fields.String(required=True, metadata={"description": "the copy as typed"})
    status = ma.fields.String(required=True, metadata={
        "description": "placed, ambiguous (the eplets every candidate carries), null,"
                       " not in table, not placed"})
    note = ma.fields.String()
    missing = ma.fields.List(ma.fields.String(), metadata={
        "description": "candidates the eplet table does not list"})


class EpletSchema(ma.Schema):
    name = ma.fields.String(required=True)
    antibody_verified = ma.fields.Boolean(required=True)
    chain = ma.fields.String(required=True, metadata={"description": "alpha or beta"})
    interlocus = ma.fields.Boolean(required=True)


class GroupLoadSchema(ma.Schema):
    group = ma.fields.String(required=True, metadata={"description": "ABC, DR, DQ or DP"})
    hla_class = ma.fields.String(required=True)
    all = ma.fields.Integer(required=True)
    antibody_verified = ma.fields.Integer(required=True)
    complete = ma.fields.Boolean(required=True, metadata={
        "description": "false when an untyped locus or an unplaced copy may change the count"})
    notes = ma.fields.List(ma.fields.String(), required=True)
    eplets = ma.fields.List(ma.fields.Nested(EpletSchema), required=True)


class ClassLoadSchema(ma.Schema):
    all = ma.fields.Integer(required=True)
    antibody_verified = ma.fields.Integer(required=True)
    complete = ma.fields.Boolean(required=True)


class LoadSchema(ma.Schema):
    eplet_table = ma.fields.String(required=True)
    by_class = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(ClassLoadSchema),
                              required=True)
    groups = ma.fields.List(ma.fields.Nested(GroupLoadSchema), required=True)


class DonorEpletsSchema(ma.Schema):
    donor = ma.fields.String(required=True, metadata={"description": "the donor's code"})
    placements = ma.fields.List(ma.fields.Nested(PlacementSchema), required=True)
    load = ma.fields.Nested(LoadSchema, required=True, allow_none=True)
    note = ma.fields.String(required=True, allow_none=True)


class PersonPlacementsSchema(ma.Schema):
    placements = ma.fields.List(ma.fields.Nested(PlacementSchema), required=True)


class RecipientEpletsSchema(ma.Schema):
    recipient_id = ma.fields.Integer(required=True)
    subject_code = ma.fields.String(required=True)
    eplet_table = ma.fields.String(required=True, metadata={
        "description": "the version of the eplet tables the reading used"})
    source = ma.fields.String(required=True)
    recipient = ma.fields.Nested(PersonPlacementsSchema, required=True, allow_none=True)
    donors = ma.fields.List(ma.fields.Nested(DonorEpletsSchema), required=True)


@operation("/recipients/<int:recipient_id>/eplets", "GET",
           summary="Eplet mismatch load of each donor against the recipient, from the stored"
                   " typings and the active eplet tables",
           permission="read", tag="eplets", responses={200: RecipientEpletsSchema},
           errors=(404, 422))
def get_recipient_eplets(recipient_id: int):
    recipient = visible_recipient(recipient_id)
    table = installed.load_active(settings_of(current_app).reference_dir)
    if table is None:
        raise ReferenceDataError(installed.NOT_INSTALLED)
    reading, _ = recipient_eplets(store.get_db(), table, recipient_id)
    return {"recipient_id": recipient_id, "subject_code": recipient["subject_code"],
            **reading}, 200
