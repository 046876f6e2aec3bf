"""Web users: an e-mail, a salted password hash, a role and an optional study scope.

Roles and scopes mean what they mean for API tokens (``tokens.TOKEN_ROLES``). Repeated wrong
passwords lock the account for a while; the lockout is counted here, under the write lock, so two
sign-in attempts at once cannot both slip under the limit.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import (
    AccountLocked,
    Conflict,
    DSAMonitorError,
    NotFound,
    SignInRefused,
    WeakPassword,
)
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows
from .studies import get_study
from .tokens import TOKEN_ROLES
from .transaction import inserted_id

USER_ROLES = TOKEN_ROLES
MIN_PASSWORD_LENGTH = 12
MAX_FAILED_SIGN_INS = 5  # consecutive wrong passwords before the account is locked
LOCKOUT = dt.timedelta(minutes=15)
# scrypt (werkzeug's default): memory-hard, salted; the parameters are kept in the hash itself.
PASSWORD_METHOD = "scrypt"

_USER_SQL = """
SELECT u.id, u.email, u.role, u.study_id, s.code AS study_code, u.failed_sign_ins,
       u.locked_until, u.last_sign_in_at, u.disabled_at, u.password_changed_at, u.created_at,
       u.created_by
FROM users u LEFT JOIN studies s ON s.id = u.study_id
"""


def create_user(
    db: Database,
    email: str,
    role: str,
    *,
    password: str,
    study: int | str | None = None,
    user: str,
) -> dict:
    """Add a web user; only the password's salted scrypt hash is kept."""
    email = email.strip()
    if role not in USER_ROLES:
        raise DSAMonitorError(f"role {role!r} is not one of {', '.join(USER_ROLES)}", role=role)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise DSAMonitorError(f"{email!r} is not an e-mail address", email=email)
    check_password_strength(password)
    password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    with write_transaction(db):
        study_id = None if study is None else get_study(db, study)["id"]
        try:
            cursor = db.conn.execute(
                "INSERT INTO users (email, role, study_id, password_hash, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (email, role, study_id, password_hash, utc_now(), user),
            )
        except sqlite3.IntegrityError as error:
            raise Conflict(f"a user {email!r} already exists", email=email) from error
        user_id = inserted_id(cursor)
        audit.record(
            db,
            user=user,
            action="create",
            entity="user",
            entity_id=user_id,
            details={"email": email, "role": role, "study_id": study_id},
        )
    return get_user(db, user_id)


def get_user(db: Database, user_id: int) -> dict:
    """One user's record (never the password hash)."""
    rows = select_rows(db, _USER_SQL + " WHERE u.id = ?", [user_id])
    if not rows:
        raise NotFound(f"no user {user_id}", user_id=user_id)
    return rows[0]


def list_users(db: Database) -> list[dict]:
    """Users by e-mail."""
    return select_rows(db, _USER_SQL + " ORDER BY u.email")


def find_user(db: Database, email: str) -> dict:
    """One user by e-mail address (case-insensitive, as they sign in)."""
    rows = select_rows(db, _USER_SQL + " WHERE u.email = ?", [email.strip()])
    if not rows:
        raise NotFound(f"no user {email.strip()!r}", email=email.strip())
    return rows[0]


def set_disabled(db: Database, email: str, disabled: bool, *, user: str) -> dict:
    """Disable an account (its sessions end at their next request) or enable it again; enabling
    also lifts a lockout."""
    with write_transaction(db):
        found = find_user(db, email)
        db.conn.execute(
            "UPDATE users SET disabled_at = ?, failed_sign_ins = 0, locked_until = NULL WHERE id = ?",
            (utc_now() if disabled else None, found["id"]),
        )
        audit.record(
            db,
            user=user,
            action="disable" if disabled else "enable",
            entity="user",
            entity_id=found["id"],
            details={"email": found["email"]},
        )
    return get_user(db, found["id"])


def set_password(db: Database, email: str, password: str, *, user: str) -> dict:
    """A new password (an administrator's reset, or the user's own change)."""
    check_password_strength(password)
    password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    with write_transaction(db):
        found = find_user(db, email)
        replace_password_hash(db, found["id"], password_hash)
        audit.record(
            db,
            user=user,
            action="set_password",
            entity="user",
            entity_id=found["id"],
            details={"email": found["email"]},
        )
    return get_user(db, found["id"])


