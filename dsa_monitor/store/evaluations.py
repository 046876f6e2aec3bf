"""DSA evaluations as stored: never overwritten, each with the rules and reference it was made under.

Also the watermark of ``evaluate_pending``: the ids of the last sample, typing and exposure it has
seen, so that only the recipients new rows touch are evaluated again. The bulk reads of an
evaluation's inputs are in ``evaluation_inputs``, the API's reading in ``dsa_reading``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from ..errors import NotFound
from .connection import utc_now
from .pages import among
from .rows import select_rows

HEAD_COLUMNS = (
    "recipient_id", "exposure_id", "donor_id", "exposure_date", "as_of", "rules_version", "rules",
    "reference_release", "inputs_fingerprint", "baseline_serum", "summary", "sera", "created_at",
    "created_by",
)  # fmt: skip
POINT_COLUMNS = (
    "evaluation_id", "position", "serum", "sample_ids", "date", "visit", "day", "excluded_reason",
    "immunodominant_mfi", "sum_mfi", "notes",
    "class_i_immunodominant_dsa", "class_i_immunodominant_mfi", "class_i_sum_mfi",
    "class_ii_immunodominant_dsa", "class_ii_immunodominant_mfi", "class_ii_sum_mfi",
    "self_beads",
)  # fmt: skip
STATE_COLUMNS = (
    "evaluation_id", "position", "target", "sample_id", "visit", "hla_class", "level", "chain",
    "mfi", "value_kind", "positive", "strength", "status", "origin", "rising", "consecutive",
    "previous_mfi", "assay_changed", "beads", "warnings", "assay", "previous_assay",
)  # fmt: skip
_JSON = ("rules", "summary")


def evaluation_head(
    *,
    recipient_id: int,
    exposure_id: int,
    donor_id: int,
    exposure_date: str,
    as_of: str | None,
    rules_version: str,
    rules: str,
    reference_release: str,
    inputs_fingerprint: str,
    baseline_serum: str | None,
    summary: str,
) -> tuple:
    """An evaluation's head as ``insert_evaluations`` takes it (``HEAD_COLUMNS`` up to
    ``summary``, its JSON columns as text): the column order written in one place."""
    return (
        recipient_id,
        exposure_id,
        donor_id,
        exposure_date,
        as_of,
        rules_version,
        rules,
        reference_release,
        inputs_fingerprint,
        baseline_serum,
        summary,
    )


def insert_evaluations(
    db: Database,
    heads: Sequence[tuple],
    points: Sequence[Sequence[tuple] | str],
    *,
    user: str,
    states: Sequence[Sequence[tuple]] = (),
) -> list[int]:
    """Store many evaluations in the caller's (write) transaction: ``heads`` in ``HEAD_COLUMNS``
    order up to ``summary`` (``rules`` and ``summary`` as JSON text), per head its ``points`` in
    ``POINT_COLUMNS`` order and its DSA ``states`` (none when not given) in ``STATE_COLUMNS``
    order, each after ``evaluation_id`` (lists as JSON text: ``column_values``). An evaluation's
    points may be given as one JSON array of those rows instead (``compact_sera``), kept in its
    own row (``sera``): one row for its sera, not one per serum. One ``executemany`` per table
    for a whole batch; ids follow the highest stored, as SQLite's own would (the transaction
    holds the write lock). Returns the ids, in order."""
    if any(isinstance(held, str) and found for held, found in zip(points, states, strict=False)):
        raise ValueError("an evaluation with DSA states keeps its sera as rows (states join them)")
    (top,) = db.conn.execute("SELECT coalesce(max(id), 0) FROM evaluations").fetchone()
    ids = list(range(top + 1, top + 1 + len(heads)))
    now = utc_now()
    db.conn.executemany(
        f"INSERT INTO evaluations (id, {', '.join(HEAD_COLUMNS)})"
        f" VALUES (?, {', '.join('?' for _ in HEAD_COLUMNS)})",
        [
            (evaluation_id, *head, held if isinstance(held, str) else None, now, user)
            for evaluation_id, head, held in zip(ids, heads, points, strict=True)
        ],
    )
    rows_of = [() if isinstance(held, str) else held for held in points]
    for table, columns, rows in (
        ("evaluation_points", POINT_COLUMNS, rows_of),
        ("dsa_states", STATE_COLUMNS, states or [()] * len(heads)),
    ):
        db.conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [(evaluation_id, *row) for evaluation_id, held in zip(ids, rows, strict=True) for row in held],
        )
    return ids


def latest_heads(db: Database, recipient_ids: Iterable[int]) -> dict[tuple[int, int, int], dict]:
    """Per (recipient, exposure, donor) of these recipients: ``latest`` (id, and whether it has
    DSA states) and, per rules version, ``by_rules`` (id, inputs fingerprint) of the newest
    evaluation: what ``service`` asks of each evaluation before storing it, for a batch at once."""
    found: dict[tuple[int, int, int], dict] = {}
    for row in db.conn.execute(
        "SELECT e.recipient_id, e.exposure_id, e.donor_id, e.id, e.rules_version,"
        " e.inputs_fingerprint,"
        " EXISTS (SELECT 1 FROM dsa_states s WHERE s.evaluation_id = e.id) FROM evaluations e"
        " WHERE e.recipient_id IN (SELECT value FROM json_each(?)) ORDER BY e.id",
        (json.dumps(sorted(set(recipient_ids))),),
    ):
        held = found.setdefault(row[:3], {"by_rules": {}})
        held["latest"] = (row[3], bool(row[6]))
        held["by_rules"][row[4]] = (row[3], row[5])
    return found


_LISTS = frozenset({"sample_ids", "beads", "warnings", "notes", "self_beads"})  # JSON arrays


def column_values(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[tuple]:
    """Rows of ``evaluation_points`` or ``dsa_states`` (``POINT_COLUMNS`` or ``STATE_COLUMNS``)
    as the tuples ``insert_evaluations`` takes: the columns after ``evaluation_id`` in order, the
    lists as JSON text (booleans go in as 0/1, as sqlite3 stores them)."""
    named = columns[1:]
    lists = [column in _LISTS for column in named]
    return [
        tuple(
            _list_json(row.get(c)) if is_list else row.get(c) for c, is_list in zip(named, lists, strict=True)
        )
        for row in rows
    ]


def _list_json(value: Any) -> str:
    """A list column as JSON text; an empty one (most notes, self beads) without ``json``."""
    return json.dumps(list(value), default=str) if value else "[]"


def _head(row: dict) -> dict:
    for key in _JSON:
        row[key] = json.loads(row[key])
    return row


def get_evaluation(db: Database, evaluation_id: int) -> dict:
    """One stored evaluation (head only: rules, reference, fingerprint, summary)."""
    rows = select_rows(db, "SELECT * FROM evaluations WHERE id = ?", [evaluation_id])
    if not rows:
        raise NotFound(f"no evaluation {evaluation_id}", evaluation_id=evaluation_id)
    return _head(rows[0])


def latest_evaluation(
    db: Database,
    recipient_id: int,
    exposure_id: int,
    donor_id: int,
    rules_version: str | None = None,
) -> dict | None:
    """The newest evaluation of one donor of one exposure, under given rules or any."""
    sql = "SELECT * FROM evaluations WHERE recipient_id = ? AND exposure_id = ? AND donor_id = ?"
    params: list[Any] = [recipient_id, exposure_id, donor_id]
    if rules_version is not None:
        sql += " AND rules_version = ?"
        params.append(rules_version)
    rows = select_rows(db, sql + " ORDER BY id DESC LIMIT 1", params)
    return _head(rows[0]) if rows else None


def current_evaluations(db: Database, recipient_id: int, rules_version: str | None = None) -> list[dict]:
    """Per (exposure, donor), the newest evaluation under the given rules, else the newest of any.

    An evaluation made under other rules is returned as it was made (its rules say so): a change of
    settings never rewrites it; re-evaluation under the new rules adds a new one.
    """
    rows = select_rows(
        db,
        "SELECT * FROM evaluations WHERE recipient_id = ? ORDER BY exposure_date, exposure_id, donor_id, id",
        [recipient_id],
    )
    chosen: dict[tuple[int, int], dict] = {}
    for row in rows:
        key = (row["exposure_id"], row["donor_id"])
        held = chosen.get(key)
        if (
            held is None
            or rules_version is None
            or row["rules_version"] == rules_version
            or (held["rules_version"] != rules_version)
        ):
            chosen[key] = row
    return [_head(row) for row in chosen.values()]


def compact_sera(points: Sequence[Sequence[Any]]) -> str:
    """Point rows (``POINT_COLUMNS`` after ``evaluation_id``) as ``evaluations.sera`` keeps them."""
    return json.dumps(points, separators=(",", ":"))


def sera_rows(sera: str) -> list[list[Any]]:
    """``evaluations.sera`` as its point rows, valued as ``evaluation_points`` would give them."""
    return json.loads(sera)


def evaluation_points(db: Database, evaluation_id: int) -> list[dict]:
    """The sera of an evaluation in date order (its rows, or its ``sera`` read back)."""
    found = db.conn.execute("SELECT sera FROM evaluations WHERE id = ?", (evaluation_id,)).fetchone()
    if found is not None and found[0] is not None:
        rows = [dict(zip(POINT_COLUMNS, [evaluation_id, *row], strict=True)) for row in sera_rows(found[0])]
    else:
        rows = select_rows(
            db,
            "SELECT * FROM evaluation_points WHERE evaluation_id = ? ORDER BY position",
            [evaluation_id],
        )
    for row in rows:
        for key in ("sample_ids", "notes", "self_beads"):
            row[key] = json.loads(row[key] or "[]")
    return rows


def evaluation_states(db: Database, evaluation_id: int) -> list[dict]:
    """The DSA states of an evaluation, by serum then target."""
    rows = select_rows(
        db,
        "SELECT s.*, p.date, p.serum FROM dsa_states s JOIN evaluation_points p"
        " ON p.evaluation_id = s.evaluation_id AND p.position = s.position"
        " WHERE s.evaluation_id = ? ORDER BY s.position, s.target",
        [evaluation_id],
    )
    return [_state(row) for row in rows]


def _state(row: dict) -> dict:
    """A ``dsa_states`` row as read: its lists parsed (most are empty), its flags booleans."""
    for key in ("beads", "warnings"):
        row[key] = [] if row[key] == "[]" else json.loads(row[key])
    for key in ("positive", "rising", "assay_changed"):
        row[key] = bool(row[key])
    return row


def study_overview(
    db: Database, study_id: int, recipient_ids: Collection[int] | None = None
) -> dict[int, list[dict]]:
    """Per recipient of a study, the newest evaluation of each (exposure, donor) as
    ``current_evaluations`` gives with no rules named: its head (summary parsed) and, under
    ``states``, its DSA states in serum order (date, visit, target, MFI, status): two queries
    for the whole study page, not three per recipient; only ``recipient_ids`` when given (a
    page)."""
    page, page_params = among("e.recipient_id", recipient_ids)
    heads = select_rows(
        db,
        "SELECT id, recipient_id, exposure_id, donor_id, exposure_date, as_of, rules_version,"
        " summary FROM evaluations WHERE id IN (SELECT max(e.id) FROM evaluations e"
        " JOIN recipients r ON r.id = e.recipient_id WHERE r.study_id = ?"
        + page
        + " GROUP BY e.recipient_id, e.exposure_id, e.donor_id)"
        " ORDER BY recipient_id, exposure_date, exposure_id, donor_id",
        [study_id, *page_params],
    )
    by_id = {head["id"]: {**head, "summary": json.loads(head["summary"]), "states": []} for head in heads}
    for row in select_rows(
        db,
        "SELECT s.evaluation_id, s.target, s.mfi, s.positive, s.status, s.rising, p.visit, p.date"
        " FROM dsa_states s JOIN evaluation_points p ON p.evaluation_id = s.evaluation_id"
        " AND p.position = s.position WHERE s.evaluation_id IN (SELECT value FROM json_each(?))"
        " ORDER BY s.evaluation_id, s.position, s.target",
        [json.dumps(sorted(by_id))],
    ):
        row["positive"], row["rising"] = bool(row["positive"]), bool(row["rising"])
        by_id[row.pop("evaluation_id")]["states"].append(row)
    found: dict[int, list[dict]] = {}
    for head in by_id.values():
        found.setdefault(head["recipient_id"], []).append(head)
    return found


# ---- the watermark of incremental evaluation ------------------------------------------------


def read_watermark(db: Database) -> dict | None:
    """The last sample, typing and exposure ids ``evaluate_pending`` has seen, or None."""
    rows = select_rows(db, "SELECT * FROM evaluation_watermark WHERE id = 1")
    return rows[0] if rows else None


def newest_input_ids(db: Database) -> dict[str, int]:
    """The highest sample, typing and exposure ids now stored (0 when none)."""
    sample, typing, exposure = db.conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM samples),"
        " (SELECT coalesce(max(id), 0) FROM typings),"
        " (SELECT coalesce(max(id), 0) FROM exposures)"
    ).fetchone()
    return {"sample_id": sample, "typing_id": typing, "exposure_id": exposure}


def write_watermark(db: Database, ids: dict[str, int]) -> None:
    """Record how far ``evaluate_pending`` has read, in the caller's transaction."""
    db.conn.execute(
        "INSERT INTO evaluation_watermark (id, sample_id, typing_id, exposure_id, updated_at)"
        " VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET sample_id = excluded.sample_id,"
        " typing_id = excluded.typing_id, exposure_id = excluded.exposure_id,"
        " updated_at = excluded.updated_at",
        (ids["sample_id"], ids["typing_id"], ids["exposure_id"], utc_now()),
    )


