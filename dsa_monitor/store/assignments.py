"""Visit assignments: a serum drawn outside every window, counted at the visit it was meant for.

A serum is a draw (its class I and II runs, whatever their sample IDs: ``evaluation.inputs``
groups them by draw date), so an assignment is kept per recipient and draw date; the run it was
made from is kept for the record. Every write is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlite_utils import Database

from ..dsa.visits import SampleRef
from ..errors import NotFound
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows

_COLUMNS = "recipient_id, serum_key, sample_id, visit, reason, assigned_by, assigned_at"


def _serum(db: Database, recipient_id: int, sample_id: int) -> str:
    """The serum key (draw date) of a current run of the recipient, else not found."""
    row = db.conn.execute(
        "SELECT draw_date FROM samples WHERE id = ? AND recipient_id = ? AND superseded_by IS NULL",
        (sample_id, recipient_id),
    ).fetchone()
    if row is None:
        raise NotFound(
            f"no serum {sample_id} of recipient {recipient_id}",
            recipient_id=recipient_id,
            sample_id=sample_id,
        )
    return str(row[0])


def assign(db: Database, recipient_id: int, sample_id: int, visit: str, reason: str, *, user: str) -> dict:
    """Count the serum of run ``sample_id`` at ``visit`` (replacing an earlier assignment)."""
    with write_transaction(db):
        key = _serum(db, recipient_id, sample_id)
        db.conn.execute(
            f"INSERT INTO visit_assignments ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (recipient_id, serum_key) DO UPDATE SET sample_id = excluded.sample_id,"
            " visit = excluded.visit, reason = excluded.reason,"
            " assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
            (recipient_id, key, sample_id, visit, reason, user, utc_now()),
        )
        audit.record(
            db,
            user=user,
            action="assign_visit",
            entity="recipient",
            entity_id=recipient_id,
            details={"sample_id": sample_id, "serum": key, "visit": visit, "reason": reason},
        )
    return get(db, recipient_id, key) or {}


def clear(db: Database, recipient_id: int, sample_id: int, *, user: str) -> dict | None:
    """Remove the serum's assignment (the visits are then made from dates alone again)."""
    with write_transaction(db):
        key = _serum(db, recipient_id, sample_id)
        before = get(db, recipient_id, key)
        if before is not None:
            db.conn.execute(
                "DELETE FROM visit_assignments WHERE recipient_id = ? AND serum_key = ?", (recipient_id, key)
            )
            audit.record(
                db,
                user=user,
                action="clear_visit",
                entity="recipient",
                entity_id=recipient_id,
                details={"sample_id": sample_id, "serum": key, "visit": before["visit"]},
            )
    return before


def get(db: Database, recipient_id: int, serum_key: str) -> dict | None:
    found = select_rows(
        db,
        f"SELECT {_COLUMNS} FROM visit_assignments WHERE recipient_id = ? AND serum_key = ?",
        [recipient_id, serum_key],
    )
    return found[0] if found else None


def of_recipient(db: Database, recipient_id: int) -> dict[str, dict]:
    """Serum key -> its assignment (visit, reason, who, when)."""
    return {
        row["serum_key"]: row
        for row in select_rows(
            db, f"SELECT {_COLUMNS} FROM visit_assignments WHERE recipient_id = ?", [recipient_id]
        )
    }


def assigned_visits(db: Database, recipient_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Recipient -> serum key -> visit, for many recipients in one query (most have none)."""
    ids = sorted({int(i) for i in recipient_ids})
    found: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for rid, key, visit in db.conn.execute(
            "SELECT recipient_id, serum_key, visit FROM visit_assignments"
            f" WHERE recipient_id IN ({','.join('?' * len(part))})",
            part,
        ):
            found.setdefault(rid, {})[key] = visit
    return found


def recipient_sera(samples: Iterable[dict]) -> tuple[list[SampleRef], dict[str, list[dict]]]:
    """A recipient's stored runs (``list_samples`` rows) as sera, the way the evaluation groups
    them (by draw date): QC-failed only when every run is excluded; and each serum's runs."""
    runs: dict[str, list[dict]] = {}
    for sample in samples:
        runs.setdefault(sample["draw_date"], []).append(sample)
    refs = [
        SampleRef(key, dt.date.fromisoformat(key), qc_failed=all(r["excluded"] for r in found))
        for key, found in runs.items()
    ]
    return refs, runs
