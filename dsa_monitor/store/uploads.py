"""Uploads, their samples and each sample's bead results; a corrected sample supersedes the old."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from functools import lru_cache
from operator import attrgetter

from sqlite_utils import Database

from ..errors import NotFound
from ..sab.model import SampleResult
from . import audit
from .connection import utc_now
from .mfi import VALUE_KINDS, pack_columns
from .pages import among
from .rows import select_rows
from .transaction import inserted_id

BEAD_COLUMNS = (
    "sample_id", "position", "bead_id", "specificity", "serology",
    "raw_mfi", "normalized_mfi", "bcm", "bcr", "ad_bcr", "ad_bcm", "count",
    "vendor_assignment", "control", "extra",
)  # fmt: skip
INSERT_BEADS_SQL = (
    f"INSERT INTO bead_results ({', '.join(BEAD_COLUMNS)}) VALUES ({', '.join('?' for _ in BEAD_COLUMNS)})"
)
SAMPLE_COLUMNS = (
    "recipient_id", "upload_id", "lab_sample_id", "patient_id", "draw_date", "draw_date_source",
    "run_date", "vendor", "kit", "lot", "hla_class", "qc_status", "qc_reasons", "excluded",
    "serum_treatment", "bead_count", "warnings", "well", "created_at",
)  # fmt: skip
INSERT_SAMPLE_SQL = (
    f"INSERT INTO samples ({', '.join(SAMPLE_COLUMNS)}) VALUES ({', '.join('?' for _ in SAMPLE_COLUMNS)})"
)
_BLOB_BLOCK = 1 << 20  # bytes of an upload written into its blob at once
# A bead's values in BEAD_COLUMNS order, after sample_id and position.
_BEAD_VALUES = attrgetter(*BEAD_COLUMNS[2:])
# One serum: lab sample ID, class, lot, serum treatment and draw date (ISO). A corrected file
# shares it with the sample it corrects; a later visit reusing the sample name does not.
SampleIdentity = tuple[str, str | None, str | None, str, str]


def find_stored_upload(db: Database, sha256: str) -> dict | None:
    """The upload that already stored these bytes, if any."""
    rows = select_rows(db, "SELECT * FROM uploads WHERE sha256 = ? AND outcome = 'stored'", [sha256])
    return _upload(rows[0]) if rows else None


def create_upload(
    db: Database,
    *,
    data: bytes | None,
    sha256: str,
    file_name: str,
    size: int,
    format: str | None,
    user: str,
    outcome: str,
    error: dict | None = None,
    summary: dict | None = None,
) -> int:
    """Record an upload attempt in the caller's transaction; bytes are kept once per content."""
    if data is not None:
        _keep_bytes(db, sha256, size, data)
    cursor = db.conn.execute(
        "INSERT INTO uploads"
        " (sha256, file_name, size, format, uploaded_by, uploaded_at, outcome, error, summary)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sha256,
            file_name,
            size,
            format,
            user,
            utc_now(),
            outcome,
            None if error is None else json.dumps(error, default=str),
            None if summary is None else json.dumps(summary, default=str),
        ),
    )
    upload_id = inserted_id(cursor)
    audit.record(
        db,
        user=user,
        action=f"upload_{outcome}",
        entity="upload",
        entity_id=upload_id,
        details={"file_name": file_name, "sha256": sha256, "format": format, "error": error},
    )
    return upload_id


def _keep_bytes(db: Database, sha256: str, size: int, data: bytes) -> None:
    """The bytes of a file not kept yet, written a block at a time into a blob of their size:
    bound whole, SQLite copies them and its cached statement keeps the copy after the insert (on
    a 48 MB upload, 46 MiB more resident for the rest of the import)."""
    cursor = db.conn.execute(
        "INSERT OR IGNORE INTO files (sha256, size, data) VALUES (?, ?, zeroblob(?))",
        (sha256, size, len(data)),
    )
    if cursor.rowcount != 1 or not data:
        return
    with memoryview(data) as view, db.conn.blobopen("files", "data", inserted_id(cursor)) as blob:
        for start in range(0, len(data), _BLOB_BLOCK):
            blob.write(view[start : start + _BLOB_BLOCK])


