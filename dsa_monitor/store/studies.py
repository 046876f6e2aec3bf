"""Studies and their recipients, with the lab's patient IDs (aliases) uploads are matched by."""

from __future__ import annotations

import json
import re
import sqlite3

from sqlite_utils import Database

from ..dsa.rules import DEFAULT_RULES
from ..dsa.visits import schedule_rules
from ..errors import Conflict, DSAMonitorError, InvalidRules, NotFound
from ..sab.controls import control_pattern
from ..sab.dates import date_format_of
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows
from .transaction import inserted_id

# A study code stands in page and API addresses (/studies/<code>): letters, digits, ".", "_", "-".
STUDY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def check_study_code(code: str) -> str:
    """The code, when it can stand in an address; else a clear refusal."""
    if not STUDY_CODE.fullmatch(code):
        raise DSAMonitorError(
            f"study code {code!r}: use 1 to 40 letters, digits, '.', '_' or '-', starting with a"
            " letter or digit (it appears in addresses)",
            study=code,
        )
    return code


# How far from the exposure a visit may lie, and how wide its window may be, in days: about a
# century, beyond any protocol. A larger number is a slip of the keyboard, and the dates of its
# window would overflow in every later evaluation of the study. The API schema says the same range.
MAX_VISIT_DAYS = 36500


def check_visit_schedule(schedule: list | dict | None) -> None:
    """Refuse a schedule the evaluation cannot read or whose days lie beyond ``MAX_VISIT_DAYS``:
    the one check before a schedule is stored, whichever door sent it (page, command, API)."""
    rules = schedule_rules(DEFAULT_RULES, schedule)
    if not schedule:
        return
    if isinstance(schedule, dict) and rules.baseline_window_days > MAX_VISIT_DAYS:
        raise InvalidRules(
            f"visit schedule: a baseline window of {rules.baseline_window_days}"
            f" days is over {MAX_VISIT_DAYS} days",
            field="baseline_window_days",
        )
    for visit in rules.visits:
        if abs(visit.day) > MAX_VISIT_DAYS:
            raise InvalidRules(
                f"visit {visit.name}: day {visit.day} is beyond {MAX_VISIT_DAYS} days from the"
                f" exposure (days run from -{MAX_VISIT_DAYS} to {MAX_VISIT_DAYS})",
                visit=visit.name,
                field="day",
            )
        widest = max(visit.before, visit.after)
        if widest > MAX_VISIT_DAYS:
            raise InvalidRules(
                f"visit {visit.name}: a window of {widest} days is over {MAX_VISIT_DAYS} days",
                visit=visit.name,
                field="window_days",
            )


def create_study(
    db: Database,
    code: str,
    *,
    title: str = "",
    visit_schedule: list | dict | None = None,
    user: str,
    settings: dict | None = None,
) -> dict:
    """Register a study by its code; the visit schedule is kept as JSON, once the evaluation can
    read it (unique visit names, none called baseline or unscheduled). ``settings``: upload
    settings (``update_study``'s fields) set in the same transaction, so that a refused setting
    leaves no study behind."""
    check_study_code(code)
    check_visit_schedule(visit_schedule)
    with write_transaction(db):
        try:
            cursor = db.conn.execute(
                "INSERT INTO studies (code, title, visit_schedule, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?)",
                (code, title, json.dumps(visit_schedule or []), utc_now(), user),
            )
        except sqlite3.IntegrityError as error:
            raise Conflict(f"study {code!r} already exists", study=code) from error
        study_id = inserted_id(cursor)
        audit.record(
            db,
            user=user,
            action="create",
            entity="study",
            entity_id=study_id,
            details={"code": code, "title": title},
        )
        if settings:
            update_study(db, study_id, settings, user=user)
    return get_study(db, study_id)


def get_study(db: Database, study: int | str) -> dict:
    """One study by id or code."""
    column = "id" if isinstance(study, int) else "code"
    rows = select_rows(db, f"SELECT * FROM studies WHERE {column} = ?", [study])
    if not rows:
        raise NotFound(f"no study {study!r}", study=study)
    return _study(rows[0])


def list_studies(db: Database) -> list[dict]:
    """All studies, by code."""
    return [_study(row) for row in select_rows(db, "SELECT * FROM studies ORDER BY code")]


def _study(row: dict) -> dict:
    row["visit_schedule"] = json.loads(row["visit_schedule"])
    row["strict_uploads"] = bool(row.get("strict_uploads"))
    return row


def create_recipient(
    db: Database,
    study: int | str,
    subject_code: str,
    *,
    lab_ids: tuple[str, ...] | list[str] = (),
    user: str,
) -> dict:
    """Enrol a recipient in a study under its subject code, with the lab's patient IDs for it."""
    with write_transaction(db):
        study_row = get_study(db, study)
        try:
            cursor = db.conn.execute(
                "INSERT INTO recipients (study_id, subject_code, created_at, created_by) VALUES (?, ?, ?, ?)",
                (study_row["id"], subject_code, utc_now(), user),
            )
        except sqlite3.IntegrityError as error:
            raise Conflict(
                f"subject {subject_code!r} already exists in study {study_row['code']!r}",
                study=study_row["code"],
                subject_code=subject_code,
            ) from error
        recipient_id = inserted_id(cursor)
        audit.record(
            db,
            user=user,
            action="create",
            entity="recipient",
            entity_id=recipient_id,
            details={"study": study_row["code"], "subject_code": subject_code},
        )
        for lab_id in lab_ids:
            add_lab_id(db, recipient_id, lab_id, user=user)
    return get_recipient(db, recipient_id)


