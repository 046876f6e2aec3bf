"""The OpenAPI 3 document, generated from the registered operations and their marshmallow schemas."""

from __future__ import annotations

import http
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, resolver

from .. import __version__
from .routing import OPERATIONS, PREFIX, Operation
from .schemas import SQLITE_MAX_INT, ErrorSchema, ExactlyOneSchema

OPENAPI_VERSION = "3.0.3"
_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_ERROR_TEXT = {
    400: "The request cannot be read (malformed multipart body).",
    401: "No valid bearer token: missing, malformed, unknown or revoked.",
    403: "The token's role does not allow this.",
    404: "No such object, or one outside the token's study.",
    409: "It exists already.",
    413: "Over the upload size limit.",
    422: "Invalid input: the details name each field (or file, line, column).",
}
# The longest request line (method, path, query, version; its CRLF not counted) each way of
# serving accepts: gunicorn's default --limit-request-line, and Python's http.server under
# ``dsa-monitor serve`` (65,536 bytes with the CRLF). Longer is a
# 414 from the server itself, before the API reads it (so not the JSON error body). No operation
# needs a long line: the longest query (a study code, percent-encoded) stays under 1,300 bytes.
REQUEST_LINE_LIMITS = {"gunicorn": 4094, "dsa-monitor serve": 65534}
_TOO_LONG = (
    "The request line (method, path and query) is over the server's limit: "
    + ", ".join(f"{size:,} bytes under {server}" for server, size in REQUEST_LINE_LIMITS.items())
    + ". Answered by the server before the API, so not in the JSON error shape."
)

# Answers that are a document rather than JSON (the view returns a ``Response``), by operationId:
# media type -> what it holds. The 200 of each lists them beside its JSON, when it has one.
OTHER_MEDIA = {
    "get_study_report": {"text/csv": "the same report as CSV (?format=csv or Accept: text/csv)"},
    "get_study_export": {"text/csv": "one row per recipient, serum and DSA"},
    "docs": {"text/html": "this reference as a page"},
}

# OpenAPI links: what a client (or a fuzzer following them) may read once an operation has
# answered. Each target answers 200 right after its source succeeds (tests/api/test_links.py
# walks them all), so none promises what is not there yet: a recipient's or donor's typing is
# linked from the PUT/PATCH that makes it, never from the create (404 until one is PUT).
# (source operationId, status) -> {link name: (target operationId, {parameter: expression})}.
_BY_ID = {"recipient_id": "$response.body#/id"}
_TYPED_RECIPIENT = {"recipient_id": "$request.path.recipient_id"}
_TYPED_DONOR = {"donor_id": "$request.path.donor_id"}
_RECIPIENT_TYPING = {
    "typing": ("get_recipient_typing", _TYPED_RECIPIENT),
    "typing_history": ("recipient_typing_history", _TYPED_RECIPIENT),
}
_DONOR_TYPING = {
    "typing": ("get_donor_typing", _TYPED_DONOR),
    "typing_history": ("donor_typing_history", _TYPED_DONOR),
}
LINKS: dict[tuple[str, int], dict[str, tuple[str, dict[str, str]]]] = {
    ("create_study", 201): {
        "study": ("get_study", {"code": "$response.body#/code"}),
        "study_dsa": ("get_study_dsa", {"code": "$response.body#/code"}),
        "study_report": ("get_study_report", {"code": "$response.body#/code"}),
    },
    ("create_recipient", 201): {
        "recipient": ("get_recipient", _BY_ID),
        "recipient_dsa": ("get_recipient_dsa", _BY_ID),
        "typing_history": ("recipient_typing_history", _BY_ID),
    },
    ("add_lab_id", 201): {"recipient": ("get_recipient", _BY_ID)},
    ("create_donor", 201): {
        "donor": ("get_donor", {"donor_id": "$response.body#/id"}),
        "typing_history": ("donor_typing_history", {"donor_id": "$response.body#/id"}),
    },
    ("create_exposure", 201): {
        "recipient": ("get_recipient", {"recipient_id": "$response.body#/recipient_id"}),
    },
    ("put_recipient_typing", 200): _RECIPIENT_TYPING,
    ("patch_recipient_typing", 200): _RECIPIENT_TYPING,
    ("put_donor_typing", 200): _DONOR_TYPING,
    ("patch_donor_typing", 200): _DONOR_TYPING,
    ("create_upload", 201): {"upload": ("get_upload", {"upload_id": "$response.body#/upload_id"})},
}


