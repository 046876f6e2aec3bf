"""Studies and the recipients enrolled in them, each known by a subject code and the lab's IDs."""

from __future__ import annotations

from collections.abc import Callable

import marshmallow as ma

from .. import store
from ..sab.controls import control_pattern
from ..sab.dates import date_format_of
from ..store.studies import MAX_VISIT_DAYS, STUDY_CODE, check_study_code
from . import auth
from .openapi_patterns import DATE_LAYOUT, END
from .routing import operation
from .schemas import Text, code, domain_check, timestamp

# The visit names ``dsa.rules`` keeps for sera outside a schedule; a schedule may not use them.
RESERVED_VISITS = ("baseline", "unscheduled")

# ---- schemas ---------------------------------------------------------------------------------


class VisitSchema(ma.Schema):
    """A protocol visit: its name, its day after the exposure, and the window around that day."""

    name = code(
        required=True,
        metadata={
            "not": {"enum": list(RESERVED_VISITS)},
            "description": "unique within the schedule (a rule the document cannot state: JSON"
            " Schema's uniqueItems compares whole visits); not 'baseline' or"
            " 'unscheduled', the names the service gives sera outside the schedule",
        },
    )
    day = ma.fields.Integer(
        strict=True, required=True, validate=ma.validate.Range(-MAX_VISIT_DAYS, MAX_VISIT_DAYS)
    )
    window_days = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(0, MAX_VISIT_DAYS))


class StudyCreateSchema(ma.Schema):
    code = Text(
        required=True,
        validate=domain_check(check_study_code),
        metadata={"pattern": f"^{STUDY_CODE.pattern}$"},
    )
    title = Text(load_default="", validate=ma.validate.Length(max=500))
    visit_schedule = ma.fields.List(ma.fields.Nested(VisitSchema), load_default=list)


def _unless_empty(check: Callable[[str], object]) -> Callable[[str], object]:
    """A setting's check that lets an empty value through: it clears the setting."""
    return lambda value: check(value) if value else None


def _upload_settings(required: bool = False) -> tuple[ma.fields.Boolean, Text, Text]:
    """The study's upload settings, as read (``required``) or as edited (each optional):
    ``strict_uploads``, ``date_layout``, ``control_pattern``."""
    return (
        ma.fields.Boolean(
            required=required,
            metadata={
                "description": "refuse a lab file holding any sample not enrolled (else listed as not stored)"
            },
        ),
        Text(
            required=required,
            allow_none=True,
            validate=domain_check(_unless_empty(date_format_of)),
            metadata={
                "description": "how the study's lab files write ambiguous dates (DD-MM-YYYY...):"
                " DD, MM and YYYY in any order joined by '/', '-' or '.'; remembered"
                " from an upload; empty or null: none",
                "example": "DD-MM-YYYY",
                "pattern": f"^{END}|{DATE_LAYOUT}",
            },
        ),
        Text(
            required=required,
            allow_none=True,
            validate=[ma.validate.Length(max=500), domain_check(control_pattern)],
            metadata={
                "description": "a regular expression (Python's syntax, searched ignoring case)"
                " naming the lab's own control sera; that it compiles is checked"
                " on receipt, a rule the document cannot state"
            },
        ),
    )


class UploadSettingsSchema(ma.Schema):
    """A study's upload settings as read: each one answered."""

    strict_uploads, date_layout, control_pattern = _upload_settings(required=True)


class UploadSettingsPatchSchema(ma.Schema):
    """A study's upload settings as edited: only those given change."""

    strict_uploads, date_layout, control_pattern = _upload_settings()


class StudySchema(UploadSettingsSchema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    visit_schedule = ma.fields.List(ma.fields.Nested(VisitSchema), required=True)
    created_at = timestamp()
    created_by = ma.fields.String(required=True)


class StudyPatchSchema(UploadSettingsPatchSchema):
    """A study's edit: only the fields given change."""

    title = Text(validate=ma.validate.Length(max=500))
    visit_schedule = ma.fields.List(ma.fields.Nested(VisitSchema))


class StudyEditedSchema(StudySchema):
    reevaluated = ma.fields.Integer(
        required=True,
        metadata={
            "description": "recipients the scheduler's next evaluation run evaluates again because"
            " the visit schedule changed (marked, not evaluated in this request)"
        },
    )


class StudyListSchema(ma.Schema):
    studies = ma.fields.List(ma.fields.Nested(StudySchema), required=True)


class RecipientCreateSchema(ma.Schema):
    study = code(required=True, metadata={"description": "the study's code"})
    subject_code = code(required=True)
    lab_ids = ma.fields.List(code(), load_default=list, metadata={"description": "the lab's patient IDs"})


class RecipientSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    study = ma.fields.String(required=True, attribute="study_code")
    subject_code = ma.fields.String(required=True)
    lab_ids = ma.fields.List(ma.fields.String(), required=True)
    created_at = timestamp()
    created_by = ma.fields.String(required=True)


class RecipientListSchema(ma.Schema):
    recipients = ma.fields.List(ma.fields.Nested(RecipientSchema), required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "recipients in all pages"})
    next_offset = ma.fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "the offset of the next page; null on the last"},
    )


