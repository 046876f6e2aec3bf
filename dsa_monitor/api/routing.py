"""One place that turns a view function into a documented, authorised, validated API operation.

``operation`` registers the view on the blueprint and records what the OpenAPI document says of
it (schemas, roles, statuses), so the document is generated from the same objects that validate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Required, TypedDict

import marshmallow as ma
from flask import Blueprint, Response, request

from ..errors import NotFound
from . import auth
from .dumping import dumper_of
from .schemas import SQLITE_MAX_INT

PREFIX = "/api/v1"
blueprint = Blueprint("api", __name__, url_prefix=PREFIX)


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document needs to know of one route and method."""

    rule: str
    method: str
    view: Callable
    summary: str
    permission: str | None  # None: open (no token)
    body: type[ma.Schema] | None = None
    query: type[ma.Schema] | None = None
    responses: Mapping[int, type[ma.Schema] | None] = field(default_factory=dict)
    multipart: type[ma.Schema] | None = None
    errors: tuple[int, ...] = ()
    tag: str = ""


OPERATIONS: list[Operation] = []


class OperationOptions(TypedDict, total=False):
    """``operation``'s keywords but the summary, for a set of views that share them
    (``operation(rule, method, summary=..., **options)``)."""

    permission: Required[str | None]
    responses: Required[Mapping[int, type[ma.Schema] | None]]
    body: type[ma.Schema] | None
    query: type[ma.Schema] | None
    multipart: type[ma.Schema] | None
    errors: tuple[int, ...]
    tag: str


def operation(
    rule: str,
    method: str,
    *,
    summary: str,
    permission: str | None,
    responses: Mapping[int, type[ma.Schema] | None],
    body: type[ma.Schema] | None = None,
    query: type[ma.Schema] | None = None,
    multipart: type[ma.Schema] | None = None,
    errors: tuple[int, ...] = (),
    tag: str = "",
) -> Callable:
    """Register a view: check the token, load ``body``/``query`` into keyword ``body``/``query``.

    The view returns ``(data, status)``; data is dumped with the schema of that status, unless
    it is a ``Response`` already (a CSV document), answered as it is.
    """

    def register(view: Callable) -> Callable:
        # One schema object per operation, made once: building marshmallow schemas (their
        # nested fields) cost more than the reading a DSA request serves. They hold no state
        # between calls, so every request and thread may share them.
        loader = body() if body is not None else None
        reader = query() if query is not None else None
        dumpers = {code: dumper_of(schema()) for code, schema in responses.items() if schema is not None}

        @functools.wraps(view)
        def endpoint(**path: object):
            if permission is not None:
                auth.require(permission)
            if any(isinstance(v, int) and v > SQLITE_MAX_INT for v in path.values()):
                raise NotFound("no such resource", path=request.path)
            kwargs = dict(path)
            if loader is not None:
                kwargs["body"] = loader.load(_json_body())
            if reader is not None:
                kwargs["query"] = reader.load(request.args.to_dict())
            data, status = view(**kwargs)
            if isinstance(data, Response):  # a document not in JSON (CSV): as the view made it
                return data
            dumper = dumpers.get(status)
            return (dumper(data) if dumper is not None else data), status

        OPERATIONS.append(
            Operation(
                rule=rule,
                method=method.upper(),
                view=endpoint,
                summary=summary,
                permission=permission,
                body=body,
                query=query,
                responses=responses,
                multipart=multipart,
                errors=errors,
                tag=tag,
            )
        )
        blueprint.add_url_rule(rule, view.__name__, endpoint, methods=[method.upper()])
        return endpoint

    return register


def _json_body() -> Any:
    """The request's JSON document; anything else is refused as a validation error (422). Any
    JSON value: the body schema refuses one that is not an object."""
    data = request.get_json(silent=True)
    if data is None:
        raise ma.ValidationError({"_body": ["a JSON object is expected (Content-Type: application/json)"]})
    return data
