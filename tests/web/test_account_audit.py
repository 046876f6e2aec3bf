"""The account page's check of the current password is audited as a password check, not as a
sign-in: the audit log answers "who signed in when" without counting password changes, and the
user's last sign-in stays the time they signed in. The lockout it shares with sign-in:
tests/web/test_users.py."""

from __future__ import annotations

from dsa_monitor import store
from dsa_monitor.store import users

NEW = "a new and longer passphrase"


def actions(db, email: str) -> list[str]:
    """The user's own audit actions about users, oldest first."""
    return [row["action"] for row in reversed(store.list_audit(db, entity="user", user=email))]


def test_the_current_password_check_is_audited_as_a_password_check(signed_in, db, csrf_of, password):
    client = signed_in("clinician")
    email = "clinician-all@example.org"
    signed_in_at = users.find_user(db, email)["last_sign_in_at"]
    assert actions(db, email) == ["sign_in"]

    def change(current: str):
        token = csrf_of(client.get("/account").text)
        return client.post(
            "/account", data={"csrf_token": token, "current": current, "password": NEW, "repeat": NEW}
        )

    assert change("not my password").status_code == 401
    assert change(password).status_code == 200
    assert actions(db, email) == ["sign_in", "password_check_failed", "password_check", "set_password"]
    account = users.find_user(db, email)
    assert account["last_sign_in_at"] == signed_in_at  # a check is not a sign-in
    assert account["failed_sign_ins"] == 0