def set_upload_summary(db: Database, upload_id: int, summary: dict) -> None:
    """Keep the result the lab was given with the upload it describes."""
    db.conn.execute(
        "UPDATE uploads SET summary = ? WHERE id = ?", (json.dumps(summary, default=str), upload_id)
    )


def _upload(row: dict) -> dict:
    for key in ("error", "summary"):
        row[key] = None if row[key] is None else json.loads(row[key])
    return row


def get_upload(db: Database, upload_id: int) -> dict:
    """One upload attempt: file name, sha256, format, who, when, outcome, error or summary."""
    rows = select_rows(db, "SELECT * FROM uploads WHERE id = ?", [upload_id])
    if not rows:
        raise NotFound(f"no upload {upload_id}", upload_id=upload_id)
    return _upload(rows[0])


def list_uploads(db: Database, *, limit: int = 100) -> list[dict]:
    """Upload attempts, newest first."""
    return [_upload(r) for r in select_rows(db, "SELECT * FROM uploads ORDER BY id DESC LIMIT ?", [limit])]


def upload_bytes(db: Database, upload_id: int) -> bytes:
    """The original bytes of an upload, exactly as received."""
    row = db.conn.execute(
        "SELECT f.data FROM uploads u JOIN files f ON f.sha256 = u.sha256 WHERE u.id = ?",
        (upload_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no stored bytes for upload {upload_id}", upload_id=upload_id)
    return bytes(row[0])


def current_samples(db: Database, identities: list[SampleIdentity]) -> dict[SampleIdentity, tuple[int, int]]:
    """The current (not superseded) stored sample of each identity, when there is one, with the
    recipient it was placed with: ``identity -> (sample id, recipient id)``."""
    wanted = set(identities)
    found: dict[SampleIdentity, tuple[int, int]] = {}
    rows = db.conn.execute(
        "SELECT id, recipient_id, lab_sample_id, hla_class, lot, serum_treatment, draw_date"
        " FROM samples WHERE superseded_by IS NULL"
        " AND lab_sample_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted({identity[0] for identity in wanted})),),
    )
    for sample_id, recipient_id, *identity in rows:
        key = tuple(identity)
        if key in wanted and sample_id > found.get(key, (0, 0))[0]:
            found[key] = (sample_id, recipient_id)
    return found


def insert_sample(
    db: Database,
    sample: SampleResult,
    *,
    upload_id: int,
    recipient_id: int,
    draw_date: dt.date,
    draw_date_source: str,
    qc_status: str,
    qc_reasons: list[str],
    serum_treatment: str = "neat",
    panels: dict | None = None,
) -> int:
    """Store one sample and its beads in file order, in the caller's transaction; return its id.

    ``panels`` remembers bead panels already stored, across the samples of one upload.
    """
    run_date = None if sample.run_date is None else sample.run_date.isoformat()
    cursor = db.conn.execute(INSERT_SAMPLE_SQL, (
        recipient_id, upload_id, sample.sample_id, sample.patient_id, draw_date.isoformat(),
        draw_date_source, run_date, sample.vendor, sample.kit, sample.lot, sample.hla_class,
        qc_status, json.dumps(qc_reasons), int(qc_status == "fail"), serum_treatment,
        len(sample.beads), json.dumps(sample.warnings), getattr(sample, "well", None), utc_now(),
    ))  # fmt: skip
    sample_id = inserted_id(cursor)
    if not sample.beads:
        pack_columns(db, sample_id, (), (), [() for _ in VALUE_KINDS], panels)
        return sample_id
    beads = sample.beads
    columns: list[tuple] = [
        (sample_id,) * len(beads),
        tuple(range(len(beads))),
        *zip(*map(_BEAD_VALUES, beads), strict=True),
    ]
    columns[3] = tuple(map(",".join, columns[3]))  # specificity
    nothing = (None,) * len(beads)
    extras = columns[-1]
    columns[-1] = tuple(json.dumps(e) if e else None for e in extras) if any(extras) else nothing
    # Columns the file left empty are not bound at all: NULL by default, and a third faster.
    given = tuple(i for i, values in enumerate(columns) if values != nothing)
    db.conn.executemany(_insert_beads_sql(given), zip(*(columns[i] for i in given), strict=True))
    pack_columns(db, sample_id, columns[2], columns[3], columns[5:12], panels)
    return sample_id


@lru_cache(maxsize=64)
def _insert_beads_sql(given: tuple[int, ...]) -> str:
    """The bead INSERT binding only the columns at positions ``given`` of BEAD_COLUMNS."""
    names = [BEAD_COLUMNS[i] for i in given]
    return f"INSERT INTO bead_results ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def supersede(db: Database, old_sample_id: int, new_sample_id: int, *, user: str, upload_id: int) -> None:
    """Mark a stored sample as replaced by a corrected one, with an audit entry (never silently)."""
    db.conn.execute("UPDATE samples SET superseded_by = ? WHERE id = ?", (new_sample_id, old_sample_id))
    audit.record(
        db,
        user=user,
        action="supersede",
        entity="sample",
        entity_id=old_sample_id,
        details={"superseded_by": new_sample_id, "upload_id": upload_id},
    )


def _sample(row: dict) -> dict:
    for key in ("qc_reasons", "warnings"):
        row[key] = json.loads(row[key])
    row["excluded"] = bool(row["excluded"])
    return row


def get_sample(db: Database, sample_id: int) -> dict:
    """One stored sample (without its beads)."""
    rows = select_rows(db, "SELECT * FROM samples WHERE id = ?", [sample_id])
    if not rows:
        raise NotFound(f"no sample {sample_id}", sample_id=sample_id)
    return _sample(rows[0])


def list_samples(
    db: Database,
    *,
    recipient_id: int | None = None,
    upload_id: int | None = None,
    include_superseded: bool = False,
) -> list[dict]:
    """Stored samples by draw date, current ones only unless asked."""
    where, params = [], []
    if recipient_id is not None:
        where.append("recipient_id = ?")
        params.append(recipient_id)
    if upload_id is not None:
        where.append("upload_id = ?")
        params.append(upload_id)
    if not include_superseded:
        where.append("superseded_by IS NULL")
    sql = "SELECT * FROM samples" + (" WHERE " + " AND ".join(where) if where else "")
    return [_sample(r) for r in select_rows(db, sql + " ORDER BY draw_date, id", params)]


def last_samples(
    db: Database, study_id: int, recipient_ids: Collection[int] | None = None
) -> dict[int, tuple[int, dict]]:
    """Per recipient of a study: how many current samples it has and the last drawn (one query;
    only ``recipient_ids`` when given)."""
    page, params = among("s.recipient_id", recipient_ids)
    rows = select_rows(
        db,
        "SELECT * FROM (SELECT s.*, count(*) OVER (PARTITION BY s.recipient_id) AS sample_count,"
        " row_number() OVER (PARTITION BY s.recipient_id ORDER BY s.draw_date DESC, s.id DESC)"
        " AS newest FROM samples s JOIN recipients r ON r.id = s.recipient_id"
        " WHERE r.study_id = ? AND s.superseded_by IS NULL" + page + ") WHERE newest = 1",
        [study_id, *params],
    )
    found = {}
    for row in rows:
        del row["newest"]
        found[row["recipient_id"]] = (row.pop("sample_count"), _sample(row))
    return found


def list_bead_results(db: Database, sample_id: int) -> list[dict]:
    """A sample's bead rows in catalogue order, specificity as a tuple of allele names."""
    rows = select_rows(db, "SELECT * FROM bead_results WHERE sample_id = ? ORDER BY position", [sample_id])
    for row in rows:
        row["specificity"] = tuple(row["specificity"].split(",")) if row["specificity"] else ()
        row["extra"] = json.loads(row["extra"]) if row["extra"] else {}
    return rows
