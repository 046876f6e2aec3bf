"""Rows of a read as dicts, straight from the driver.

Why not ``Database.query``: sqlite-utils runs every query inside a savepoint (begun and released
around it) so that a statement that returns no rows can be rolled back; a ``SELECT`` has nothing
to roll back, and on the small reads every request makes (its token, its recipient) the two extra
statements cost as much as the read. Every read of the store goes through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import dedupe_keys


def select_rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every row of a ``SELECT`` as a dict keyed by column name (a name given twice: the later
    ones renamed ``_2``, ``_3``... as ``Database.query`` renames them)."""
    cursor = db.conn.execute(sql, params)
    keys = dedupe_keys(column[0] for column in cursor.description)
    return [dict(zip(keys, row, strict=True)) for row in cursor]
