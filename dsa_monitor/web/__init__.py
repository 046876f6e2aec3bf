"""The web pages: server-rendered, no script, no CDN; they work with JavaScript off and print.

Pages: sign-in, studies, a study (recipients, overdue visits, open alerts), a recipient (typings,
DSA by visit, the MFI timeline as a server-made SVG, ``plot``), the lab's upload page and the
alerts inbox. Who may see what: ``auth`` (the API's roles and study scopes, for people).
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask

from .. import config
from . import (  # noqa: F401  (register the views)
    account,
    alerts,
    coordination,
    enrolment,
    password_reset,
    recipients,
    reports,
    sera,
    sign_in,
    studies,
    uploads,
)
from .blueprint import blueprint

__all__ = ["blueprint", "init_app"]

log = logging.getLogger(__name__)
SESSION_LIFETIME = dt.timedelta(hours=8)  # a working day: sign in again the next morning


def init_app(app: Flask) -> None:
    """Register the pages; the session cookie: HttpOnly, SameSite=Lax, Secure on https, 8 h."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if str(app.config.get("BASE_URL", "")).startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    if app.config.get("PERMANENT_SESSION_LIFETIME") == dt.timedelta(days=31):  # Flask's default
        app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    if app.config.get("SECRET_KEY") == config.DEFAULTS["SECRET_KEY"] and not app.testing:
        log.warning(
            "DSA_MONITOR_SECRET_KEY is the built-in development value: anyone can forge "
            "a sign-in cookie; set a long random secret before users sign in"
        )
    app.register_blueprint(blueprint)
