"""One all-or-nothing write, for every store module and the migrations alike."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from sqlite_utils import Database


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One all-or-nothing write: BEGIN IMMEDIATE takes the write lock up front (no deadlock).

    Nested use joins the outer transaction through a savepoint, so store functions compose.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made (``lastrowid``, never None after an insert)."""
    row_id = cursor.lastrowid
    if row_id is None:
        raise RuntimeError("no row was inserted")
    return row_id
