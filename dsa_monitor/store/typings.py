"""HLA typings of recipients and donors, versioned: a change adds a version, the old ones stay."""

from __future__ import annotations

import json

from sqlite_utils import Database

from ..errors import DSAMonitorError, NotFound
from ..hla.typing import loci_form
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows
from .transaction import inserted_id

OWNER_TABLES = {"recipient": "recipients", "donor": "donors"}


def _owner_exists(db: Database, owner_kind: str, owner_id: int) -> None:
    if owner_kind not in OWNER_TABLES:
        raise DSAMonitorError(f"typing owner must be 'recipient' or 'donor', not {owner_kind!r}")
    found = db.conn.execute(f"SELECT 1 FROM {OWNER_TABLES[owner_kind]} WHERE id = ?", (owner_id,)).fetchone()
    if found is None:
        raise NotFound(f"no {owner_kind} {owner_id}", owner_kind=owner_kind, owner_id=owner_id)


def _typing(row: dict) -> dict:
    row["typing"] = json.loads(row.pop("typing_json"))
    return row


def set_typing(
    db: Database,
    owner_kind: str,
    owner_id: int,
    gl_string: str,
    typing_json: dict | str,
    reference_release: str | None,
    source: str,
    user: str,
) -> dict:
    """Record a recipient's or donor's typing as a new version; an unchanged typing adds nothing."""
    text = typing_json if isinstance(typing_json, str) else json.dumps(typing_json, sort_keys=True)
    json.loads(text)  # must be JSON before it is stored
    with write_transaction(db):
        _owner_exists(db, owner_kind, owner_id)
        current = current_typing(db, owner_kind, owner_id)
        if (
            current is not None
            and (current["gl_string"], current["reference_release"]) == (gl_string, reference_release)
            and current["typing"] == json.loads(text)
        ):
            return current
        version = 1 if current is None else current["version"] + 1
        cursor = db.conn.execute(
            "INSERT INTO typings (owner_kind, owner_id, version, gl_string, typing_json,"
            " reference_release,"
            " source, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                owner_kind,
                owner_id,
                version,
                gl_string,
                text,
                reference_release,
                source,
                utc_now(),
                user,
            ),
        )
        audit.record(
            db,
            user=user,
            action="set_typing",
            entity=owner_kind,
            entity_id=owner_id,
            details={
                "typing_id": inserted_id(cursor),
                "version": version,
                "gl_string": gl_string,
                "previous_gl_string": None if current is None else current["gl_string"],
                # antigens have no GL String: the entries as typed say what changed
                "loci": loci_form(json.loads(text)),
                "previous_loci": None if current is None else loci_form(current["typing"]),
                "reference_release": reference_release,
                "source": source,
            },
        )
    return current_typing(db, owner_kind, owner_id)  # type: ignore[return-value]


def current_typing(db: Database, owner_kind: str, owner_id: int) -> dict | None:
    """The latest typing version of a recipient or donor, or None when never typed."""
    rows = select_rows(
        db,
        "SELECT * FROM typings WHERE owner_kind = ? AND owner_id = ? ORDER BY version DESC LIMIT 1",
        [owner_kind, owner_id],
    )
    return _typing(rows[0]) if rows else None


def typing_history(db: Database, owner_kind: str, owner_id: int) -> list[dict]:
    """Every typing version of a recipient or donor, oldest first."""
    return [
        _typing(row)
        for row in select_rows(
            db,
            "SELECT * FROM typings WHERE owner_kind = ? AND owner_id = ? ORDER BY version",
            [owner_kind, owner_id],
        )
    ]


def current_typings(db: Database) -> list[dict]:
    """The current version of every typed recipient and donor, with the owner's code."""
    return [
        _typing(row)
        for row in select_rows(
            db,
            "SELECT t.*, coalesce(r.subject_code, d.code) AS owner_code FROM typings t"
            " LEFT JOIN recipients r ON t.owner_kind = 'recipient' AND r.id = t.owner_id"
            " LEFT JOIN donors d ON t.owner_kind = 'donor' AND d.id = t.owner_id"
            " WHERE t.version = (SELECT max(version) FROM typings WHERE owner_kind = t.owner_kind"
            " AND owner_id = t.owner_id) ORDER BY t.owner_kind, t.owner_id",
        )
    ]
