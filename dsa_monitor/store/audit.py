"""The audit log: who wrote what, to which entity, when. Every store write calls ``record``."""

from __future__ import annotations

import json

from sqlite_utils import Database

from .connection import utc_now
from .rows import select_rows
from .transaction import inserted_id


def record(
    db: Database,
    *,
    user: str,
    action: str,
    entity: str,
    entity_id: int | None,
    details: dict | None = None,
) -> int:
    """Append one audit entry inside the caller's transaction; return its id."""
    cursor = db.conn.execute(
        "INSERT INTO audit_log (at, user, action, entity, entity_id, details) VALUES (?, ?, ?, ?, ?, ?)",
        (utc_now(), user, action, entity, entity_id, json.dumps(details or {}, default=str)),
    )
    return inserted_id(cursor)


def list_audit(
    db: Database,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    user: str | None = None,
    since: str | None = None,
    limit: int = 100,
) -> list[dict]:
    """Audit entries, newest first, optionally for one entity, one actor, or from a time on."""
    where, params = [], []
    for clause, value in (
        ("entity = ?", entity),
        ("entity_id = ?", entity_id),
        ("user = ?", user),
        ("at >= ?", since),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = "SELECT * FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    rows = select_rows(db, sql, [*params, limit])
    for row in rows:
        row["details"] = json.loads(row["details"])
    return rows