STALE_CHECKED = "evaluation_basis"  # ``watermarks`` row: engine, release, last id checked


def evaluated_otherwise(db: Database, *, engine: str, release: str) -> list[int]:
    """Recipients whose current evaluation of some donor was made by another engine version or
    under another reference release: an upgrade re-evaluates them, never leaving a call made by
    superseded rules in place.

    Evaluations are never rewritten, so once a run has checked every evaluation up to some id
    under this engine and release (``mark_checked``), only newer ones can be stale: the check
    reads those (a run after one upload reads a handful, not the whole table)."""
    after = 0
    row = db.conn.execute("SELECT value FROM watermarks WHERE name = ?", (STALE_CHECKED,)).fetchone()
    if row is not None:
        held = json.loads(row[0])
        if held.get("engine") == engine and held.get("release") == release:
            after = int(held.get("id", 0))
    rows = db.conn.execute(
        # NOT INDEXED: read the new evaluations by id range; by ``evaluations_current`` (to
        # skip the sort) SQLite walked every evaluation: 30 ms a run at 100,000 recipients
        "SELECT DISTINCT e.recipient_id FROM evaluations e NOT INDEXED WHERE e.id > ? AND"
        " (json_extract(e.summary, '$.inputs.engine') IS NOT ? OR e.reference_release != ?)"
        " AND e.id = (SELECT max(x.id) FROM evaluations x WHERE x.recipient_id = e.recipient_id"
        " AND x.exposure_id = e.exposure_id AND x.donor_id = e.donor_id)"
        " ORDER BY e.recipient_id",
        (after, engine, release),
    )
    return [row[0] for row in rows]


