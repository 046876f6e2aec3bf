"""API tokens: a name, a role, an optional study scope; only the secret's sha256 is kept.

The secret is shown once, when created. A revoked token stays (for the audit trail) and its name
may be given to a new token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3

from sqlite_utils import Database

from ..errors import Conflict, DSAMonitorError, NotFound
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows
from .studies import get_study
from .transaction import inserted_id

# The roles a token may have; what each may do is the API's table (``readings.permissions.PERMISSIONS``).
TOKEN_ROLES = ("lab", "clinician", "integration", "admin", "coordinator")

_TOKEN_COLUMNS = (
    "t.id, t.name, t.role, t.study_id, s.code AS study_code, t.created_at, t.created_by,"
    " t.revoked_at, t.revoked_by"
)
_TOKEN_FROM = " FROM api_tokens t LEFT JOIN studies s ON s.id = t.study_id"
_TOKEN_SQL = f"SELECT {_TOKEN_COLUMNS}{_TOKEN_FROM}"


def digest(secret: str) -> str:
    """The stored form of a secret: its sha256, hex (a 256-bit random secret needs no salt)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    db: Database, name: str, role: str, *, study: int | str | None = None, user: str
) -> tuple[dict, str]:
    """A new token; returns its record and the secret, which is not kept and cannot be shown again."""
    if role not in TOKEN_ROLES:
        raise DSAMonitorError(f"role {role!r} is not one of {', '.join(TOKEN_ROLES)}", role=role)
    if not name.strip():
        raise DSAMonitorError("a token needs a name")
    secret = secrets.token_urlsafe(32)
    with write_transaction(db):
        study_id = None if study is None else get_study(db, study)["id"]
        try:
            cursor = db.conn.execute(
                "INSERT INTO api_tokens (name, role, study_id, token_sha256, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (name, role, study_id, digest(secret), utc_now(), user),
            )
        except sqlite3.IntegrityError as error:
            raise Conflict(f"an active token is already named {name!r}", name=name) from error
        token_id = inserted_id(cursor)
        audit.record(
            db,
            user=user,
            action="create",
            entity="token",
            entity_id=token_id,
            details={"name": name, "role": role, "study_id": study_id},
        )
    return get_token(db, token_id), secret


def revoke_token(db: Database, name: str, *, user: str) -> dict:
    """Revoke the active token of this name: from now on it authenticates nothing."""
    with write_transaction(db):
        row = db.conn.execute(
            "SELECT id FROM api_tokens WHERE name = ? AND revoked_at IS NULL", (name,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no active token named {name!r}", name=name)
        db.conn.execute(
            "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?",
            (utc_now(), user, row[0]),
        )
        audit.record(
            db,
            user=user,
            action="revoke",
            entity="token",
            entity_id=int(row[0]),
            details={"name": name},
        )
    return get_token(db, int(row[0]))


def get_token(db: Database, token_id: int) -> dict:
    """One token's record (never its secret or digest)."""
    rows = select_rows(db, _TOKEN_SQL + " WHERE t.id = ?", [token_id])
    if not rows:
        raise NotFound(f"no token {token_id}", token_id=token_id)
    return rows[0]


def list_tokens(db: Database, *, include_revoked: bool = False) -> list[dict]:
    """Tokens by name, active ones only unless asked."""
    where = "" if include_revoked else " WHERE t.revoked_at IS NULL"
    return select_rows(db, _TOKEN_SQL + where + " ORDER BY t.name, t.id")


def find_token(db: Database, secret: str) -> dict | None:
    """The active token whose secret this is, or None."""
    wanted = digest(secret)
    rows = select_rows(
        db,
        f"SELECT t.token_sha256, {_TOKEN_COLUMNS}{_TOKEN_FROM}"
        " WHERE t.token_sha256 = ? AND t.revoked_at IS NULL",
        [wanted],
    )
    if not rows or not hmac.compare_digest(rows[0].pop("token_sha256"), wanted):
        return None
    return rows[0]
