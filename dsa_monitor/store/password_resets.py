"""Forgotten passwords: each request, its e-mailed link's token (kept only as SHA-256), its use.

A request for an address without an account is stored too, without a token: the rate limit counts
every request for an address, so neither the answer nor the limit tells which addresses have an
account. A token works once, until it expires, and only while it is the user's latest request and
the password has not changed since (``users.replace_password_hash`` ends the others).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlite_utils import Database
from werkzeug.security import generate_password_hash

from ..errors import ResetLinkRefused
from . import audit, users
from .transaction import write_transaction

RATE_WINDOW = dt.timedelta(hours=1)  # PASSWORD_RESETS_PER_HOUR counts requests in this window


@dataclass(frozen=True, slots=True)
class ResetRequest:
    """What one request made: for an account, the link's token, to e-mail once and never keep."""

    email: str
    token: str | None
    expires_at: dt.datetime
    limited_until: dt.datetime | None = None


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")  # as utc_now writes


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(
    db: Database, email: str, *, lifetime: dt.timedelta, per_hour: int, now: dt.datetime | None = None
) -> ResetRequest:
    """Record one request for ``email`` (audited); an enabled account gets a new token, which ends
    its earlier ones. Over the hour's limit nothing is made and ``limited_until`` says when the
    address may ask again (the caller refuses after its transaction, so the audit row stays)."""
    now = now or dt.datetime.now(dt.UTC)
    email = email.strip()[:200]
    with write_transaction(db):
        recent = [
            row[0]
            for row in db.conn.execute(
                "SELECT requested_at FROM password_resets WHERE email = ? AND requested_at > ?"
                " ORDER BY requested_at",
                (email, _stamp(now - RATE_WINDOW)),
            )
        ]
        if len(recent) >= per_hour:
            until = dt.datetime.fromisoformat(recent[len(recent) - per_hour]) + RATE_WINDOW
            audit.record(
                db,
                user=email,
                action="password_reset_limited",
                entity="user",
                entity_id=None,
                details={"until": _stamp(until)},
            )
            return ResetRequest(email, None, now, limited_until=until)
        account = db.conn.execute(
            "SELECT id, email FROM users WHERE email = ? AND disabled_at IS NULL", (email,)
        ).fetchone()
        user_id, token = (None, None) if account is None else (account[0], secrets.token_urlsafe(32))
        if account is not None:
            email = account[1]  # as the account spells it
            db.conn.execute(
                "UPDATE password_resets SET ended_at = ? WHERE user_id = ? AND"
                " used_at IS NULL AND ended_at IS NULL",
                (_stamp(now), user_id),
            )
        db.conn.execute(
            "INSERT INTO password_resets (email, user_id, token_sha256, requested_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (email, user_id, None if token is None else _digest(token), _stamp(now), _stamp(now + lifetime)),
        )
        audit.record(
            db,
            user=email,
            action="password_reset_requested",
            entity="user",
            entity_id=user_id,
            details={"account": account is not None},
        )
    return ResetRequest(email, token, now + lifetime)


def check_link(db: Database, token: str, *, now: dt.datetime | None = None) -> dict:
    """The user a reset link is for, or ResetLinkRefused saying why it does not work."""
    now = now or dt.datetime.now(dt.UTC)
    row = db.conn.execute(
        "SELECT r.user_id, r.requested_at, r.expires_at, r.used_at, r.ended_at,"
        " u.password_changed_at, u.disabled_at FROM password_resets r"
        " JOIN users u ON u.id = r.user_id WHERE r.token_sha256 = ?",
        (_digest(token),),
    ).fetchone()
    if row is None or row[6] is not None:
        raise ResetLinkRefused(
            "this password reset link is not valid: check that the whole link"
            " was copied, or ask for a new one"
        )
    user_id, requested_at, expires_at, used_at, ended_at, changed_at, _ = row
    if used_at is not None:
        raise ResetLinkRefused(
            "this password reset link has already been used: each link works"
            " once; ask for a new one if you need to"
        )
    if ended_at is not None or (changed_at is not None and changed_at >= requested_at):
        raise ResetLinkRefused(
            "this password reset link was replaced by a later request or a"
            " password change: use the latest e-mail, or ask for a new one"
        )
    if expires_at <= _stamp(now):
        when = dt.datetime.fromisoformat(expires_at)
        raise ResetLinkRefused(
            f"this password reset link expired at {when:%Y-%m-%d %H:%M} UTC: ask for a new one"
        )
    return users.get_user(db, user_id)


def open_link(db: Database, token: str, *, now: dt.datetime | None = None) -> dict:
    """``check_link`` for a visit of the link's page: a refusal is audited (a run of forged
    links shows up in the log) before it is raised."""
    try:
        return check_link(db, token, now=now)
    except ResetLinkRefused as refused:
        with write_transaction(db):
            _audit_refusal(db, refused)
        raise


def _audit_refusal(db: Database, refused: ResetLinkRefused) -> None:
    audit.record(
        db,
        user="anonymous",
        action="password_reset_refused",
        entity="user",
        entity_id=None,
        details={"reason": refused.message},
    )


def reset_password(db: Database, token: str, password: str, *, now: dt.datetime | None = None) -> dict:
    """Set the password of a working link's user and use the link up: every session of the user
    ends, as every other link does (audited). A refused link is audited too."""
    now = now or dt.datetime.now(dt.UTC)
    users.check_password_strength(password)
    password_hash = generate_password_hash(password, method=users.PASSWORD_METHOD)
    with write_transaction(db):
        try:
            user = check_link(db, token, now=now)
        except ResetLinkRefused as refused:
            refusal = refused
            _audit_refusal(db, refused)
        else:
            db.conn.execute(
                "UPDATE password_resets SET used_at = ? WHERE token_sha256 = ?", (_stamp(now), _digest(token))
            )
            users.replace_password_hash(db, user["id"], password_hash)
            audit.record(
                db,
                user=user["email"],
                action="password_reset",
                entity="user",
                entity_id=user["id"],
                details={"email": user["email"]},
            )
            return users.get_user(db, user["id"])
    raise refusal  # after the refusal's audit row is committed
