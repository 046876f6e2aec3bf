"""The pages' blueprint: CSRF on every POST, strict security headers, errors as pages."""

from __future__ import annotations

import logging
import sqlite3

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from ..config import CONTENT_SECURITY_POLICY
from ..errors import DSAMonitorError
from ..readings.labels import event_title, visit_label
from ..sab.values import mfi_text
from ..store.connection import storage_fault
from . import auth

log = logging.getLogger(__name__)
blueprint = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/web-static"
)

# MFI as the file gave it, never rounded across a cutoff: ``{{ row.mfi | mfi }}`` -> 2,999.99.
blueprint.add_app_template_filter(mfi_text, "mfi")
# An event's visit as people read it ("M12"), never its key ("M12@exposure8"): ``{{ e | visit_label }}``.
blueprint.add_app_template_filter(visit_label, "visit_label")
blueprint.add_app_template_filter(event_title, "event_title")  # buttons' names for screen readers


@blueprint.before_request
def _check_csrf() -> None:
    auth.check_csrf()


@blueprint.after_app_request  # every response of the app: a 404 of no route too
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")  # pages show patients' results
    return response


@blueprint.context_processor
def _template_globals() -> dict:
    return {"csrf_token": auth.csrf_token, "current_user": auth.current_user}


@blueprint.errorhandler(DSAMonitorError)
def _domain_error(error: DSAMonitorError):
    return render_template("error_page.html", status=error.status, message=error.message), error.status


@blueprint.errorhandler(sqlite3.OperationalError)
def _storage_error(error: sqlite3.OperationalError):
    fault = storage_fault(error)
    if fault is None:
        raise error
    log.error("storage fault in %s %s", request.method, request.url_rule)
    return render_template("error_page.html", status=503, message=fault), 503


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 413:
        limit = current_app.config["MAX_UPLOAD_MB"]
        message = (
            f"the file is over the upload size limit of {limit} MB: split it into"
            " smaller files (or ask the administrator to raise DSA_MONITOR_MAX_UPLOAD_MB)"
        )
    else:
        message = error.description or error.name
    return render_template("error_page.html", status=status, message=message), status
