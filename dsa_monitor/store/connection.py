"""Connections to the one SQLite file: WAL, a busy timeout, foreign keys, IMMEDIATE writes."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from ..config import settings_of
from .pool import ConnectionPool, file_identity
from .schema import migrate as apply_migrations
from .transaction import write_transaction  # noqa: F401  (where callers have found it)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
_NOT_FILES = {":memory:", ""}  # a database of its own per connection: never pooled


def open_database(
    path: str | Path,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    migrate: bool = True,
    any_thread: bool = False,
) -> Database:
    """Open (creating if needed) the database file, set for several writers, schema up to date.
    ``any_thread``: usable from another thread than this one, one at a time (``pool``)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: the driver opens no implicit (DEFERRED) transactions; every write
    # transaction is begun explicitly by ``write_transaction`` as IMMEDIATE.
    conn = sqlite3.connect(
        str(path),
        timeout=busy_timeout_ms / 1000,
        isolation_level=None,
        check_same_thread=not any_thread,
    )
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


def database_file(db: Database) -> str | None:
    """The file ``db`` is open on, or None for a database of its own (in memory, temporary)."""
    for _, name, path in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return path or None
    return None


def open_reader(path: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    """A read-only connection to an existing database file (a helper process reads what the
    writer has committed; it can write nothing, create nothing, migrate nothing)."""
    conn = sqlite3.connect(
        f"{Path(path).resolve().as_uri()}?mode=ro",
        uri=True,
        timeout=busy_timeout_ms / 1000,
        isolation_level=None,
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA query_only = ON")
    return Database(conn, execute_plugins=False)


@contextlib.contextmanager
def checkpoint_after(db: Database) -> Iterator[None]:
    """Writes inside whose commits leave the WAL to a checkpoint run after them by a thread on a
    connection of its own (PASSIVE: it waits for no one), not by the committing call: SQLite's
    automatic checkpoint copies the whole WAL back into the file at the commit that passes its
    threshold, 0.2 s after a 10,000-recipient evaluation, while the caller waits. SQLite runs
    it without Python's lock, beside whatever the caller does next."""
    path = database_file(db)
    if path is None:
        yield
        return
    (kept,) = db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()
    db.conn.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        db.conn.execute(f"PRAGMA wal_autocheckpoint = {int(kept)}")
        threading.Thread(target=_checkpoint, args=(path,), name="wal-checkpoint", daemon=True).start()


def _checkpoint(path: str) -> None:
    try:
        uri = f"{Path(path).as_uri()}?mode=rw"  # the file as it is: never one made anew
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()
    except sqlite3.Error as error:  # the next commit's automatic checkpoint does it then
        log.warning("WAL checkpoint of %s left to the next commit: %s", path, error)


def utc_now() -> str:
    """The time stamp every row carries: UTC, ISO 8601, microseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def init_app(app) -> None:
    """Register the store with a Flask app: one connection per app context, taken from the
    app's pool of idle connections (``pool``) and given back at teardown."""
    app.extensions["dsa_store"] = {"migrated": set(), "pool": ConnectionPool()}
    app.teardown_appcontext(close_db)


def release_connections(app) -> None:
    """Close the app's idle connections (its pool closes them too when the app is collected)."""
    app.extensions["dsa_store"]["pool"].close()


def get_db() -> Database:
    """The current app context's connection: an idle one of the app's, else opened (and the
    schema migrated once per app and file) on first use."""
    from flask import current_app, g

    if "dsa_db" not in g:
        path = str(settings_of(current_app).database)
        state = current_app.extensions["dsa_store"]
        identity = file_identity(path)
        db = state["pool"].take(path, identity) if path not in _NOT_FILES else None
        if db is None:  # migrated once per file: a file put in place of another is migrated too
            db = open_database(path, migrate=(path, identity) not in state["migrated"], any_thread=True)
            identity = file_identity(path)
            state["migrated"].add((path, identity))
        g.dsa_db, g.dsa_db_file = db, (path, identity)
    return g.dsa_db


def close_db(exception: BaseException | None = None) -> None:
    """Give the app context's connection back to the app's pool (it closes what it cannot keep)."""
    from flask import current_app, g

    db = g.pop("dsa_db", None)
    if db is None:
        return
    path, identity = g.pop("dsa_db_file")
    if path in _NOT_FILES:
        db.close()
        return
    current_app.extensions["dsa_store"]["pool"].give(path, identity, db)


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
