"""Leases (only one process runs the scheduled jobs) and watermarks (how far each job has read)."""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from .connection import utc_now, write_transaction
from .rows import select_rows


def _later(seconds: float) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return moment.isoformat(timespec="microseconds")


def acquire_lease(db: Database, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease if it is free, expired or already ours; True when we hold it."""
    now = utc_now()
    with write_transaction(db):
        row = db.conn.execute("SELECT holder, expires_at FROM leases WHERE name = ?", (name,)).fetchone()
        if row is not None and row[0] != holder and row[1] > now:
            return False
        if row is None or row[0] != holder:
            db.conn.execute(
                "INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at",
                (name, holder, now, _later(seconds)),
            )
        else:
            db.conn.execute("UPDATE leases SET expires_at = ? WHERE name = ?", (_later(seconds), name))
    return True


def release_lease(db: Database, name: str, holder: str) -> None:
    """Give the lease up (only if we hold it), so a waiting process takes over at once."""
    with write_transaction(db):
        db.conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))


def lease_holder(db: Database, name: str) -> dict | None:
    """Who holds a lease and until when (None if nobody ever took it)."""
    rows = select_rows(db, "SELECT * FROM leases WHERE name = ?", [name])
    return rows[0] if rows else None


def get_watermark(db: Database, name: str, default: str = "0") -> str:
    """How far an incremental job has read."""
    row = db.conn.execute("SELECT value FROM watermarks WHERE name = ?", (name,)).fetchone()
    return default if row is None else row[0]


def set_watermark(db: Database, name: str, value: str) -> None:
    """Move a job's watermark (in the caller's transaction, with the work it covers)."""
    with write_transaction(db):
        db.conn.execute(
            "INSERT INTO watermarks (name, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at",
            (name, value, utc_now()),
        )
