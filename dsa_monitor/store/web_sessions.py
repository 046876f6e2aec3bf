"""Page sessions held on the server: the cookie names one; signing out ends it here.

Flask's session cookie is signed, not stored: before this, signing out only cleared the browser's
copy, and a copied cookie went on working for its 8 hours. Now a session is a row: the cookie
carries a random token, the table its SHA-256 (a leaked database gives no usable cookie), and a
session ended (signed out) or of a user disabled is refused on the next request.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from .connection import utc_now, write_transaction


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Database, user_id: int) -> str:
    """A new session of the user: the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.conn.execute(
            "INSERT INTO web_sessions (token_sha256, user_id, created_at) VALUES (?, ?, ?)",
            (_digest(token), user_id, utc_now()),
        )
    return token


def user_of(db: Database, token: str | None) -> int | None:
    """The user of a session still open, else None (ended, or never made here)."""
    if not token:
        return None
    row = db.conn.execute(
        "SELECT user_id FROM web_sessions WHERE token_sha256 = ? AND ended_at IS NULL", (_digest(token),)
    ).fetchone()
    return None if row is None else int(row[0])


def end(db: Database, token: str | None) -> None:
    """End the session (signing out): its cookie, wherever copied, no longer signs anyone in."""
    if not token:
        return
    with write_transaction(db):
        db.conn.execute(
            "UPDATE web_sessions SET ended_at = ? WHERE token_sha256 = ? AND ended_at IS NULL",
            (utc_now(), _digest(token)),
        )
