"""Lab result files: one multipart upload is stored all or nothing, and answers what it stored.

201: stored, with its samples, their QC verdicts and the warnings. 200: the same bytes were
already stored; the answer names that upload. 422: a file that cannot be read, located to file,
line and column. 413: over the size limit (``DSA_MONITOR_MAX_UPLOAD_MB``).
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request

from .. import store
from ..config import settings_of
from ..errors import NotFound
from ..ingest import HIDDEN_DUPLICATE, UploadRequest, import_request, read_manifest, sent_file_name
from ..sab.dates import date_format_of
from ..sab.formats import FORMATS
from ..store.schema import SERUM_TREATMENTS
from . import auth
from .openapi_patterns import DATE_LAYOUT
from .routing import operation
from .schemas import ErrorBodySchema, day, domain_check, timestamp
from .studies import visible_study


def date_layout_field() -> ma.fields.String:
    return ma.fields.String(
        validate=domain_check(date_format_of),
        metadata={
            "description": "the layout of the file's dates when they are ambiguous (e.g. DD/MM/YYYY):"
            " DD, MM and YYYY in any order joined by '/', '-' or '.'; default: the"
            " server's setting, else read from the file's own dates",
            "example": "DD/MM/YYYY",
            "pattern": DATE_LAYOUT,
        },
    )


def strict_field() -> ma.fields.Boolean:
    return ma.fields.Boolean(
        metadata={
            "description": "refuse the whole file when any sample is not an enrolled recipient's"
            " (control sera aside); default: the study's setting, else false (such"
            " samples are listed in not_stored)"
        }
    )


def study_field() -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Length(1, 40),
        metadata={
            "description": "the study the file is for: its patients are placed within it, its"
            " remembered date layout, control-serum pattern and strictness apply;"
            " default: the token's study, else every study"
        },
    )


def treatment_field() -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.OneOf(SERUM_TREATMENTS),
        metadata={
            "description": "how the serum was treated before this run (a treated run is kept beside"
            " the neat run of the same draw, never in its place); default neat"
        },
    )


# ---- schemas ---------------------------------------------------------------------------------


def _binary(description: str, **kwargs) -> ma.fields.Raw:
    return ma.fields.Raw(
        metadata={"type": "string", "format": "binary", "description": description}, **kwargs
    )


class UploadFormSchema(ma.Schema):
    """The multipart form of ``POST /uploads``."""

    file = _binary(
        "the lab's result file: a CSV or XML export in a layout this service reads"
        " (format); whether its bytes are one is known on reading, not from the"
        " document (422 file_format, naming file, line and column)",
        required=True,
    )
    format = ma.fields.String(
        validate=ma.validate.OneOf(sorted(FORMATS)),
        metadata={"description": "the file's layout; detected when not given"},
    )
    manifest = _binary("CSV sample_id,draw_date (YYYY-MM-DD) for files without draw dates")
    lot = ma.fields.String(
        validate=ma.validate.Length(1, 100),
        metadata={
            "description": "the bead lot, for xPONENT runs whose ProtocolName names none;"
            " its catalogue must be registered (422 unknown_lot)"
        },
    )
    encoding = ma.fields.String(
        validate=ma.validate.Length(1, 40),
        metadata={
            "description": "text encoding of a file that is not UTF-8, e.g. cp1252: a"
            " codec name the server's Python knows, a list the document"
            " does not hold (422 unknown_encoding)"
        },
    )
    date_format = date_layout_field()
    serum_treatment = treatment_field()
    strict = strict_field()
    study = study_field()


class UploadFieldsSchema(ma.Schema):
    """The form's text fields, checked before the file is read."""

    format = ma.fields.String(validate=ma.validate.OneOf(sorted(FORMATS)))
    manifest = ma.fields.String()
    lot = ma.fields.String(validate=ma.validate.Length(1, 100))
    encoding = ma.fields.String(validate=ma.validate.Length(1, 40))
    date_format = date_layout_field()
    serum_treatment = treatment_field()
    strict = strict_field()
    study = study_field()


class StoredSampleSchema(ma.Schema):
    sample_id = ma.fields.Integer(required=True)
    lab_sample_id = ma.fields.String(required=True)
    patient_id = ma.fields.String(required=True, allow_none=True)
    recipient_id = ma.fields.Integer(required=True)
    hla_class = ma.fields.String(required=True, allow_none=True)
    lot = ma.fields.String(required=True, allow_none=True)
    draw_date = day(required=True)
    draw_date_source = ma.fields.String(required=True)
    qc_status = ma.fields.String(required=True, validate=ma.validate.OneOf(("pass", "warn", "fail")))
    qc_reasons = ma.fields.List(ma.fields.String(), required=True)
    excluded = ma.fields.Boolean(required=True, metadata={"description": "no DSA call (QC failed)"})
    beads = ma.fields.Integer(required=True)
    supersedes = ma.fields.Integer(required=True, allow_none=True)


class SupersededSchema(ma.Schema):
    lab_sample_id = ma.fields.String(required=True)
    old_sample_id = ma.fields.Integer(required=True)
    new_sample_id = ma.fields.Integer(required=True)


class NotStoredSchema(ma.Schema):
    """A sample of the file that was not stored, and why."""

    sample_id = ma.fields.String(required=True)
    patient_id = ma.fields.String(required=True, allow_none=True)
    hla_class = ma.fields.String(required=True, allow_none=True)
    reason = ma.fields.String(
        required=True,
        metadata={
            "description": "'not enrolled' (no recipient of the study has this ID) or 'control"
            " serum' (a vendor's or the lab's control)"
        },
    )
    near = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "enrolled lab IDs this sample's ID nearly is (a typo?), when any"},
    )


class UploadResultSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(("stored", "duplicate")))
    upload_id = ma.fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "the upload that holds these results; null for a duplicate of an upload"
            " of a study the caller cannot see"
        },
    )
    duplicate_of = ma.fields.Integer(required=True, allow_none=True)
    sha256 = ma.fields.String(required=True)
    file_name = ma.fields.String(required=True)
    format = ma.fields.String(required=True, allow_none=True)
    samples = ma.fields.List(ma.fields.Nested(StoredSampleSchema), required=True)
    warnings = ma.fields.List(ma.fields.String(), required=True)
    superseded = ma.fields.List(ma.fields.Nested(SupersededSchema), required=True)
    run_date_fallback = ma.fields.List(ma.fields.String(), required=True)
    qc_failed = ma.fields.List(ma.fields.String(), required=True)
    not_stored = ma.fields.List(
        ma.fields.Nested(NotStoredSchema),
        required=True,
        metadata={"description": "the file's samples not stored (control sera, patients not enrolled)"},
    )


class SampleSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    recipient_id = ma.fields.Integer(required=True)
    lab_sample_id = ma.fields.String(required=True)
    patient_id = ma.fields.String(required=True, allow_none=True)
    draw_date = day(required=True)
    draw_date_source = ma.fields.String(required=True)
    run_date = day(required=True, allow_none=True)
    vendor = ma.fields.String(required=True, allow_none=True)
    kit = ma.fields.String(required=True, allow_none=True)
    lot = ma.fields.String(required=True, allow_none=True)
    hla_class = ma.fields.String(required=True, allow_none=True)
    serum_treatment = ma.fields.String(required=True)
    qc_status = ma.fields.String(required=True)
    qc_reasons = ma.fields.List(ma.fields.String(), required=True)
    excluded = ma.fields.Boolean(required=True)
    bead_count = ma.fields.Integer(required=True)
    warnings = ma.fields.List(ma.fields.String(), required=True)
    superseded_by = ma.fields.Integer(required=True, allow_none=True)


class UploadSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    file_name = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    format = ma.fields.String(required=True, allow_none=True)
    uploaded_by = ma.fields.String(required=True)
    uploaded_at = timestamp()
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(("stored", "rejected")))
    error = ma.fields.Nested(ErrorBodySchema, required=True, allow_none=True)
    warnings = ma.fields.List(ma.fields.String(), required=True)
    samples = ma.fields.List(ma.fields.Nested(SampleSchema), required=True)
    not_stored = ma.fields.List(ma.fields.Nested(NotStoredSchema), required=True)


# ---- views -----------------------------------------------------------------------------------


@operation(
    "/uploads",
    "POST",
    summary="Upload a lab result file",
    permission="upload",
    tag="uploads",
    multipart=UploadFormSchema,
    responses={201: UploadResultSchema, 200: UploadResultSchema},
    errors=(404, 409, 413, 422),
)
def create_upload():
    fields = UploadFieldsSchema().load(request.form.to_dict())
    part = request.files.get("file")
    if part is None:
        raise ma.ValidationError({"file": ["a file part named 'file' is required"]})
    file_name = sent_file_name(part.filename, "upload")
    caller = auth.current()
    study = visible_study(fields["study"])["id"] if "study" in fields else caller.study_id
    result = import_request(
        store.get_db(),
        UploadRequest(
            part.read(),
            file_name,
            caller.name,
            format=fields.get("format"),
            manifest=_manifest(fields),
            study=study,
            layout=fields.get("date_format"),
            strict=fields.get("strict", False),
            lot=fields.get("lot"),
            encoding=fields.get("encoding"),
            serum_treatment=fields.get("serum_treatment", "neat"),
        ),
        settings_of(current_app),
    )
    answer = result.to_dict()
    if result.outcome == "duplicate":
        # The first upload may hold another study's samples: a scoped token sees its own only.
        seen = [s for s in answer["samples"] if _sees_recipient(s["recipient_id"])]
        if len(seen) < len(answer["samples"]):  # nothing of the other study's upload is told
            answer["warnings"] = [HIDDEN_DUPLICATE]
            answer["duplicate_of"] = answer["upload_id"] = None
            answer["not_stored"] = []
        answer["samples"] = seen
        return answer, 200
    return answer, 201


def _manifest(fields: dict):
    """The draw-date manifest, sent as a file part or as a text field; None when absent."""
    part = request.files.get("manifest")
    if part is not None:
        return read_manifest(part.read(), sent_file_name(part.filename, "manifest"))
    if fields.get("manifest"):
        return read_manifest(fields["manifest"].encode("utf-8"), "manifest")
    return None


def _sees_recipient(recipient_id: int) -> bool:
    recipient = store.get_recipient(store.get_db(), recipient_id)
    return auth.current().sees_study(recipient["study_id"])


@operation(
    "/uploads/<int:upload_id>",
    "GET",
    summary="One upload: outcome, error or samples",
    permission="read",
    tag="uploads",
    responses={200: UploadSchema},
    errors=(404,),
)
def get_upload(upload_id: int):
    db = store.get_db()
    upload = store.get_upload(db, upload_id)
    samples = store.list_samples(db, upload_id=upload_id, include_superseded=True)
    caller = auth.current()
    if caller.study_id is not None:
        visible = (
            all(_sees_recipient(s["recipient_id"]) for s in samples)
            if samples
            else upload["uploaded_by"] == caller.name
        )
        if not visible:
            raise NotFound(f"no upload {upload_id}", upload_id=upload_id)
    summary = upload["summary"] or {}
    return {
        **upload,
        "samples": samples,
        "warnings": summary.get("warnings", []),
        "not_stored": summary.get("not_stored", []),
    }, 200
