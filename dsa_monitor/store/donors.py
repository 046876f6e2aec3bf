"""Donors: cord units, living and deceased donors, each known by one code."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from ..errors import Conflict, DSAMonitorError, NotFound
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows
from .schema import DONOR_KINDS
from .studies import get_study
from .transaction import inserted_id


def create_donor(db: Database, code: str, *, kind: str, user: str, study: int | str | None = None) -> dict:
    """Register a donor by its code and kind (cord, living, deceased, other), for one study or
    (``study`` None) for any."""
    if kind not in DONOR_KINDS:
        raise DSAMonitorError(f"donor kind {kind!r} is not one of {', '.join(DONOR_KINDS)}")
    with write_transaction(db):
        study_id = None if study is None else get_study(db, study)["id"]
        try:
            cursor = db.conn.execute(
                "INSERT INTO donors (code, kind, study_id, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                (code, kind, study_id, utc_now(), user),
            )
        except sqlite3.IntegrityError as error:
            raise Conflict(f"donor {code!r} already exists", donor=code) from error
        donor_id = inserted_id(cursor)
        audit.record(
            db,
            user=user,
            action="create",
            entity="donor",
            entity_id=donor_id,
            details={"code": code, "kind": kind, "study_id": study_id},
        )
    return get_donor(db, donor_id)


def get_donor(db: Database, donor: int | str) -> dict:
    """One donor by id or code."""
    column = "id" if isinstance(donor, int) else "code"
    rows = select_rows(db, f"SELECT * FROM donors WHERE {column} = ?", [donor])
    if not rows:
        raise NotFound(f"no donor {donor!r}", donor=donor)
    return rows[0]


def list_donors(db: Database) -> list[dict]:
    """All donors, by code."""
    return select_rows(db, "SELECT * FROM donors ORDER BY code")


def donor_study_ids(db: Database, donor_id: int) -> set[int]:
    """The studies whose recipients were exposed to this donor (empty: not yet linked)."""
    rows = db.conn.execute(
        "SELECT DISTINCT r.study_id FROM exposure_donors d"
        " JOIN exposures e ON e.id = d.exposure_id JOIN recipients r ON r.id = e.recipient_id"
        " WHERE d.donor_id = ?",
        (donor_id,),
    ).fetchall()
    return {int(row[0]) for row in rows}


def seen_by_study(db: Database, donor: dict, study_id: int | None) -> bool:
    """Whether a caller scoped to ``study_id`` (None: every study) sees the donor: the donors its
    recipients were exposed to, and those registered for its study and not yet linked."""
    if study_id is None:
        return True
    return study_id in (donor_study_ids(db, donor["id"]) or {donor["study_id"]})
