"""``GET /api/v1/docs``: the OpenAPI document as a readable reference, rendered on the server.

An integrator reads the contract in a browser without a CDN, a script or a second source of
truth: the page is made from the same document ``/openapi.json`` serves (operations, parameters,
request and response schemas with their rules and examples, the one error shape), under the
pages' Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..config import CONTENT_SECURITY_POLICY
from .meta import contract
from .routing import PREFIX, operation

_pages = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_RULES = (
    "format",
    "enum",
    "not",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "default",
    "example",
)
# A pattern longer than this (a class of every control and format character) is no reading for
# a person: the page points at the document, and the field's description says the rule in words.
_PATTERN_SHOWN = 80


def _schema_name(schema: dict | None) -> str | None:
    ref = (schema or {}).get("$ref") or (schema or {}).get("items", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _type_of(schema: dict) -> str:
    """A property's type as a reader says it: ``string (date)``, ``list of Sample``."""
    if "$ref" in schema:
        return _schema_name(schema) or "object"
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _properties(schema: dict) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "type": _type_of(body),
            "required": name in required,
            "nullable": bool(body.get("nullable")),
            "description": body.get("description", ""),
            "rules": {k: _rule(k, body[k]) for k in _RULES if k in body},
        }
        for name, body in schema.get("properties", {}).items()
    ]


def _rule(key: str, value: Any) -> Any:
    if key == "pattern" and len(value) > _PATTERN_SHOWN:
        return f"{value[:40]}... ({len(value)} characters: see openapi.json)"
    return value


def _one_of(schema: dict) -> list[str]:
    """The fields of which a body takes exactly one (``oneOf`` of their ``required``)."""
    return [name for branch in schema.get("oneOf", ()) for name in branch.get("required", ())]


def _operations(document: dict) -> list[dict[str, Any]]:
    found = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            body: dict[str, Any] = (op.get("requestBody") or {}).get("content", {})
            media = next(iter(body), None)  # a body's one media type
            content: dict[str, Any] = body[media] if media is not None else {}
            found.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": PREFIX + path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tag": (op.get("tags") or ["other"])[0],
                    "secured": bool(op.get("security")),
                    "parameters": [
                        {
                            "name": p.get("name", "(query)"),
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _type_of(p.get("schema", {})),
                            "schema": _schema_name(p.get("schema")),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": {"media": media, "schema": _schema_name(content.get("schema"))}
                    if media
                    else None,
                    "responses": [
                        {
                            "status": status,
                            "description": r["description"],
                            "schema": _schema_name(
                                r.get("content", {}).get("application/json", {}).get("schema")
                            ),
                        }
                        for status, r in op["responses"].items()
                    ],
                }
            )
    return sorted(found, key=lambda o: (o["tag"], o["path"], o["method"]))


@operation(
    "/docs",
    "GET",
    summary="This API's reference as a page (HTML)",
    permission=None,
    tag="meta",
    responses={200: None},
)
def docs():
    """No token needed, like ``/openapi.json``: the contract, for people (text/html)."""
    document = contract(current_app)
    schemas = document.get("components", {}).get("schemas", {})
    page = _pages.get_template("docs.html").render(
        info=document["info"],
        prefix=PREFIX,
        operations=_operations(document),
        schemas=[
            {
                "name": name,
                "properties": _properties(body),
                "one_of": _one_of(body),
                "description": body.get("description", ""),
            }
            for name, body in sorted(schemas.items())
        ],
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response, 200
