"""Forgotten passwords: ask for a link by e-mail, follow it, choose a new password.

The door parses the forms and shows the answers; the request, its rate limit and its e-mail are
``alerts.password_reset`` (queued in the outbox, sent by the scheduler), the link's rules are
``store.password_resets``. Asking always gets the same answer, whether or not the address has an
account (no enumeration); only the hourly limit per address answers otherwise, for every address.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, redirect, render_template, request, session, url_for

from ..alerts.mailer import MailSettings
from ..alerts.password_reset import queue_password_reset
from ..config import settings_of
from ..errors import ResetLinkRefused, TooManyResetRequests, WeakPassword
from ..store import get_db, password_resets, users
from .blueprint import blueprint


@blueprint.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link: one answer for every address."""
    settings = settings_of(current_app)
    minutes = round(settings.password_reset_minutes)
    if request.method != "POST":
        return render_template("forgot_password.html", email="", sent=False, minutes=minutes)
    email = request.form.get("email", "").strip()
    if "@" not in email:
        return render_template(
            "forgot_password.html",
            email=email,
            sent=False,
            minutes=minutes,
            message="give the e-mail address you sign in with",
        ), 400
    try:
        queue_password_reset(
            get_db(),
            email,
            MailSettings.from_config(current_app.config),
            lifetime=dt.timedelta(minutes=settings.password_reset_minutes),
            per_hour=settings.password_resets_per_hour,
        )
    except TooManyResetRequests as refusal:
        return render_template(
            "forgot_password.html", email=email, sent=False, minutes=minutes, message=refusal.message
        ), refusal.status
    return render_template("forgot_password.html", email=email, sent=True, minutes=minutes)


@blueprint.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The e-mailed link: a form for the new password while the link works, else why it does not."""
    db = get_db()
    try:
        user = password_resets.open_link(db, token)
    except ResetLinkRefused as refusal:
        return render_template("reset_refused.html", message=refusal.message), refusal.status
    if request.method != "POST":
        return _new_password_form(token, user["email"])
    password = request.form.get("password", "")
    message = None
    if password != request.form.get("repeat", ""):
        message = "the two passwords differ: type the same new password twice"
    else:
        try:
            password_resets.reset_password(db, token, password)
        except WeakPassword as weak:
            message = weak.message
        except ResetLinkRefused as refusal:  # used up meanwhile
            return render_template("reset_refused.html", message=refusal.message), refusal.status
    if message is not None:
        return _new_password_form(token, user["email"], message), 400
    session.clear()  # every session of the user has ended; this browser signs in afresh
    return redirect(url_for("web.sign_in", reset="done"))


def _new_password_form(token: str, email: str, message: str | None = None) -> str:
    return render_template(
        "reset_password.html", token=token, email=email, message=message, min_length=users.MIN_PASSWORD_LENGTH
    )
