"""HLA typings of recipients and donors: given as a GL String or per locus, answered as read.

The answer shows how the service understood the typing (canonical names, the serologic antigen
of each entry, the IPD-IMGT/HLA release used), so a lab can check it before DSA are called.
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from .. import store
from ..errors import Conflict, NotFound, ReferenceDataError
from ..hla.lookup import lookup
from ..hla.reference import ReferenceData
from ..hla.typing import HLATyping, loci_form
from ..reference import service as reference_service
from . import auth
from .donors import visible_donor
from .routing import OperationOptions, operation
from .schemas import ExactlyOneSchema, Text, timestamp
from .studies import visible_recipient

# ---- schemas ---------------------------------------------------------------------------------


def _loci(**kwargs) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=Text(validate=ma.validate.Length(min=1, max=10)),
        values=ma.fields.List(
            Text(validate=ma.validate.Length(max=2_000)), validate=ma.validate.Length(max=10)
        ),
        validate=ma.validate.Length(min=1, max=20),
        metadata={
            "example": {"A": ["A*02:01", "A*24:02"], "B": ["B44", "B7"]},
            "minProperties": 1,
            "maxProperties": 20,
            "description": "locus -> its copies' names. Each locus (a key of 1 to 10"
            " characters) and name must be one the HLA reference knows:"
            " rules the document cannot state (OpenAPI 3.0 has no"
            " propertyNames)",
        },
        **kwargs,
    )


class TypingInputSchema(ExactlyOneSchema):
    """Exactly one of ``gl_string`` or ``loci``: the whole typing."""

    one_of = ("gl_string", "loci")
    one_of_message = "give either gl_string or loci"

    gl_string = Text(
        validate=ma.validate.Length(min=1, max=20_000),
        metadata={"example": "HLA-A*02:01+HLA-A*24:02^HLA-B*44:02+HLA-B*07:02"},
    )
    loci = _loci()
    remove_loci = ma.fields.List(
        Text(validate=ma.validate.Length(min=1, max=10)),
        validate=ma.validate.Length(max=20),
        metadata={
            "description": "loci of the current version this typing leaves out on purpose;"
            " without it, leaving a typed locus out is a 409"
        },
    )


class TypingPatchSchema(ma.Schema):
    """Some loci; the others stay as the current version has them (an empty list clears one)."""

    loci = _loci(required=True)


class EntrySchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"description": "allele, ambiguous, antigen, code"})
    names = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "canonical"})
    resolution = ma.fields.String(required=True)
    antigens = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "serologic equivalents"}
    )
    expansion = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "an NMDP code only: the alleles the NMDP code table gave it when read"},
    )


class InterpretationSchema(ma.Schema):
    loci = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.Nested(EntrySchema)),
        required=True,
    )
    homozygous = ma.fields.List(ma.fields.String(), required=True)
    public_epitopes = ma.fields.List(ma.fields.String(), required=True)
    source = ma.fields.String(required=True, metadata={"description": "gl_string or loci"})


class TypingSchema(ma.Schema):
    owner_kind = ma.fields.String(required=True, metadata={"description": "recipient or donor"})
    owner_id = ma.fields.Integer(required=True)
    version = ma.fields.Integer(required=True)
    gl_string = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "null when given as antigens"}
    )
    reference_release = ma.fields.String(required=True, allow_none=True)
    typing = ma.fields.Nested(InterpretationSchema, required=True)
    created_at = timestamp()
    created_by = ma.fields.String(required=True)


class TypingHistorySchema(ma.Schema):
    typings = ma.fields.List(ma.fields.Nested(TypingSchema), required=True)


# ---- the interpretation ----------------------------------------------------------------------


def interpret(body: dict, reference: ReferenceData) -> HLATyping:
    """Read the typing as given, every allele checked against the reference release."""
    if "gl_string" in body:
        return HLATyping.from_gl_string(body["gl_string"], reference)
    return HLATyping.from_loci(body["loci"], reference)


def _reference_of(release: str | None) -> ReferenceData:
    """The release a typing was read with, or the current one when it is no longer installed."""
    try:
        return reference_service.get(current_app, release)
    except ReferenceDataError:
        return reference_service.current(current_app)


def present(row: dict) -> dict:
    """A stored typing version with the serologic antigens of each entry."""
    reference = _reference_of(row["reference_release"])
    stored = row["typing"]  # HLATyping.to_dict(), whoever stored it (API, CLI, import)
    loci = {
        locus: [
            {**entry, "antigens": _antigens(reference, entry.get("expansion") or entry["names"])}
            for entry in entries
        ]
        for locus, entries in (stored.get("loci") or {}).items()
    }
    typing = {
        "source": stored.get("source", "loci"),
        "loci": loci,
        "homozygous": stored.get("homozygous", []),
        "public_epitopes": stored.get("public_epitopes", []),
    }
    return {**row, "gl_string": row["gl_string"] or None, "typing": typing}


def _antigens(reference: ReferenceData, names: list[str]) -> list[str]:
    found = (lookup(reference, name)["antigen"] for name in names)
    return list(dict.fromkeys(antigen for antigen in found if antigen))


def _put(owner_kind: str, owner_id: int, body: dict):
    """A whole typing: leaving out a locus the current version types must be said
    (``remove_loci``), so that sending one locus never silently drops the others."""
    current = store.current_typing(store.get_db(), owner_kind, owner_id)
    typing = interpret(body, reference_service.current(current_app))
    typed = (current["typing"].get("loci") or {}) if current else {}
    dropped = [locus for locus in typed if locus not in typing.loci]
    unsaid = [locus for locus in dropped if locus not in set(body.get("remove_loci", []))]
    if unsaid:
        assert current is not None  # only a current version has typed loci to leave out
        raise Conflict(
            f"this typing leaves out {', '.join(unsaid)}, typed in version {current['version']}:"
            " send the whole typing, PATCH only the loci that change, or list the loci to drop in"
            ' "remove_loci"',
            loci=unsaid,
            version=current["version"],
        )
    return _store(owner_kind, owner_id, typing)


def _patch(owner_kind: str, owner_id: int, body: dict):
    """The current version with the loci the given names belong to replaced (a new version, in
    per-locus form); removing a locus is a PUT with ``remove_loci``."""
    current = store.current_typing(store.get_db(), owner_kind, owner_id)
    if current is None:
        raise NotFound(f"{owner_kind} {owner_id} has no typing to change; PUT one", owner_id=owner_id)
    if any(not names for names in body["loci"].values()):
        raise ma.ValidationError(
            {"loci": ["PATCH sets loci; to remove one, PUT the whole typing with remove_loci"]}
        )
    given = HLATyping.from_loci(body["loci"])  # canonical loci: HLA-B -> B, Cw -> C, DR52 -> DRB3
    new = loci_form(given.to_dict())
    form = {
        locus: names for locus, names in loci_form(current["typing"]).items() if locus not in new
    }  # Bw4/Bw6 go with the B they were typed with
    form.update(new)
    typing = HLATyping.from_loci(form, reference_service.current(current_app))
    return _store(owner_kind, owner_id, typing)


def _store(owner_kind: str, owner_id: int, typing: HLATyping):
    if not typing.loci and not typing.public_epitopes:
        raise ma.ValidationError({"loci": ["the typing has no typed locus"]})
    data = typing.to_dict()
    row = store.set_typing(
        store.get_db(),
        owner_kind,
        owner_id,
        data["gl_string"] or "",
        data,
        typing.reference_release,
        "api",
        auth.current().name,
    )
    return present(row), 200


def _get(owner_kind: str, owner_id: int):
    row = store.current_typing(store.get_db(), owner_kind, owner_id)
    if row is None:
        raise NotFound(f"{owner_kind} {owner_id} has no typing", owner_id=owner_id)
    return present(row), 200


def _history(owner_kind: str, owner_id: int):
    rows = store.typing_history(store.get_db(), owner_kind, owner_id)
    return {"typings": [present(row) for row in rows]}, 200


# ---- views -----------------------------------------------------------------------------------

_RECIPIENT = "/recipients/<int:recipient_id>/typing"
_DONOR = "/donors/<int:donor_id>/typing"
_PUT: OperationOptions = {
    "permission": "typing",
    "tag": "typings",
    "body": TypingInputSchema,
    "responses": {200: TypingSchema},
    "errors": (404, 409, 422),
}
_PATCH: OperationOptions = {**_PUT, "body": TypingPatchSchema, "errors": (404, 422)}
_GET: OperationOptions = {
    "permission": "read",
    "tag": "typings",
    "responses": {200: TypingSchema},
    "errors": (404,),
}
_HISTORY: OperationOptions = {
    "permission": "read",
    "tag": "typings",
    "responses": {200: TypingHistorySchema},
    "errors": (404,),
}


@operation(_RECIPIENT, "PUT", summary="Set a recipient's typing (a new version)", **_PUT)
def put_recipient_typing(recipient_id: int, body: dict):
    visible_recipient(recipient_id)
    return _put("recipient", recipient_id, body)


@operation(_RECIPIENT, "PATCH", summary="Change some loci of a recipient's typing (a new version)", **_PATCH)
def patch_recipient_typing(recipient_id: int, body: dict):
    visible_recipient(recipient_id)
    return _patch("recipient", recipient_id, body)


@operation(_RECIPIENT, "GET", summary="A recipient's current typing", **_GET)
def get_recipient_typing(recipient_id: int):
    visible_recipient(recipient_id)
    return _get("recipient", recipient_id)


@operation(_RECIPIENT + "/history", "GET", summary="Every typing version of a recipient", **_HISTORY)
def recipient_typing_history(recipient_id: int):
    visible_recipient(recipient_id)
    return _history("recipient", recipient_id)


@operation(_DONOR, "PUT", summary="Set a donor's typing (a new version)", **_PUT)
def put_donor_typing(donor_id: int, body: dict):
    visible_donor(donor_id)
    return _put("donor", donor_id, body)


@operation(_DONOR, "PATCH", summary="Change some loci of a donor's typing (a new version)", **_PATCH)
def patch_donor_typing(donor_id: int, body: dict):
    visible_donor(donor_id)
    return _patch("donor", donor_id, body)


@operation(_DONOR, "GET", summary="A donor's current typing", **_GET)
def get_donor_typing(donor_id: int):
    visible_donor(donor_id)
    return _get("donor", donor_id)


@operation(_DONOR + "/history", "GET", summary="Every typing version of a donor", **_HISTORY)
def donor_typing_history(donor_id: int):
    visible_donor(donor_id)
    return _history("donor", donor_id)