class RecipientQueryArgsSchema(ma.Schema):
    study = code(metadata={"description": "only this study's recipients"})
    limit = ma.fields.Integer(
        load_default=1000,
        validate=ma.validate.Range(1, 1000),
        metadata={"description": "recipients per page (at most 1000)"},
    )
    offset = ma.fields.Integer(
        load_default=0, validate=ma.validate.Range(0, 10**9), metadata={"description": "how many to skip"}
    )


# ---- views -----------------------------------------------------------------------------------


def visible_study(study_code: str) -> dict:
    """The study, if the caller's token may see it (else: not found)."""
    study = store.get_study(store.get_db(), study_code)
    auth.check_study(study["id"], f"study {study_code!r}", study=study_code)
    return study


def visible_recipient(recipient_id: int) -> dict:
    """The recipient, if it belongs to a study the caller's token may see (else: not found)."""
    recipient = store.get_recipient(store.get_db(), recipient_id)
    auth.check_study(recipient["study_id"], f"recipient {recipient_id}", recipient_id=recipient_id)
    return recipient


@operation(
    "/studies",
    "POST",
    summary="Register a study",
    permission="study",
    tag="studies",
    body=StudyCreateSchema,
    responses={201: StudySchema},
    errors=(409, 422),
)
def create_study(body: dict):
    if auth.current().study_id is not None:
        raise auth.Forbidden("a token scoped to one study cannot register studies")
    study = store.create_study(
        store.get_db(),
        body["code"],
        title=body["title"],
        visit_schedule=body["visit_schedule"],
        user=auth.current().name,
    )
    return study, 201


@operation(
    "/studies/<code>",
    "PATCH",
    summary="Edit a study: title, visit schedule, upload"
    " settings; a schedule change marks its recipients for the next evaluation run",
    permission="study",
    tag="studies",
    body=StudyPatchSchema,
    responses={200: StudyEditedSchema},
    errors=(404, 422),
)
def edit_study(code: str, body: dict):
    study = visible_study(code)
    edited, marked = store.studies.update_study(store.get_db(), study["id"], body, user=auth.current().name)
    return {**edited, "reevaluated": marked}, 200


@operation(
    "/studies",
    "GET",
    summary="The studies the token may see",
    permission="read",
    tag="studies",
    responses={200: StudyListSchema},
)
def list_studies():
    caller = auth.current()
    studies = [s for s in store.list_studies(store.get_db()) if caller.sees_study(s["id"])]
    return {"studies": studies}, 200


@operation(
    "/studies/<code>",
    "GET",
    summary="One study",
    permission="read",
    tag="studies",
    responses={200: StudySchema},
    errors=(404,),
)
def get_study(code: str):
    return visible_study(code), 200


@operation(
    "/recipients",
    "POST",
    summary="Enrol a recipient in a study",
    permission="enrol",
    tag="recipients",
    body=RecipientCreateSchema,
    responses={201: RecipientSchema},
    errors=(404, 409, 422),
)
def create_recipient(body: dict):
    visible_study(body["study"])
    recipient = store.create_recipient(
        store.get_db(),
        body["study"],
        body["subject_code"],
        lab_ids=body["lab_ids"],
        user=auth.current().name,
    )
    return recipient, 201


@operation(
    "/recipients",
    "GET",
    summary="Recipients, of one study or all the token may see",
    permission="read",
    tag="recipients",
    query=RecipientQueryArgsSchema,
    responses={200: RecipientListSchema},
    errors=(404, 422),
)
def list_recipients(query: dict):
    caller = auth.current()
    db = store.get_db()
    study = visible_study(query["study"])["id"] if "study" in query else caller.study_id
    total = store.studies.count_recipients(db, study)
    end = query["offset"] + query["limit"]
    return {
        "recipients": store.list_recipients(db, study, limit=query["limit"], offset=query["offset"]),
        "total": total,
        "next_offset": end if end < total else None,
    }, 200


@operation(
    "/recipients/<int:recipient_id>",
    "GET",
    summary="One recipient",
    permission="read",
    tag="recipients",
    responses={200: RecipientSchema},
    errors=(404,),
)
def get_recipient(recipient_id: int):
    return visible_recipient(recipient_id), 200


class LabIdSchema(ma.Schema):
    lab_id = code(
        required=True,
        metadata={
            "description": "one more of the lab's IDs for this recipient (a patient ID or the"
            " accession its result files name the recipient by)"
        },
    )


@operation(
    "/recipients/<int:recipient_id>/lab_ids",
    "POST",
    summary="Add a lab ID by which result files name the recipient",
    permission="lab_id",
    tag="recipients",
    body=LabIdSchema,
    responses={201: RecipientSchema},
    errors=(404, 409, 422),
)
def add_lab_id(recipient_id: int, body: dict):
    visible_recipient(recipient_id)
    db = store.get_db()
    store.add_lab_id(db, recipient_id, body["lab_id"], user=auth.current().name)
    return store.get_recipient(db, recipient_id), 201