def mark_checked(db: Database, *, engine: str, release: str) -> None:
    """Record, in the caller's transaction, that every evaluation stored so far is current
    under ``engine`` and ``release`` or was re-evaluated (``evaluated_otherwise`` starts after)."""
    (top,) = db.conn.execute("SELECT coalesce(max(id), 0) FROM evaluations").fetchone()
    db.conn.execute(
        "INSERT INTO watermarks (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name)"
        " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (STALE_CHECKED, json.dumps({"engine": engine, "release": release, "id": top}), utc_now()),
    )


def touched_recipients(db: Database, since: dict | None, upto: dict[str, int]) -> list[int]:
    """Recipients with an exposure whose samples, typings (own or a donor's) or exposures are
    newer than ``since`` (all of them when None) and not newer than ``upto``."""
    if since is None:
        since = {"sample_id": 0, "typing_id": 0, "exposure_id": 0}
    window = [
        since["sample_id"],
        upto["sample_id"],
        since["typing_id"],
        upto["typing_id"],
        since["typing_id"],
        upto["typing_id"],
        since["exposure_id"],
        upto["exposure_id"],
    ]
    rows = db.conn.execute(
        "SELECT recipient_id FROM samples WHERE id > ? AND id <= ?"
        # ``+owner_kind``: read the new typings by id range, never every typing of a kind; the
        # CROSS JOIN reads exposure_donors once per new donor typing, not once per run.
        " UNION SELECT owner_id FROM typings WHERE +owner_kind = 'recipient' AND id > ? AND id <= ?"
        " UNION SELECT e.recipient_id FROM typings t CROSS JOIN exposure_donors d"
        "   ON d.donor_id = t.owner_id JOIN exposures e ON e.id = d.exposure_id"
        "   WHERE +t.owner_kind = 'donor' AND t.id > ? AND t.id <= ?"
        " UNION SELECT recipient_id FROM exposures WHERE id > ? AND id <= ?",
        window,
    ).fetchall()
    touched = {r[0] for r in rows}
    if not touched:
        return []
    exposed = db.conn.execute(
        "SELECT DISTINCT recipient_id FROM exposures WHERE recipient_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(touched)),),
    ).fetchall()
    return sorted(r[0] for r in exposed)


