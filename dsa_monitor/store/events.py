"""Alert events (one row per fact, by idempotency key) and the subscriptions that route them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable

from sqlite_utils import Database

from ..errors import NotFound
from . import audit
from .connection import utc_now, write_transaction
from .pages import among
from .rows import select_rows
from .transaction import inserted_id

_EVENT_SQL = """
SELECT e.*, r.subject_code, r.study_id, s.code AS study_code, d.code AS donor_code
FROM events e
JOIN recipients r ON r.id = e.recipient_id
JOIN studies s ON s.id = r.study_id
LEFT JOIN donors d ON d.id = e.donor_id
"""


def _event(row: dict) -> dict:
    row["payload"] = json.loads(row["payload"])
    return row


def insert_event(
    db: Database,
    *,
    key: str,
    kind: str,
    recipient_id: int,
    donor_id: int | None,
    antigen: str,
    visit: str,
    sample_id: int | None,
    payload: dict,
    user: str,
    corrects: int | None = None,
) -> int | None:
    """Insert an event in the caller's transaction; None when its key is already stored."""
    cursor = db.conn.execute(
        "INSERT INTO events (key, kind, recipient_id, donor_id, antigen, visit, sample_id,"
        " payload, corrects, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, kind, recipient_id, donor_id, antigen, visit, sample_id,
         json.dumps(payload, default=str, sort_keys=True), corrects, utc_now(), user),
    )  # fmt: skip
    if cursor.rowcount == 0:
        return None
    event_id = inserted_id(cursor)
    if corrects is not None:
        db.conn.execute("UPDATE events SET withdrawn_by = ? WHERE id = ?", (event_id, corrects))
    audit.record(
        db,
        user=user,
        action="create",
        entity="event",
        entity_id=event_id,
        details={"key": key, "kind": kind, "corrects": corrects},
    )
    return event_id


def get_event(db: Database, event_id: int) -> dict:
    """One event with its recipient's subject and study codes and its donor's code."""
    rows = select_rows(db, _EVENT_SQL + " WHERE e.id = ?", [event_id])
    if not rows:
        raise NotFound(f"no event {event_id}", event_id=event_id)
    return _event(rows[0])


def events_under_keys(db: Database, keys: Iterable[str]) -> dict[str, dict]:
    """Every event stored under these idempotency keys or their later generations (``key#2``,
    ``key#3``...), by key: its id and ``withdrawn_by``, all a batch of facts needs to decide which
    are new (one query, not one per key and generation). May hold a few other keys too."""
    rows = db.conn.execute(
        # the generations sort between ``key#`` and ``key$``: one index range per key
        "SELECT e.key, e.id, e.withdrawn_by FROM json_each(?) k"
        " JOIN events e ON e.key >= k.value AND e.key < k.value || '$'",
        (json.dumps(sorted(set(keys))),),
    )
    return {
        key: {"id": event_id, "key": key, "withdrawn_by": withdrawn_by}
        for key, event_id, withdrawn_by in rows
    }


def events_by_id(db: Database, event_ids: Iterable[int]) -> dict[int, dict]:
    """``get_event`` of many events in one query, by id (an id not stored is absent)."""
    rows = select_rows(
        db,
        _EVENT_SQL + " WHERE e.id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(set(event_ids)))],
    )
    return {row["id"]: _event(row) for row in rows}


# An alert is open until someone acknowledges it or a correction withdraws it: one meaning for
# the inbox, the study and recipient pages, the API and the command line.
OPEN_SQL = "e.acknowledged_at IS NULL AND e.withdrawn_by IS NULL"
EVENT_STATES = ("open", "acknowledged", "all")


