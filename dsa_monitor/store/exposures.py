"""Exposures: a recipient meets one or more donors' HLA on a date (an infusion or a transplant)."""

from __future__ import annotations

import datetime as dt
import json

from sqlite_utils import Database

from ..errors import Conflict, DSAMonitorError, ImplausibleDate, NotFound
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows
from .schema import EXPOSURE_KINDS
from .transaction import inserted_id

_EXPOSURE_SQL = """
SELECT e.*, (SELECT json_group_array(donor_id) FROM
    (SELECT donor_id FROM exposure_donors WHERE exposure_id = e.id ORDER BY donor_id)) AS donor_ids
FROM exposures e
"""


EARLIEST = dt.date(1900, 1, 1)
PLANNED_AHEAD = dt.timedelta(days=366)  # an infusion may be registered up to a year ahead


def check_exposure_date(date: dt.date, today: dt.date | None = None) -> None:
    """Refuse a date no infusion or transplant can have (a typo such as 0001-01-01 or 2206)."""
    today = today or dt.datetime.now(dt.UTC).date()
    if not EARLIEST <= date <= today + PLANNED_AHEAD:
        raise ImplausibleDate(
            f"exposure date {date.isoformat()} is implausible: give a date from"
            f" {EARLIEST.isoformat()} to {(today + PLANNED_AHEAD).isoformat()}",
            date=date.isoformat(),
        )


def create_exposure(
    db: Database, recipient_id: int, donor_ids: list[int], date: dt.date, kind: str, *, user: str
) -> dict:
    """Record that a recipient received one or more donors' cells or organ on a date."""
    if kind not in EXPOSURE_KINDS:
        raise DSAMonitorError(f"exposure kind {kind!r} is not one of {', '.join(EXPOSURE_KINDS)}")
    if not donor_ids:
        raise DSAMonitorError("an exposure needs at least one donor")
    check_exposure_date(date)
    with write_transaction(db):
        if db.conn.execute("SELECT 1 FROM recipients WHERE id = ?", (recipient_id,)).fetchone() is None:
            raise NotFound(f"no recipient {recipient_id}", recipient_id=recipient_id)
        for donor_id in donor_ids:
            if db.conn.execute("SELECT 1 FROM donors WHERE id = ?", (donor_id,)).fetchone() is None:
                raise NotFound(f"no donor {donor_id}", donor_id=donor_id)
        same = _same_exposure(db, recipient_id, sorted(set(donor_ids)), date)
        if same is not None:
            raise Conflict(
                f"recipient {recipient_id} already has exposure {same} on {date.isoformat()} with"
                " these donors (a repeated request?)",
                exposure_id=same,
            )
        cursor = db.conn.execute(
            "INSERT INTO exposures (recipient_id, date, kind, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
            (recipient_id, date.isoformat(), kind, utc_now(), user),
        )
        exposure_id = inserted_id(cursor)
        db.conn.executemany(
            "INSERT INTO exposure_donors (exposure_id, donor_id) VALUES (?, ?)",
            [(exposure_id, donor_id) for donor_id in sorted(set(donor_ids))],
        )
        audit.record(
            db,
            user=user,
            action="create",
            entity="exposure",
            entity_id=exposure_id,
            details={
                "recipient_id": recipient_id,
                "donor_ids": sorted(set(donor_ids)),
                "date": date.isoformat(),
                "kind": kind,
            },
        )
    return get_exposure(db, exposure_id)


def _same_exposure(db: Database, recipient_id: int, donor_ids: list[int], date: dt.date) -> int | None:
    for row in list_exposures(db, recipient_id):
        if row["date"] == date.isoformat() and row["donor_ids"] == donor_ids:
            return int(row["id"])
    return None


def _exposure(row: dict) -> dict:
    row["donor_ids"] = json.loads(row["donor_ids"])
    return row


def get_exposure(db: Database, exposure_id: int) -> dict:
    """One exposure with its donor ids."""
    rows = select_rows(db, _EXPOSURE_SQL + " WHERE e.id = ?", [exposure_id])
    if not rows:
        raise NotFound(f"no exposure {exposure_id}", exposure_id=exposure_id)
    return _exposure(rows[0])


def list_exposures(db: Database, recipient_id: int) -> list[dict]:
    """A recipient's exposures, by date."""
    return [
        _exposure(r)
        for r in select_rows(
            db, _EXPOSURE_SQL + " WHERE e.recipient_id = ? ORDER BY e.date, e.id", [recipient_id]
        )
    ]
