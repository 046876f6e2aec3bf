"""The e-mail outbox: rendered messages and their delivery state, changed one step at a time.

States: pending -> sending -> sent; a temporary failure -> retry (-> sending again); a permanent
one, or too many attempts -> dead. Each step is its own committed transaction, so a crash leaves a
row in exactly one state: one found in 'sending' was being handed to the mail server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlite_utils import Database

from ..errors import Conflict, NotFound
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows
from .transaction import inserted_id

OUTBOX_STATES = ("pending", "sending", "sent", "retry", "dead")
# A password reset e-mail carries a working link: its bodies are blanked once it is sent or dead,
# so the outbox holds the link only while it waits (the link itself is kept only as a hash).
LINK_REMOVED = "(a password reset link: removed from the outbox once sent)"


def _forget_link(db: Database, message_id: int) -> None:
    db.conn.execute(
        "UPDATE outbox SET body_text = ?, body_html = ? WHERE id = ? AND purpose = 'password_reset'",
        (LINK_REMOVED, LINK_REMOVED, message_id),
    )


def insert_message(
    db: Database,
    *,
    event_id: int | None,
    purpose: str,
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str,
    message_id: str,
) -> int | None:
    """Queue one message in the caller's transaction; None if this event already has it queued.
    A password reset e-mail has no event (``event_id`` None)."""
    now = utc_now()
    cursor = db.conn.execute(
        "INSERT INTO outbox (event_id, purpose, to_address, subject, body_text, body_html,"
        " message_id, state, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)"
        " ON CONFLICT (event_id, to_address, purpose) DO NOTHING",
        (event_id, purpose, to_address, subject, body_text, body_html, message_id, now, now),
    )
    return inserted_id(cursor) if cursor.rowcount else None


def addresses_sent_for(db: Database, event_id: int) -> list[str]:
    """The addresses an event's alert was queued for (whatever its delivery state)."""
    return addresses_sent_for_each(db, [event_id]).get(event_id, [])


def addresses_sent_for_each(db: Database, event_ids: Iterable[int]) -> dict[int, list[str]]:
    """``addresses_sent_for`` of many events in one query, by event id (none queued: absent)."""
    found: dict[int, list[str]] = {}
    for event_id, address in db.conn.execute(
        "SELECT event_id, to_address FROM outbox WHERE event_id IN (SELECT value FROM json_each(?))"
        " AND purpose = 'alert' ORDER BY id",
        (json.dumps(sorted(set(event_ids))),),
    ):
        found.setdefault(event_id, []).append(address)
    return found


def get_message(db: Database, message_id: int) -> dict:
    """One outbox row."""
    rows = select_rows(db, "SELECT * FROM outbox WHERE id = ?", [message_id])
    if not rows:
        raise NotFound(f"no outbox message {message_id}", outbox_id=message_id)
    return rows[0]


def _where(state: str | None, event_id: int | None) -> tuple[str, list]:
    where: list[str] = []
    params: list[object] = []
    if state is not None:
        where.append("state = ?")
        params.append(state)
    if event_id is not None:
        where.append("event_id = ?")
        params.append(event_id)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def list_messages(
    db: Database,
    *,
    state: str | None = None,
    event_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict]:
    """Outbox rows, newest first, optionally in one state or of one event; every row unless a
    ``limit`` asks for a page (``count_messages`` says how many there are in all)."""
    where, params = _where(state, event_id)
    return select_rows(
        db,
        f"SELECT * FROM outbox{where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, -1 if limit is None else limit, offset],
    )


def count_messages(db: Database, *, state: str | None = None, event_id: int | None = None) -> int:
    """How many outbox rows ``list_messages`` would give without a limit."""
    where, params = _where(state, event_id)
    return int(db.conn.execute(f"SELECT count(*) FROM outbox{where}", params).fetchone()[0])