def add_lab_id(db: Database, recipient_id: int, lab_id: str, *, user: str) -> None:
    """Record one of the lab's patient IDs for a recipient (unique within the recipient's study)."""
    with write_transaction(db):
        recipient = get_recipient(db, recipient_id)
        try:
            db.conn.execute(
                "INSERT INTO recipient_lab_ids"
                " (recipient_id, study_id, lab_id, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?)",
                (recipient_id, recipient["study_id"], lab_id, utc_now(), user),
            )
        except sqlite3.IntegrityError as error:
            raise Conflict(
                f"lab patient ID {lab_id!r} is already used in study {recipient['study_code']!r}",
                lab_id=lab_id,
            ) from error
        audit.record(
            db,
            user=user,
            action="add_lab_id",
            entity="recipient",
            entity_id=recipient_id,
            details={"lab_id": lab_id},
        )


_RECIPIENT_SQL = """
SELECT r.*, s.code AS study_code,
       (SELECT json_group_array(lab_id) FROM
           (SELECT lab_id FROM recipient_lab_ids WHERE recipient_id = r.id ORDER BY id)) AS lab_ids
FROM recipients r JOIN studies s ON s.id = r.study_id
"""


def _recipient(row: dict) -> dict:
    row["lab_ids"] = json.loads(row["lab_ids"])
    return row


def get_recipient(db: Database, recipient_id: int) -> dict:
    """One recipient with its study code and lab patient IDs."""
    rows = select_rows(db, _RECIPIENT_SQL + " WHERE r.id = ?", [recipient_id])
    if not rows:
        raise NotFound(f"no recipient {recipient_id}", recipient_id=recipient_id)
    return _recipient(rows[0])


def find_recipient(db: Database, study_id: int, subject_code: str) -> dict | None:
    """The recipient of a study under a subject code, or None when not enrolled."""
    row = db.conn.execute(
        "SELECT id FROM recipients WHERE study_id = ? AND subject_code = ?", (study_id, subject_code)
    ).fetchone()
    return None if row is None else get_recipient(db, int(row[0]))


