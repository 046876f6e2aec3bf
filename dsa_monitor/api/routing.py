"""One place that turns a view function into a documented, authorised, validated API operation.

``operation`` registers the view on the blueprint and records what the OpenAPI document says of
it (schemas, roles, statuses), so the document is generated from the same objects that validate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import marshmallow as ma
from flask import Blueprint, Response, request

from ..errors import NotFound
from . import auth
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
        @functools.wraps(view)
        def endpoint(**path: object):
            if permission is not None:
                auth.require(permission)
            if any(isinstance(v, int) and v > SQLITE_MAX_INT for v in path.values()):
                raise NotFound("no such resource", path=request.path)
            kwargs = dict(path)
            if body is not None:
                kwargs["body"] = body().load(_json_body())
            if query is not None:
                kwargs["query"] = query().load(request.args.to_dict())
            data, status = view(**kwargs)
            if isinstance(data, Response):  # a document not in JSON (CSV): as the view made it
                return data
            schema = responses.get(status)
            payload = schema().dump(data) if schema is not None else data
            return payload, status

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


def _json_body() -> object:
    """The request's JSON document; anything else is refused as a validation error (422)."""
    data = request.get_json(silent=True)
    if data is None:
        raise ma.ValidationError(
            {"_body": ["a JSON object is expected (Content-Type: application/json)"]}
        )
    return data
