"""Connections to the one SQLite file: WAL, a busy timeout, foreign keys, IMMEDIATE writes."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from ..config import settings_of
from .schema import migrate as apply_migrations
from .transaction import write_transaction  # noqa: F401  (where callers have found it)

BUSY_TIMEOUT_MS = 10_000


def open_database(
    path: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, migrate: bool = True
) -> Database:
    """Open (creating if needed) the database file, set for several writers, schema up to date."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: the driver opens no implicit (DEFERRED) transactions; every write
    # transaction is begun explicitly by ``write_transaction`` as IMMEDIATE.
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None)
    db = Database(conn, execute_plugins=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if db.journal_mode != "wal":
        db.enable_wal()
    # In WAL mode NORMAL keeps the file consistent after a crash and costs no fsync per commit.
    conn.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        apply_migrations(db)
    return db


def utc_now() -> str:
    """The time stamp every row carries: UTC, ISO 8601, microseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def init_app(app) -> None:
    """Register the store with a Flask app: one connection per app context, closed at teardown."""
    app.extensions["dsa_store"] = {"migrated": set()}
    app.teardown_appcontext(close_db)


def get_db() -> Database:
    """The current app context's connection, opened (and the schema migrated once) on first use."""
    from flask import current_app, g

    if "dsa_db" not in g:
        path = str(settings_of(current_app).database)
        state = current_app.extensions["dsa_store"]
        g.dsa_db = open_database(path, migrate=path not in state["migrated"])
        state["migrated"].add(path)
    return g.dsa_db


def close_db(exception: BaseException | None = None) -> None:
    """Close the app context's connection if one was opened."""
    from flask import g

    db = g.pop("dsa_db", None)
    if db is not None:
        db.close()


# SQLite's words for a store that cannot take writes now: the caller can do nothing but wait.
STORAGE_FAULTS = ("disk i/o error", "database or disk is full", "readonly database", "database is locked")


def storage_fault(error: Exception) -> str | None:
    """What to tell a caller when the database cannot be written (None: another error)."""
    if isinstance(error, sqlite3.OperationalError) and any(
        fault in str(error).lower() for fault in STORAGE_FAULTS
    ):
        return (
            "the database cannot be written now (disk full, read-only or busy): nothing of"
            " this request was stored; try again once the administrator has fixed it"
        )
    return None
