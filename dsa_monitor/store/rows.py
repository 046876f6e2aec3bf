"""Rows of a read as dicts, straight from the driver.

Why not ``Database.query``: sqlite-utils runs every query inside a savepoint (begun and released
around it) so that a statement that returns no rows can be rolled back; a plain ``SELECT`` has
nothing to roll back, and on the reads every API request makes (its token, its recipient) the two
extra statements cost as much as the read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database


def select_rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every row of a ``SELECT`` as a dict keyed by column name."""
    cursor = db.conn.execute(sql, params)
    keys = [column[0] for column in cursor.description]
    return [dict(zip(keys, row, strict=True)) for row in cursor]