def claim_due(db: Database, holder: str, *, limit: int = 50) -> list[dict]:
    """Move due messages to 'sending' under this holder, committed before anything is sent."""
    now = utc_now()
    with write_transaction(db):
        ids = [
            row[0]
            for row in db.conn.execute(
                "SELECT id FROM outbox WHERE state IN ('pending', 'retry') AND next_attempt_at <= ?"
                " ORDER BY next_attempt_at, id LIMIT ?",
                (now, limit),
            )
        ]
        db.conn.executemany(
            "UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_at = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            [(holder, now, i) for i in ids],
        )
    return [get_message(db, i) for i in ids]


def mark_sent(db: Database, message_id: int) -> None:
    """The mail server accepted the message."""
    with write_transaction(db):
        db.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
            (utc_now(), message_id),
        )
        _forget_link(db, message_id)


def mark_retry(
    db: Database, message_id: int, error: str, next_attempt_at: str, *, in_doubt: bool = False
) -> None:
    """A temporary failure: try again at the given time. ``in_doubt``: the server may have kept
    the message, so the next send is marked as a possible duplicate (``_mark_in_doubt``)."""
    with write_transaction(db):
        db.conn.execute(
            "UPDATE outbox SET state = 'retry', last_error = ?, next_attempt_at = ? WHERE id = ?",
            (error, next_attempt_at, message_id),
        )
        if in_doubt:
            _mark_in_doubt(db, message_id, cause="reply lost after the message was sent")


def mark_dead(db: Database, message_id: int, error: str, *, in_doubt: bool = False) -> None:
    """A permanent failure: no more attempts; the row stays visible with its error."""
    with write_transaction(db):
        db.conn.execute("UPDATE outbox SET state = 'dead', last_error = ? WHERE id = ?", (error, message_id))
        _forget_link(db, message_id)
        if in_doubt:
            _mark_in_doubt(db, message_id, cause="reply lost after the message was sent")
        audit.record(
            db,
            user="scheduler",
            action="mail_dead",
            entity="outbox",
            entity_id=message_id,
            details={"error": error},
        )


def _mark_in_doubt(db: Database, message_id: int, **details: object) -> None:
    """The one way a message becomes a possible duplicate (a crash mid-send, a reply lost after
    DATA): its later sends keep the Message-ID and say so; the audit log keeps why."""
    db.conn.execute("UPDATE outbox SET possible_duplicate = 1 WHERE id = ?", (message_id,))
    audit.record(
        db,
        user="scheduler",
        action="mail_interrupted",
        entity="outbox",
        entity_id=message_id,
        details=details,
    )


def recover_interrupted(db: Database, holder: str) -> list[int]:
    """Rows left in 'sending' by another holder (it died or lost the lease): due again, marked.

    The next send carries the same Message-ID and says it may be a duplicate (see the README).
    """
    now = utc_now()
    with write_transaction(db):
        rows = db.conn.execute(
            "SELECT id, claimed_by, claimed_at FROM outbox WHERE state = 'sending' AND claimed_by IS NOT ?",
            (holder,),
        ).fetchall()
        for message_id, claimed_by, claimed_at in rows:
            db.conn.execute(
                "UPDATE outbox SET state = 'retry', next_attempt_at = ?, last_error = ? WHERE id = ?",
                (
                    now,
                    f"delivery interrupted (claimed by {claimed_by} at {claimed_at}); it may"
                    " have reached the mail server",
                    message_id,
                ),
            )
            _mark_in_doubt(db, message_id, claimed_by=claimed_by)
    return [row[0] for row in rows]


def requeue(db: Database, message_id: int, *, user: str) -> dict:
    """Give a dead message another chance (after its address or the server was fixed)."""
    with write_transaction(db):
        message = get_message(db, message_id)
        if message["state"] != "dead":
            raise Conflict(
                f"outbox message {message_id} is {message['state']}, not dead", outbox_id=message_id
            )
        if message["purpose"] == "password_reset":
            raise Conflict(
                f"outbox message {message_id} is a password reset e-mail whose link was"
                " removed: the user asks for a new link instead",
                outbox_id=message_id,
            )
        db.conn.execute(
            "UPDATE outbox SET state = 'retry', attempts = 0, next_attempt_at = ? WHERE id = ?",
            (utc_now(), message_id),
        )
        audit.record(db, user=user, action="requeue", entity="outbox", entity_id=message_id)
    return get_message(db, message_id)
