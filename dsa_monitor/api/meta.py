"""What a client asks before anything else: is the service up, and what is its contract."""

from __future__ import annotations

from flask import current_app

from .. import __version__
from ..reference import service as reference_service
from .routing import operation
from .schemas import HealthSchema
from .spec import build_spec

_SPEC_KEY = "dsa_api_openapi"


@operation(
    "/health",
    "GET",
    summary="Service status, version and reference release",
    permission=None,
    tag="meta",
    responses={200: HealthSchema},
)
def health():
    """No token needed: for load balancers and monitoring."""
    reference = reference_service.current(current_app)
    return {"status": "ok", "version": __version__, "reference": reference.describe()}, 200


@operation(
    "/openapi.json",
    "GET",
    summary="This API's OpenAPI 3 document",
    permission=None,
    tag="meta",
    responses={200: None},
)
def openapi():
    """No token needed: the contract clients and tests are generated from."""
    return contract(current_app), 200


def contract(app) -> dict:
    """The OpenAPI document, built once per app."""
    if _SPEC_KEY not in app.extensions:
        app.extensions[_SPEC_KEY] = build_spec()
    return app.extensions[_SPEC_KEY]