def _where(
    recipient_id: int | None,
    study: str | None,
    kind: str | None,
    state: str,
    subject: str | None,
    since: str | None,
    until: str | None,
) -> tuple[str, list]:
    """The WHERE clause of the events' filters (``since``/``until``: ISO dates, inclusive)."""
    if state not in EVENT_STATES:
        raise ValueError(f"state {state!r} is not one of {EVENT_STATES}")
    where, params = [], []
    for clause, value in (
        ("e.recipient_id = ?", recipient_id),
        ("s.code = ?", study),
        ("e.kind = ?", kind),
        ("r.subject_code = ? COLLATE NOCASE", subject),
        ("e.created_at >= ?", since),
        ("e.created_at < date(?, '+1 day')", until),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    if state == "open":
        where.append(OPEN_SQL)
    elif state == "acknowledged":
        where.append("e.acknowledged_at IS NOT NULL")
    return (" WHERE " + " AND ".join(where) if where else ""), params


def list_events(
    db: Database,
    *,
    recipient_id: int | None = None,
    study: str | None = None,
    kind: str | None = None,
    state: str = "all",
    limit: int | None = 100,
    offset: int = 0,
    subject: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[dict]:
    """Events, newest first, filtered by recipient (id or subject code), study code, kind, state
    (``open``, ``acknowledged`` or ``all``) and the days they were raised; ``limit=None`` for
    every one, ``offset`` to page."""
    where, params = _where(recipient_id, study, kind, state, subject, since, until)
    sql = _EVENT_SQL + where + " ORDER BY e.id DESC"
    if limit is not None:
        sql, params = sql + " LIMIT ? OFFSET ?", [*params, limit, offset]
    return [_event(r) for r in select_rows(db, sql, params)]


def count_events(
    db: Database,
    *,
    study: str | None = None,
    kind: str | None = None,
    state: str = "all",
    subject: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> int:
    """How many events ``list_events`` would give with no limit (the inbox's page count)."""
    where, params = _where(None, study, kind, state, subject, since, until)
    sql = "SELECT count(*) FROM (" + _EVENT_SQL + where + ")"
    return int(db.conn.execute(sql, params).fetchone()[0])


def count_open(db: Database, study_id: int, recipient_ids: Collection[int] | None = None) -> dict[int, int]:
    """Open alerts of a study's recipients: recipient id -> count (one query, no limit; only
    ``recipient_ids`` when given)."""
    page, params = among("e.recipient_id", recipient_ids)
    rows = select_rows(
        db,
        "SELECT e.recipient_id AS recipient_id, count(*) AS n FROM events e"
        " JOIN recipients r ON r.id = e.recipient_id"
        f" WHERE r.study_id = ? AND {OPEN_SQL}{page} GROUP BY e.recipient_id",
        [study_id, *params],
    )
    return {row["recipient_id"]: row["n"] for row in rows}


def events_after(
    db: Database,
    after: int = 0,
    *,
    study_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[dict]:
    """Events with an id above ``after``, oldest first: a poller's stable, resumable order."""
    where: list[str] = ["e.id > ?"]
    params: list[object] = [after]
    for clause, value in (("r.study_id = ?", study_id), ("e.kind = ?", kind)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = _EVENT_SQL + " WHERE " + " AND ".join(where) + " ORDER BY e.id LIMIT ?"
    return [_event(r) for r in select_rows(db, sql, [*params, limit])]


def acknowledge_event(db: Database, event_id: int, *, user: str, note: str | None = None) -> dict:
    """Record who acknowledged an event, when, and what was done (``note``); a second
    acknowledgement keeps the first."""
    with write_transaction(db):
        event = get_event(db, event_id)
        if event["acknowledged_at"] is None:
            db.conn.execute(
                "UPDATE events SET acknowledged_at = ?, acknowledged_by = ?,"
                " acknowledged_note = ? WHERE id = ?",
                (utc_now(), user, (note or "").strip() or None, event_id),
            )
            audit.record(
                db,
                user=user,
                action="acknowledge",
                entity="event",
                entity_id=event_id,
                details={"note": note} if note else None,
            )
    return get_event(db, event_id)


def events_due_for_reminder(db: Database, kind: str, created_before: str) -> list[dict]:
    """Events of a kind, older than a time, neither acknowledged, withdrawn nor reminded yet."""
    return [
        _event(r)
        for r in select_rows(
            db,
            _EVENT_SQL + " WHERE e.kind = ? AND e.created_at <= ? AND e.acknowledged_at IS NULL"
            " AND e.withdrawn_by IS NULL AND e.reminded_at IS NULL ORDER BY e.id",
            [kind, created_before],
        )
    ]


def mark_reminded(db: Database, event_id: int) -> None:
    """Note, in the caller's transaction, that an event's one reminder was queued."""
    db.conn.execute("UPDATE events SET reminded_at = ? WHERE id = ?", (utc_now(), event_id))


# ---- subscriptions ---------------------------------------------------------------------------

_SUBSCRIPTION_SQL = """
SELECT sub.*, s.code AS study_code, r.subject_code
FROM subscriptions sub
LEFT JOIN studies s ON s.id = sub.study_id
LEFT JOIN recipients r ON r.id = sub.recipient_id
"""


def _subscription(row: dict) -> dict:
    row["kinds"] = json.loads(row["kinds"])
    return row


def save_subscription(
    db: Database,
    email: str,
    *,
    study_id: int | None,
    recipient_id: int | None,
    kinds: list[str],
    user: str,
) -> dict:
    """Subscribe an address to a study or a recipient; subscribing again replaces the kinds."""
    with write_transaction(db):
        try:
            db.conn.execute(
                "INSERT INTO subscriptions (email, study_id, recipient_id, kinds, created_at,"
                " created_by) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (email, coalesce(study_id, 0), coalesce(recipient_id, 0))"
                " DO UPDATE SET kinds = excluded.kinds",
                (email, study_id, recipient_id, json.dumps(sorted(kinds)), utc_now(), user),
            )
        except sqlite3.IntegrityError as error:  # a study or recipient id that does not exist
            raise NotFound(f"cannot subscribe {email}: {error}") from error
        row = db.conn.execute(
            "SELECT id FROM subscriptions WHERE email = ? AND coalesce(study_id, 0) = ?"
            " AND coalesce(recipient_id, 0) = ?",
            (email, study_id or 0, recipient_id or 0),
        ).fetchone()
        audit.record(
            db,
            user=user,
            action="subscribe",
            entity="subscription",
            entity_id=row[0],
            details={
                "email": email,
                "study_id": study_id,
                "recipient_id": recipient_id,
                "kinds": sorted(kinds),
            },
        )
    return get_subscription(db, int(row[0]))


def get_subscription(db: Database, subscription_id: int) -> dict:
    """One subscription with its study code or recipient's subject code."""
    rows = select_rows(db, _SUBSCRIPTION_SQL + " WHERE sub.id = ?", [subscription_id])
    if not rows:
        raise NotFound(f"no subscription {subscription_id}", subscription_id=subscription_id)
    return _subscription(rows[0])


def delete_subscription(db: Database, subscription_id: int, *, user: str) -> None:
    """End a subscription (the audit log keeps that it existed)."""
    with write_transaction(db):
        subscription = get_subscription(db, subscription_id)
        db.conn.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))
        audit.record(
            db,
            user=user,
            action="unsubscribe",
            entity="subscription",
            entity_id=subscription_id,
            details={"email": subscription["email"]},
        )


def list_subscriptions(db: Database, *, email: str | None = None) -> list[dict]:
    """Subscriptions by address, optionally of one address."""
    where, params = "", []
    if email is not None:
        where, params = " WHERE sub.email = ?", [email]
    return [
        _subscription(r)
        for r in select_rows(db, _SUBSCRIPTION_SQL + where + " ORDER BY sub.email, sub.id", params)
    ]


def subscribed_addresses(db: Database, *, study_id: int, recipient_id: int, kind: str) -> list[str]:
    """The addresses subscribed to this kind for the recipient or its study, each once."""
    rows = db.conn.execute(
        "SELECT DISTINCT lower(email) FROM subscriptions, json_each(subscriptions.kinds) k"
        " WHERE (study_id = ? OR recipient_id = ?) AND k.value = ? ORDER BY 1",
        (study_id, recipient_id, kind),
    )
    return [row[0] for row in rows]


def subscribed_addresses_for(db: Database, event_ids: Iterable[int]) -> dict[int, list[str]]:
    """``subscribed_addresses`` of many events at once (each event's study, recipient and kind),
    by event id (an event nobody is subscribed to is absent): one query for a batch."""
    found: dict[int, list[str]] = {}
    for event_id, address in db.conn.execute(
        "SELECT DISTINCT e.id, lower(sub.email) FROM events e JOIN recipients r ON r.id = e.recipient_id"
        " JOIN subscriptions sub ON sub.study_id = r.study_id OR sub.recipient_id = e.recipient_id"
        " JOIN json_each(sub.kinds) k ON k.value = e.kind"
        " WHERE e.id IN (SELECT value FROM json_each(?)) ORDER BY 1, 2",
        (json.dumps(sorted(set(event_ids))),),
    ):
        found.setdefault(event_id, []).append(address)
    return found


# ---- what the alert checks read ----------------------------------------------------------------


def failed_samples_between(db: Database, after: int, up_to: int) -> list[dict]:
    """Current samples that failed QC with ids in (after, up_to], oldest first."""
    rows = select_rows(db,
        "SELECT s.id, s.recipient_id, s.lab_sample_id, s.draw_date, s.hla_class, s.lot,"
        " s.serum_treatment, s.qc_reasons, s.vendor, s.kit, u.file_name, s.upload_id"
        " FROM samples s JOIN uploads u ON u.id = s.upload_id"
        " WHERE s.id > ? AND s.id <= ? AND s.qc_status = 'fail' AND s.superseded_by IS NULL"
        " ORDER BY s.id",
        [after, up_to],
    )  # fmt: skip
    for row in rows:
        row["qc_reasons"] = json.loads(row["qc_reasons"])
    return rows


def last_sample_id(db: Database) -> int:
    """The highest sample id stored (0 when none): the QC check's watermark moves to it."""
    return int(db.conn.execute("SELECT coalesce(max(id), 0) FROM samples").fetchone()[0])


def exposures_since(db: Database, date: str) -> list[dict]:
    """Exposures on or after a date, with the recipient's study schedule, by recipient and date."""
    rows = select_rows(db,
        "SELECT e.id, e.recipient_id, e.date, e.kind, r.study_id, s.visit_schedule"
        " FROM exposures e JOIN recipients r ON r.id = e.recipient_id"
        " JOIN studies s ON s.id = r.study_id"
        " WHERE e.recipient_id IN (SELECT recipient_id FROM exposures WHERE date >= ?)"
        " ORDER BY e.recipient_id, e.date, e.id",
        [date],
    )  # fmt: skip
    for row in rows:
        row["visit_schedule"] = json.loads(row["visit_schedule"])
    return rows


def corrected_qc_failures(db: Database) -> list[dict]:
    """QC-failure events still standing whose sample corrected uploads replaced by a passing one.

    Follows the chain of corrections to the current sample (a file may be corrected twice).
    """
    return select_rows(db,
        "WITH RECURSIVE chain (event_id, sample_id) AS ("
        " SELECT id, sample_id FROM events"
        " WHERE kind = 'qc_failure' AND withdrawn_by IS NULL AND sample_id IS NOT NULL"
        " UNION ALL SELECT c.event_id, s.superseded_by FROM chain c"
        " JOIN samples s ON s.id = c.sample_id WHERE s.superseded_by IS NOT NULL)"
        " SELECT e.id AS event_id, e.recipient_id, e.visit, n.id AS sample_id,"
        " n.lab_sample_id, n.qc_status, u.file_name, n.upload_id"
        " FROM chain c JOIN events e ON e.id = c.event_id JOIN samples n ON n.id = c.sample_id"
        " JOIN uploads u ON u.id = n.upload_id"
        " WHERE n.superseded_by IS NULL AND n.id <> e.sample_id AND n.qc_status <> 'fail'"
        " ORDER BY e.id"
    )  # fmt: skip


def lab_sample_ids(db: Database, sample_ids: Iterable[int]) -> dict[int, str | None]:
    """The lab's sample ID of each of these samples (superseded ones too), by sample id: what a
    DSA alert names its serum by, for a batch in one query (a sample not stored is absent)."""
    rows = db.conn.execute(
        "SELECT id, lab_sample_id FROM samples WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(sample_ids))),),
    )
    return dict(rows.fetchall())
