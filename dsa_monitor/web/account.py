"""The signed-in user's own account: who they are, and a new password.

Changing it proves the current password first (``users.check_password``: the same lockout as a
sign-in after too many wrong ones, so a session left open cannot be used to try passwords, audited
as a password check, not as a sign-in), then ``users.set_password`` ends every other session and
reset link; this browser signs in again with a fresh session.
"""

from __future__ import annotations

from flask import render_template, request

from ..errors import AccountLocked, SignInRefused, WeakPassword
from ..store import get_db, users
from . import auth
from .blueprint import blueprint


@blueprint.route("/account", methods=["GET", "POST"])
@auth.signed_in("read")
def account_page():
    """Who is signed in, and the form to change the password."""
    user = auth.signed_in_user()
    if request.method != "POST":
        return _page(user)
    new = request.form.get("password", "")
    try:
        if new != request.form.get("repeat", ""):
            return _page(user, "the two new passwords differ: type the same one twice"), 400
        users.check_password_strength(new)
        users.check_password(get_db(), user.email, request.form.get("current", ""))
        row = users.set_password(get_db(), user.email, new, user=user.email)
    except SignInRefused as refusal:
        message = (
            "the current password is wrong" if not isinstance(refusal, AccountLocked) else refusal.message
        )
        return _page(user, message), refusal.status
    except WeakPassword as weak:
        return _page(user, weak.message), weak.status
    auth.start_session(row)  # every session has ended with the old password; this one goes on
    return _page(user, changed=True)


def _page(user: auth.WebUser, message: str | None = None, *, changed: bool = False) -> str:
    return render_template(
        "account.html",
        account=users.get_user(get_db(), user.id),
        message=message,
        changed=changed,
        min_length=users.MIN_PASSWORD_LENGTH,
    )