# ---- recipients whose evaluation failed: retried by the next run -----------------------------


def failed_recipients(db: Database, recipient_ids: Collection[int] | None = None) -> dict[int, dict]:
    """Recipients the last runs could not evaluate, with the error, by recipient id (only
    ``recipient_ids`` when given)."""
    page, params = among("recipient_id", recipient_ids)
    return {
        row["recipient_id"]: row
        for row in select_rows(
            db, "SELECT * FROM evaluation_failures WHERE 1" + page + " ORDER BY recipient_id", params
        )
    }


def record_failure(db: Database, recipient_id: int, error: str) -> None:
    """Keep a recipient to retry (the watermark moves on without it), counting the attempts."""
    now = utc_now()
    db.conn.execute(
        "INSERT INTO evaluation_failures (recipient_id, error, attempts, first_failed_at,"
        " last_failed_at) VALUES (?, ?, 1, ?, ?) ON CONFLICT (recipient_id) DO UPDATE SET"
        " error = excluded.error, attempts = attempts + 1, last_failed_at = excluded.last_failed_at",
        (recipient_id, error, now, now),
    )


def clear_failures(db: Database, recipient_ids: Iterable[int]) -> None:
    """Forget the failures of recipients now evaluated."""
    db.conn.execute(
        "DELETE FROM evaluation_failures WHERE recipient_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(recipient_ids))),),
    )


