"""Bulk enrolment: one CSV of recipients, lab IDs, donors, typings and exposures, all or nothing.

201: something was enrolled, with the counts. 200: the same rows were already enrolled; nothing
changed (``changed`` false). 422: the file was refused whole; ``details.problems`` lists each
problem with its line and column (``docs/enrolment.md``).
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request

from .. import store
from ..ingest import enrol_file, sent_file_name
from ..reference import service as reference_service
from . import auth
from .routing import operation


class EnrolmentFormSchema(ma.Schema):
    """The multipart form of ``POST /enrolments``."""

    file = ma.fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "CSV with the columns study, subject_code, lab_ids, recipient_typing,"
            " donor_code, donor_kind, donor_typing, exposure_date, exposure_kind"
            " (docs/enrolment.md): UTF-8 text whose rows name existing studies and"
            " names of the HLA release, checked on reading (422 enrolment_refused,"
            " each problem by line and column), not by the document",
        },
    )


class EnrolmentResultSchema(ma.Schema):
    file_name = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True)
    rows = ma.fields.Integer(required=True)
    changed = ma.fields.Boolean(
        required=True,
        metadata={"description": "false: every row was already enrolled as it says; nothing stored"},
    )
    recipients = ma.fields.Integer(required=True, metadata={"description": "recipients enrolled"})
    lab_ids = ma.fields.Integer(required=True, metadata={"description": "lab IDs added"})
    donors = ma.fields.Integer(required=True, metadata={"description": "donors registered"})
    typings = ma.fields.Integer(
        required=True, metadata={"description": "typing versions added (an unchanged typing adds none)"}
    )
    exposures = ma.fields.Integer(required=True, metadata={"description": "exposures recorded"})
    message = ma.fields.String(required=True)


@operation(
    "/enrolments",
    "POST",
    summary="Enrol recipients, donors, typings and exposures from one CSV, all or nothing",
    permission="enrol",
    tag="recipients",
    multipart=EnrolmentFormSchema,
    responses={201: EnrolmentResultSchema, 200: EnrolmentResultSchema},
    errors=(413, 422),
)
def create_enrolment():
    part = request.files.get("file")
    if part is None:
        raise ma.ValidationError({"file": ["a file part named 'file' is required"]})
    caller = auth.current()
    file_name = sent_file_name(part.filename, "enrolment.csv")
    result = enrol_file(
        store.get_db(),
        part.read(),
        file_name,
        reference=reference_service.current(current_app),
        user=caller.name,
        study_scope=caller.study_id,
    )
    return result.to_dict(), 201 if result.changed else 200
