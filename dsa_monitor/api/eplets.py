"""A recipient's eplet mismatch load against each donor: ``GET /recipients/{id}/eplets``.

Read from the stored typings with the active eplet tables (``dsa-monitor reference
install-eplets``), whose version the answer names; the rules: ``docs/eplets.md``.
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from .. import store
from ..config import settings_of
from ..readings.eplet_table import active_table
from ..readings.eplets import recipient_eplets
from ..reference import eplets as installed
from .routing import operation
from .studies import visible_recipient


class PlacementSchema(ma.Schema):
    locus = ma.fields.String(required=True)
    entry = ma.fields.String(required=True, metadata={"description": "the copy as typed"})
    status = ma.fields.String(
        required=True,
        metadata={
            "description": "placed, ambiguous (the eplets every candidate carries), null,"
            " not in table, not placed"
        },
    )
    note = ma.fields.String()
    missing = ma.fields.List(
        ma.fields.String(), metadata={"description": "candidates the eplet table does not list"}
    )


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
    complete = ma.fields.Boolean(
        required=True,
        metadata={"description": "false when an untyped locus or an unplaced copy may change the count"},
    )
    notes = ma.fields.List(ma.fields.String(), required=True)
    eplets = ma.fields.List(ma.fields.Nested(EpletSchema), required=True)


class ClassLoadSchema(ma.Schema):
    all = ma.fields.Integer(required=True)
    antibody_verified = ma.fields.Integer(required=True)
    complete = ma.fields.Boolean(required=True)


class LoadSchema(ma.Schema):
    eplet_table = ma.fields.String(required=True)
    by_class = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(ClassLoadSchema), required=True
    )
    groups = ma.fields.List(ma.fields.Nested(GroupLoadSchema), required=True)


class DonorEpletsSchema(ma.Schema):
    donor = ma.fields.String(required=True, metadata={"description": "the donor's code"})
    placements = ma.fields.List(ma.fields.Nested(PlacementSchema), required=True)
    # "load" in the answer; not the attribute's name, which would hide Schema.load from a reader
    # (the schema's metaclass takes declared fields out of the class, but mypy cannot know)
    mismatch_load = ma.fields.Nested(
        LoadSchema, required=True, allow_none=True, attribute="load", data_key="load"
    )
    note = ma.fields.String(required=True, allow_none=True)


class CandidateEpletSchema(EpletSchema):
    positive = ma.fields.Integer(
        required=True, metadata={"description": "positive beads of the DSA's locus group that carry it"}
    )
    negative = ma.fields.Integer(
        required=True, metadata={"description": "negative beads of the same group and panel that carry it"}
    )
    positive_beads = ma.fields.Integer(required=True)
    negative_beads = ma.fields.Integer(required=True)
    text = ma.fields.String(
        required=True, metadata={"description": '"explains 3 of 3 positive beads, 0 of 40 negative"'}
    )


class DSAEpletsSchema(ma.Schema):
    """Candidate target eplets of one DSA at its latest positive serum, with the active eplet
    table (``docs/eplets.md``): computed when read, never stored."""

    eplet_table = ma.fields.String(
        required=True, metadata={"description": "the version of the eplet tables the answer used"}
    )
    group = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "ABC, DR, DQ or DP; null when no candidate could be looked for"},
    )
    line = ma.fields.String(
        required=True,
        metadata={"description": "the best candidate in words, as the page and the e-mail show it"},
    )
    positive_beads = ma.fields.Integer(required=True)
    negative_beads = ma.fields.Integer(required=True)
    not_in_table = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "beads of the group whose chains the eplet table does not list"},
    )
    notes = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={
            "description": "what limits the answer: an untyped locus, an allele absent from the"
            " table, an ambiguous typing (placed with the eplets all candidates carry)"
        },
    )
    candidates = ma.fields.List(
        ma.fields.Nested(CandidateEpletSchema),
        required=True,
        metadata={"description": "ranked: most positive beads, fewest negative, antibody-verified first"},
    )


class PersonPlacementsSchema(ma.Schema):
    placements = ma.fields.List(ma.fields.Nested(PlacementSchema), required=True)


class RecipientEpletsSchema(ma.Schema):
    recipient_id = ma.fields.Integer(required=True)
    subject_code = ma.fields.String(required=True)
    eplet_table = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "the version of the eplet tables the reading used; null when none is"
            " installed (then ``donors`` is empty and ``message`` says how to install"
            " them)"
        },
    )
    source = ma.fields.String(required=True, allow_none=True)
    recipient = ma.fields.Nested(PersonPlacementsSchema, required=True, allow_none=True)
    donors = ma.fields.List(ma.fields.Nested(DonorEpletsSchema), required=True)
    message = ma.fields.String(
        allow_none=True, metadata={"description": "why there is no reading: no eplet tables installed"}
    )


@operation(
    "/recipients/<int:recipient_id>/eplets",
    "GET",
    summary="Eplet mismatch load of each donor against the recipient, from the stored"
    " typings and the active eplet tables",
    permission="read",
    tag="eplets",
    responses={200: RecipientEpletsSchema},
    errors=(404,),
)
def get_recipient_eplets(recipient_id: int):
    """Without installed tables the answer says so (200, no reading) rather than refusing: the
    request is right, the service lacks data, as the DSA reading's ``eplet_table: null`` says."""
    recipient = visible_recipient(recipient_id)
    table = active_table(settings_of(current_app).reference_dir)  # as the DSA read finds it
    reading: dict
    if table is None:
        reading = {
            "eplet_table": None,
            "source": None,
            "recipient": None,
            "donors": [],
            "message": installed.NOT_INSTALLED,
        }
    else:
        reading, _ = recipient_eplets(store.get_db(), table, recipient_id)
    return {"recipient_id": recipient_id, "subject_code": recipient["subject_code"], **reading}, 200