def replace_password_hash(db: Database, user_id: int, password_hash: str) -> None:
    """The one way a password changes (in the caller's transaction): lifts a lockout, ends every
    session signed in with the old password and every reset link not yet used, so that whoever
    held either loses it with the old password."""
    now = utc_now()
    db.conn.execute(
        "UPDATE users SET password_hash = ?, password_changed_at = ?, failed_sign_ins = 0,"
        " locked_until = NULL WHERE id = ?",
        (password_hash, now, user_id),
    )
    db.conn.execute(
        "UPDATE web_sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL", (now, user_id)
    )
    db.conn.execute(
        "UPDATE password_resets SET ended_at = ? WHERE user_id = ? AND used_at IS NULL AND ended_at IS NULL",
        (now, user_id),
    )


def check_password_strength(password: str) -> None:
    """The one strength rule, wherever a password is chosen (CLI, reset link, account page)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def sign_in(db: Database, email: str, password: str, *, now: dt.datetime | None = None) -> dict:
    """The user whose password this is; counts failures and locks after too many in a row."""
    return _prove_password(db, email, password, action="sign_in", now=now)


def check_password(db: Database, email: str, password: str, *, now: dt.datetime | None = None) -> dict:
    """A signed-in user proving the current password (the account page, before a change): the
    same failure count and lockout as a sign-in, so an open session cannot be used to try
    passwords, but audited as what it is ("password_check", "password_check_failed"), not as a
    sign-in, and the last sign-in is left as it was."""
    return _prove_password(db, email, password, action="password_check", now=now)


def _prove_password(db: Database, email: str, password: str, *, action: str, now: dt.datetime | None) -> dict:
    """The one password check: ``action`` names its audit rows (``action``, ``action_failed``)."""
    now = now or dt.datetime.now(dt.UTC)
    refusal: SignInRefused | None = None
    with write_transaction(db):
        row = db.conn.execute(
            "SELECT id, password_hash, failed_sign_ins, locked_until, disabled_at FROM users WHERE email = ?",
            (email.strip(),),
        ).fetchone()
        user_id, password_hash, failures, locked_until, disabled = row or (None, None, 0, None, None)
        locked = locked_until is not None and dt.datetime.fromisoformat(locked_until) > now
        if row is None or disabled is not None or locked:
            # Spend the time of a real check, so that timing does not tell who exists.
            check_password_hash(password_hash or _dummy_hash(), password)
            reason = "unknown address" if row is None else "disabled" if disabled else "locked"
            refusal = _locked(str(locked_until)) if reason == "locked" else SignInRefused(WRONG_PASSWORD)
            audit.record(
                db,
                user=email.strip()[:200],
                action=f"{action}_failed",
                entity="user",
                entity_id=user_id,
                details={"reason": reason},
            )
        elif check_password_hash(str(password_hash), password):
            db.conn.execute(
                "UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = ?", (user_id,)
            )
            if action == "sign_in":
                db.conn.execute(
                    "UPDATE users SET last_sign_in_at = ? WHERE id = ?", (now.isoformat(), user_id)
                )
            audit.record(db, user=email, action=action, entity="user", entity_id=user_id)
        else:
            # The count is committed before the refusal is raised (raising inside would roll back).
            failures += 1
            lock = (now + LOCKOUT).isoformat() if failures >= MAX_FAILED_SIGN_INS else None
            db.conn.execute(
                "UPDATE users SET failed_sign_ins = ?, locked_until = ? WHERE id = ?",
                (0 if lock else failures, lock, user_id),
            )
            audit.record(
                db,
                user=email,
                action=f"{action}_failed",
                entity="user",
                entity_id=user_id,
                details={"locked_until": lock},
            )
            refusal = _locked(lock) if lock else SignInRefused(WRONG_PASSWORD)
    if refusal is not None:
        raise refusal
    assert user_id is not None  # a refusal was raised for an unknown address
    return get_user(db, user_id)


# One answer for every refusal, so that it never tells which addresses have an account.
WRONG_PASSWORD = (
    f"wrong e-mail address or password ({MAX_FAILED_SIGN_INS} wrong passwords in a"
    f" row lock an account for {LOCKOUT.seconds // 60} minutes)"
)


def _locked(until: str) -> AccountLocked:
    """A locked account is told so, and until when: the person waits, or asks an administrator,
    rather than trying passwords that cannot work. (Only an account that exists can be locked:
    five wrong passwords tell that the address has an account; the lock itself still holds.)"""
    when = dt.datetime.fromisoformat(until).astimezone(dt.UTC)
    return AccountLocked(
        f"this account is locked after {MAX_FAILED_SIGN_INS} wrong passwords in a row, until"
        f" {when:%Y-%m-%d %H:%M} UTC: try again then, or ask an administrator to unlock it",
        locked_until=until,
    )


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not anyone's password", method=PASSWORD_METHOD)
