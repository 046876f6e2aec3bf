"""Every API error as one JSON shape, ``{"error": {"code", "message", "details"}}``, in one place.

Domain errors carry their status (``DSAMonitorError.status``); marshmallow's ValidationError is
422 with the messages per field; werkzeug's HTTP errors (404, 405, 413...) keep their status. An
unexpected exception is a 500 without its text: the log gets the traceback's frames, never the
message (it may quote a patient's data).
"""

from __future__ import annotations

import logging
import traceback

import marshmallow as ma
from flask import Flask, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..errors import DSAMonitorError
from ..store.connection import storage_fault
from .routing import PREFIX, blueprint

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, details: dict | None = None):
    """The one error body, with its status."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    headers = {"WWW-Authenticate": 'Bearer realm="dsa-monitor"'} if status == 401 else {}
    return body, status, headers


def _domain_error(error: DSAMonitorError):
    return error_response(error.status, error.code, error.message, error.details)


def _validation_error(error: ma.ValidationError):
    messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    return error_response(422, "validation_error", "the request is not valid", messages)


def _too_large(error: RequestEntityTooLarge):
    limit = request.max_content_length
    details = {} if limit is None else {"limit_bytes": limit}
    said = "" if limit is None else f" of {limit // (1024 * 1024)} MB"
    return error_response(
        413, "upload_too_large", f"the request is over the upload size limit{said}", details
    )


def _http_error(error: HTTPException):
    """werkzeug's errors as JSON on API paths; other paths (web pages) keep werkzeug's pages."""
    if not request.path.startswith(PREFIX + "/") and request.path != PREFIX:
        return error
    if isinstance(error, RequestEntityTooLarge):
        return _too_large(error)
    code = (error.name or "error").lower().replace(" ", "_")
    body, status, headers = error_response(error.code or 500, code, error.description or "")
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            headers[name] = value
    return body, status, headers


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    fault = storage_fault(error)
    if fault is not None:
        log.error("storage fault in %s %s", request.method, request.url_rule)
        return error_response(503, "storage_unavailable", fault)
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unexpected %s in %s %s\n%s", type(error).__name__, request.method, request.url_rule, frames)
    return error_response(500, "internal_error", "an unexpected error; it has been logged")


# Errors raised in API views; set up once, before the blueprint is registered with any app.
blueprint.register_error_handler(DSAMonitorError, _domain_error)
blueprint.register_error_handler(ma.ValidationError, _validation_error)
blueprint.register_error_handler(Exception, _unexpected)


def init_app(app: Flask) -> None:
    """Routing errors (no such URL, wrong method) happen outside the blueprint: map them too."""
    app.register_error_handler(HTTPException, _http_error)