def recipients_of_study(db: Database, study_code: str) -> list[int]:
    """The ids of a study's recipients, by subject code."""
    return [
        row[0]
        for row in db.conn.execute(
            "SELECT r.id FROM recipients r JOIN studies s ON s.id = r.study_id WHERE s.code = ?"
            " ORDER BY r.subject_code",
            (study_code,),
        )
    ]


# ---- what an alert batch reads of the evaluations its facts name ----------------------------


def alert_heads(db: Database, evaluation_ids: Iterable[int], *, rules: bool = True) -> dict[int, dict]:
    """What an alert tells of each of these evaluations, by id (an id not stored is absent): its
    ids, rules version and ``rules_name``, of its summary only ``earlier_sera`` (target -> ISO
    date) and, when asked, its whole ``rules`` (parsed): parsing each whole summary and rules
    cost an alert batch more than its query, and only the eplet line needs the rules."""
    rows = select_rows(
        db,
        "SELECT id, recipient_id, exposure_id, donor_id, rules_version, json_extract(rules, '$.name')"
        " AS rules_name, json_extract(summary, '$.earlier_sera') AS earlier_sera"
        + (", rules" if rules else "")
        + " FROM evaluations WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(set(evaluation_ids)))],
    )
    for row in rows:
        row["earlier_sera"] = json.loads(row["earlier_sera"] or "{}")
        if rules:
            row["rules"] = json.loads(row["rules"])
    return {row["id"]: row for row in rows}


def target_states(db: Database, wanted: Mapping[tuple[int, str], str]) -> dict[tuple[int, str], list[dict]]:
    """The DSA states of some targets of some evaluations up to a serum date (``wanted``:
    (evaluation id, target) -> ISO date), as ``evaluation_states`` gives them, by (evaluation id,
    target) in serum order: one query for an alert batch, reading only the states its facts tell
    of (a DSA up to the changed serum), not every state of each evaluation."""
    found: dict[tuple[int, str], list[dict]] = {}
    for row in select_rows(
        db,
        # the wanted list read once (MATERIALIZED), not its JSON once per state compared
        "WITH w AS MATERIALIZED (SELECT json_extract(value, '$[0]') AS evaluation_id,"
        " json_extract(value, '$[1]') AS target, json_extract(value, '$[2]') AS upto FROM json_each(?))"
        " SELECT s.*, p.date, p.serum FROM w JOIN dsa_states s"
        " ON s.evaluation_id = w.evaluation_id AND s.target = w.target"
        " JOIN evaluation_points p ON p.evaluation_id = s.evaluation_id AND p.position = s.position"
        " WHERE p.date <= w.upto ORDER BY s.evaluation_id, s.position, s.target",
        [json.dumps(sorted([*pair, date] for pair, date in wanted.items()))],
    ):
        found.setdefault((row["evaluation_id"], row["target"]), []).append(_state(row))
    return found