def build_spec() -> dict:
    """The API's OpenAPI document as a JSON-ready dict."""
    spec = APISpec(
        title="dsa-monitor API",
        version=__version__,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        servers=[{"url": PREFIX}],
        info={
            "description": "Donor-specific anti-HLA antibody monitoring. JSON; time stamps are UTC "
            'ISO 8601, dates YYYY-MM-DD; every error is {"error": {code, message, details}}.'
        },
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict[str, dict]] = {}
    for op in OPERATIONS:
        path, parameters = _openapi_path(op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, parameters)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    _exactly_one(document)
    return document


def _exactly_one(document: dict) -> None:
    """A body that takes exactly one of two fields says so (``oneOf`` of their ``required``):
    apispec writes a schema's fields, not the rule its ``validates_schema`` applies."""
    components = document["components"]["schemas"]
    for op in OPERATIONS:
        if op.body is not None and issubclass(op.body, ExactlyOneSchema):
            components[resolver(op.body)]["oneOf"] = [{"required": [name]} for name in op.body.one_of]


def _openapi_path(rule: str) -> tuple[str, list[dict]]:
    """``/recipients/<int:recipient_id>`` -> ``/recipients/{recipient_id}`` and its parameter."""
    parameters = []
    for match in _PARAMETER.finditer(rule):
        schema: dict = {"type": "string", "minLength": 1}
        if match["converter"] == "int":
            schema = {"type": "integer", "minimum": 0, "maximum": SQLITE_MAX_INT}
        parameters.append({"in": "path", "name": match["name"], "required": True, "schema": schema})
    return _PARAMETER.sub(r"{\g<name>}", rule), parameters


def _operation(op: Operation, parameters: list[dict]) -> dict:
    document: dict = {
        "summary": op.summary,
        "operationId": op.view.__name__,
        "tags": [op.tag] if op.tag else [],
        "security": [{"bearerAuth": []}] if op.permission else [],
        "responses": {},
    }
    if op.view.__doc__:
        document["description"] = op.view.__doc__.strip()
    if op.permission:
        document["description"] = (
            document.get("description", "") + f"\n\nPermission: {op.permission}."
        ).strip()
    if op.query is not None:
        parameters = [*parameters, {"in": "query", "schema": op.query}]
    if parameters:
        document["parameters"] = parameters
    if op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    if op.multipart is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": op.multipart}},
        }
    for status, schema in sorted(op.responses.items()):
        response: dict = {"description": http.HTTPStatus(status).phrase}
        if schema is not None:
            response["content"] = {"application/json": {"schema": schema}}
        if status == 200 and op.view.__name__ in OTHER_MEDIA:
            response.setdefault("content", {}).update(
                {
                    media: {"schema": {"type": "string", "description": holds}}
                    for media, holds in OTHER_MEDIA[op.view.__name__].items()
                }
            )
        links = LINKS.get((op.view.__name__, status))
        if links:
            response["links"] = {
                name: {"operationId": target, "parameters": parameters}
                for name, (target, parameters) in links.items()
            }
        document["responses"][str(status)] = response
    for status in sorted(_error_statuses(op, parameters)):
        document["responses"][str(status)] = {
            "description": _ERROR_TEXT[status],
            "content": {"application/json": {"schema": "Error"}},
        }
    document["responses"]["414"] = {"description": _TOO_LONG}
    return document


def _error_statuses(op: Operation, parameters: list[dict]) -> set[int]:
    statuses = set(op.errors)
    if op.permission:
        statuses |= {401, 403}
    if op.body is not None or op.query is not None or op.multipart is not None:
        statuses.add(422)
    if op.multipart is not None:
        statuses.add(400)
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    return statuses
