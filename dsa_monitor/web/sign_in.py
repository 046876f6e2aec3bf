"""Signing in and out; the home page sends each role where its work is."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ..store import get_db, users
from . import auth
from .blueprint import blueprint


@blueprint.route("/")
def home():
    """Lab users start at the upload page, everyone else at the alerts inbox."""
    user = auth.current_user()
    if user is None:
        return redirect(url_for("web.sign_in"))
    if user.may("upload"):
        return redirect(url_for("web.upload_page"))
    return redirect(url_for("web.alerts_inbox"))


PASSWORD_RESET_DONE = "Your new password is set and every earlier session has ended: sign in with it."


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; a wrong password says so without saying whether the address exists."""
    next_page = request.values.get("next", "")
    if request.method != "POST":  # GET, and HEAD (a link checker): never a sign-in attempt
        notice = PASSWORD_RESET_DONE if request.args.get("reset") == "done" else None
        return render_template("sign_in.html", next_page=next_page, email="", message=None, notice=notice)
    email = request.form.get("email", "").strip()
    try:
        row = users.sign_in(get_db(), email, request.form.get("password", ""))
    except users.SignInRefused as refusal:
        return render_template(
            "sign_in.html", next_page=next_page, email=email, message=refusal.message
        ), refusal.status
    auth.start_session(row)
    return redirect(auth.safe_next(next_page))


@blueprint.route("/sign-out", methods=["POST"])
def sign_out():
    """Sign out, ending the session on the server."""
    auth.end_session()
    return redirect(url_for("web.sign_in"))
