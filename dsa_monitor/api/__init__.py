"""The HTTP API under ``/api/v1``: Flask views, marshmallow 4 schemas, an OpenAPI 3 document.

Why apispec (with its MarshmallowPlugin) and not flask-smorest: apispec supports marshmallow 4
since 6.8.1 ("Support marshmallow 4", its changelog; we require >= 6.8.3 for its fix of
``additionalProperties`` for schemas that refuse unknown fields) and it only *reads* our schemas
to write the document. flask-smorest would add webargs and its own error handler, ``abort`` and
pagination on top; we need one JSON error shape mapped from our own error hierarchy
(``api/errors.py``), bearer-token roles and study scopes (``api/auth.py``), which are simpler to
state in the ~100 lines of ``api/routing.py`` than to fit into flask-smorest's hooks. Every
operation is registered once (``routing.operation``) with its schemas: the same objects validate
the request, dump the answer and generate ``GET /api/v1/openapi.json`` (``api/spec.py``).

Modules: ``routing`` (blueprint, operation registry), ``auth`` (tokens, roles, study scope),
``errors`` (one error shape), ``schemas`` (shared fields), one module per resource (``studies``,
``donors``, ``typings``, ``uploads``, ``dsa``, ``events``, ``subscriptions``, ``meta``) holding its
schemas and views, ``spec``.
"""

from __future__ import annotations

from flask import Flask

from . import (  # noqa: F401  (register the views)
    assignments,
    docs,
    donors,
    dsa,
    enrolments,
    eplets,
    errors,
    events,
    meta,
    reports,
    studies,
    subscriptions,
    summary,
    typings,
    uploads,
)
from .routing import PREFIX, blueprint

__all__ = ["PREFIX", "init_app"]


def init_app(app: Flask) -> None:
    """Register the API blueprint and its error handling with the app."""
    app.register_blueprint(blueprint)
    errors.init_app(app)