def list_recipients(
    db: Database,
    study: int | str | None = None,
    *,
    limit: int = -1,
    offset: int = 0,
    after: str | None = None,
) -> list[dict]:
    """Recipients, optionally of one study, by study and subject code; ``limit`` and ``offset``
    give one page (all by default); ``after``, a subject code, starts one study's page past it
    (a cursor)."""
    where, params = "", []
    if study is not None:
        where, params = " WHERE r.study_id = ?", [get_study(db, study)["id"]]
        if after is not None:
            where, params = where + " AND r.subject_code > ?", [*params, after]
    rows = select_rows(
        db,
        _RECIPIENT_SQL + where + " ORDER BY s.code, r.subject_code LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_recipient(row) for row in rows]


def count_recipients(db: Database, study: int | str | None = None) -> int:
    """How many recipients ``list_recipients`` gives without a page."""
    if study is None:
        return int(db.conn.execute("SELECT count(*) FROM recipients").fetchone()[0])
    return int(
        db.conn.execute(
            "SELECT count(*) FROM recipients WHERE study_id = ?", (get_study(db, study)["id"],)
        ).fetchone()[0]
    )


def find_recipients(
    db: Database, patient_ids: set[str], study: int | str | None = None
) -> dict[str, set[int]]:
    """For each ID a file names, the recipients it may mean: by lab patient ID or subject code."""
    if not patient_ids:
        return {}
    ids = sorted(patient_ids)
    marks = ", ".join("?" for _ in ids)
    scope, scope_params = "", []
    if study is not None:
        scope, scope_params = " AND study_id = ?", [get_study(db, study)["id"]]
    found: dict[str, set[int]] = {pid: set() for pid in ids}
    for row in select_rows(
        db,
        f"SELECT lab_id AS pid, recipient_id FROM recipient_lab_ids"
        f" WHERE lab_id IN ({marks}){scope}"
        f" UNION SELECT subject_code AS pid, id AS recipient_id FROM recipients"
        f" WHERE subject_code IN ({marks}){scope}",
        [*ids, *scope_params, *ids, *scope_params],
    ):
        found[row["pid"]].add(row["recipient_id"])
    return found


def enrolled_names(db: Database, study: int | str | None = None) -> dict[str, list[str]]:
    """Every lab ID and subject code a file may name a recipient by (of one study, or all), each
    with the recipients it names as ``STUDY SUBJECT``: what a near-miss sample ID is told against."""
    scope, params = "", []
    if study is not None:
        scope, params = " WHERE r.study_id = ?", [get_study(db, study)["id"]]
    names: dict[str, list[str]] = {}
    for row in select_rows(
        db,
        "SELECT l.lab_id AS name, s.code || ' ' || r.subject_code AS who"
        " FROM recipient_lab_ids l JOIN recipients r ON r.id = l.recipient_id"
        f" JOIN studies s ON s.id = r.study_id{scope}"
        " UNION SELECT r.subject_code AS name, s.code || ' ' || r.subject_code AS who"
        f" FROM recipients r JOIN studies s ON s.id = r.study_id{scope}",
        [*params, *params],
    ):
        names.setdefault(row["name"], []).append(row["who"])
    return names


def studies_refusing_strays(db: Database, recipient_ids: list[int]) -> list[str]:
    """The codes of the studies, among these recipients', that take strict uploads only."""
    if not recipient_ids:
        return []
    marks = ", ".join("?" for _ in set(recipient_ids))
    return [
        row[0]
        for row in db.conn.execute(
            f"SELECT DISTINCT s.code FROM studies s JOIN recipients r ON r.study_id = s.id"
            f" WHERE s.strict_uploads = 1 AND r.id IN ({marks}) ORDER BY s.code",
            sorted(set(recipient_ids)),
        )
    ]


def remember_date_layout(db: Database, studies: list[int | str], layout: str, *, user: str) -> None:
    """Keep the date layout a lab chose on an upload for its studies, so that it chooses once."""
    with write_transaction(db):
        for study in studies:
            row = get_study(db, study)
            if row["date_layout"] == layout:
                continue
            db.conn.execute("UPDATE studies SET date_layout = ? WHERE id = ?", (layout, row["id"]))
            audit.record(
                db,
                user=user,
                action="date_layout",
                entity="study",
                entity_id=row["id"],
                details={"date_layout": layout, "was": row["date_layout"]},
            )


EDITABLE = ("title", "visit_schedule", "strict_uploads", "date_layout", "control_pattern")


def update_study(db: Database, study: int | str, changes: dict, *, user: str) -> tuple[dict, int]:
    """Edit a study's title, visit schedule and upload settings; returns the study and how many
    of its recipients a changed visit schedule marked for the next evaluation run (their sera
    may count as other visits; evaluating a whole study inside one request would hold the write
    lock for as long). Each value is checked as on creation: a schedule the evaluation can read,
    a date layout, a pattern."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise DSAMonitorError(f"a study has no editable field {', '.join(unknown)}", fields=unknown)
    if "visit_schedule" in changes:
        check_visit_schedule(changes["visit_schedule"])
    if changes.get("date_layout"):
        date_format_of(changes["date_layout"])
        changes = {**changes, "date_layout": changes["date_layout"].strip().upper()}
    if changes.get("control_pattern"):
        control_pattern(changes["control_pattern"])
    with write_transaction(db):
        before = get_study(db, study)
        changed = {key: value for key, value in changes.items() if before[key] != value}
        if changed:
            stored = {key: _column_value(key, value) for key, value in changed.items()}
            assignments = ", ".join(f"{key} = ?" for key in stored)
            db.conn.execute(
                f"UPDATE studies SET {assignments} WHERE id = ?", [*stored.values(), before["id"]]
            )
            audit.record(
                db,
                user=user,
                action="edit",
                entity="study",
                entity_id=before["id"],
                details={key: {"was": before[key], "now": value} for key, value in changed.items()},
            )
        marked = (
            request_evaluation(db, before["id"], "visit schedule changed", user=user)
            if "visit_schedule" in changed
            else 0
        )
    return get_study(db, before["id"]), marked


def request_evaluation(db: Database, study_id: int, reason: str, *, user: str) -> int:
    """Mark every recipient of the study for the scheduler's next evaluation run; how many."""
    cursor = db.conn.execute(
        "INSERT INTO evaluation_requests (recipient_id, reason, requested_at, requested_by)"
        " SELECT id, ?, ?, ? FROM recipients WHERE study_id = ? ON CONFLICT (recipient_id)"
        " DO UPDATE SET reason = excluded.reason, requested_at = excluded.requested_at,"
        " requested_by = excluded.requested_by",
        (reason, utc_now(), user, study_id),
    )
    return cursor.rowcount


def requested_evaluations(db: Database) -> list[int]:
    """The recipients marked for evaluation (``request_evaluation``), by id."""
    return [
        row[0]
        for row in db.conn.execute("SELECT recipient_id FROM evaluation_requests ORDER BY recipient_id")
    ]


def clear_evaluation_requests(db: Database, recipient_ids) -> None:
    """Forget the requests of recipients just evaluated."""
    db.conn.execute(
        "DELETE FROM evaluation_requests WHERE recipient_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(recipient_ids)),),
    )


def _column_value(key: str, value):
    """A study field as its column keeps it: the schedule as JSON, a flag as 0/1, an empty
    setting as NULL."""
    if key == "visit_schedule":
        return json.dumps(value)
    if key == "strict_uploads":
        return int(bool(value))
    if key == "title":
        return value
    return value or None
