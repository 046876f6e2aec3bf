"""Who is signed in: a session cookie names the user; roles and study scopes as for API tokens.

Permissions are the API's one table (``readings.permissions.PERMISSIONS``): a person and a token of the same
role may do the same things.

CSRF: every POST of the pages must carry the session's token in a hidden ``csrf_token`` field
(the synchroniser-token pattern, checked with a constant-time comparison). We write these ~20
lines rather than add Flask-WTF: its CSRFProtect does the same check but brings WTForms, which
the pages do not use (the forms are a file field, two selects and a button); our check has one
behaviour to test and nothing to configure. The cookie is HttpOnly and SameSite=Lax as well.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from ..errors import CSRFFailure, Forbidden, NotFound
from ..readings.permissions import PERMISSIONS
from ..store import get_db, users, web_sessions
from ..store.connection import utc_now

__all__ = ["PERMISSIONS", "WebUser", "check_study", "current_user", "signed_in", "signed_in_user"]


@dataclass(frozen=True, slots=True)
class WebUser:
    """The signed-in user: the e-mail goes into the audit log as the actor."""

    id: int
    email: str
    role: str
    study_id: int | None
    study_code: str | None

    def may(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def sees_study(self, study_id: int) -> bool:
        return self.study_id is None or self.study_id == study_id


def start_session(row: dict) -> None:
    """Sign a user in: a fresh session (no fixation), held on the server, a fresh CSRF token."""
    session.clear()
    session.permanent = True
    session["user_id"] = row["id"]
    session["sid"] = web_sessions.start(get_db(), row["id"])
    session["signed_in_at"] = utc_now()
    session["csrf"] = secrets.token_urlsafe(32)


def end_session() -> None:
    """Sign out: the session ends on the server too (a copied cookie no longer works)."""
    web_sessions.end(get_db(), session.get("sid"))
    session.clear()


def current_user() -> WebUser | None:
    """The signed-in user of this request, or None; a user deleted or disabled meanwhile, or whose
    password was set again since this session signed in, is out."""
    if "web_user" in g:
        return g.web_user
    user = None
    user_id = session.get("user_id")
    if user_id is not None and web_sessions.user_of(get_db(), session.get("sid")) != user_id:
        user_id = None  # signed out (here or wherever the cookie was copied from), or forged
        session.clear()
    if user_id is not None:
        try:
            row = users.get_user(get_db(), int(user_id))
        except NotFound:
            row = None
        changed = None if row is None else row["password_changed_at"]
        if (
            row is not None
            and row["disabled_at"] is None
            and (changed is None or session.get("signed_in_at", "") > changed)
        ):
            user = WebUser(row["id"], row["email"], row["role"], row["study_id"], row["study_code"])
        else:
            session.clear()
    g.web_user = user
    return user


def signed_in(permission: str = "read") -> Callable:
    """A page for signed-in users whose role has ``permission``; others go to the sign-in page."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def page(*args: Any, **kwargs: Any):
            user = current_user()
            if user is None:
                return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")))
            if not user.may(permission):
                raise Forbidden(f"your role ({user.role}) may not do this ({permission})")
            return view(*args, **kwargs)

        return page

    return wrap


def signed_in_user() -> WebUser:
    """The signed-in user of a page that requires one (``signed_in``), which therefore never
    meets the refusal (403) given when there is none."""
    user = current_user()
    if user is None:
        raise Forbidden("this page is for signed-in users")
    return user


def check_study(study_id: int, what: str) -> None:
    """Objects outside the user's study scope do not exist for them (404, not 403)."""
    user = current_user()
    if user is None or not user.sees_study(study_id):
        raise NotFound(f"no {what}")


def csrf_token() -> str:
    """The session's CSRF token (made on first use), for the hidden field of every form."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Refuse a POST whose hidden token is missing or not this session's."""
    if request.method != "POST":
        return
    expected = session.get("csrf")
    sent = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CSRFFailure(
            "this form was not sent from a current page of this site; reload the page and send it again"
        )


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.home")
    return target
