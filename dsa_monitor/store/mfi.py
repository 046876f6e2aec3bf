"""Bead values as matrices: the DSA engine evaluates (samples × beads) arrays, not rows.

Besides the queryable ``bead_results`` rows, each sample's values are packed once at import as one
float32 (kinds × beads) BLOB, against a shared ``bead_panels`` row naming the beads in catalogue
order: loading 2,000 samples takes milliseconds instead of a row per bead (see benchmarks/).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sqlite_utils import Database

from ..errors import DSAMonitorError, NotFound

# The kinds packed in a sample's BLOB, in this order (a frozen layout: change it by a migration).
VALUE_COLUMNS = {
    "raw": "raw_mfi",
    "normalized": "normalized_mfi",
    "bcm": "bcm",
    "bcr": "bcr",
    "ad_bcr": "ad_bcr",
    "ad_bcm": "ad_bcm",
    "count": "count",
}
VALUE_KINDS = tuple(VALUE_COLUMNS)
# (bead ID, specificity): the same bead ID may carry other alleles in another lot.
BeadKey = tuple[str, tuple[str, ...]]


def pack_sample(
    db: Database, sample_id: int, beads: Sequence[tuple[str, str]], values: Sequence[Sequence]
) -> None:
    """Store a sample's values: ``beads`` as (bead ID, specificity text), ``values`` a row per bead
    holding the VALUE_KINDS in order (None where the file gave nothing)."""
    columns = list(zip(*values, strict=True)) if beads else [() for _ in VALUE_KINDS]
    bead_ids, specificities = (tuple(c) for c in zip(*beads, strict=True)) if beads else ((), ())
    pack_columns(db, sample_id, bead_ids, specificities, columns)


def pack_columns(
    db: Database,
    sample_id: int,
    bead_ids: tuple[str, ...],
    specificities: tuple[str, ...],
    columns: Sequence[Sequence],
    panels: dict[tuple[tuple[str, ...], tuple[str, ...]], int] | None = None,
) -> None:
    """``pack_sample`` given the beads' IDs and specificity texts, and a column per VALUE_KINDS
    (a value per bead, None where not given); ``panels`` remembers panel ids across the samples
    of one upload."""
    panel_id = None if panels is None else panels.get((bead_ids, specificities))
    if panel_id is None:
        panel_json = json.dumps(
            [list(bead) for bead in zip(bead_ids, specificities, strict=True)],
            separators=(",", ":"),
        )
        digest = hashlib.sha256(panel_json.encode()).hexdigest()
        db.conn.execute(
            "INSERT OR IGNORE INTO bead_panels (digest, beads) VALUES (?, ?)", (digest, panel_json)
        )
        (panel_id,) = db.conn.execute("SELECT id FROM bead_panels WHERE digest = ?", (digest,)).fetchone()
        if panels is not None:
            panels[bead_ids, specificities] = panel_id
    matrix = np.empty((len(VALUE_KINDS), len(bead_ids)), dtype="<f4")
    nothing = (None,) * len(bead_ids)
    for row, column in zip(matrix, columns, strict=True):
        if tuple(column) == nothing:
            row[:] = np.nan
        elif None in column:
            row[:] = [np.nan if value is None else value for value in column]
        else:
            row[:] = column
    db.conn.execute(
        "INSERT OR REPLACE INTO mfi_vectors (sample_id, panel_id, data) VALUES (?, ?, ?)",
        (sample_id, panel_id, matrix.tobytes()),
    )


def load_mfi_matrix(
    db: Database, sample_ids: Sequence[int], value: str = "normalized"
) -> tuple[npt.NDArray[np.float32], list[BeadKey]]:
    """One float32 row per sample (in the order asked), one column per bead in catalogue order.

    Samples on different panels are aligned by (bead ID, specificity); a bead a sample lacks, or a
    value its file did not give, is NaN.
    """
    if value not in VALUE_COLUMNS:
        raise DSAMonitorError(f"unknown bead value {value!r}; one of {', '.join(VALUE_COLUMNS)}")
    ids = [int(i) for i in sample_ids]
    if not ids:
        return np.zeros((0, 0), dtype=np.float32), []
    rows = db.conn.execute(
        "SELECT sample_id, panel_id, data FROM mfi_vectors"
        " WHERE sample_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(ids))),),
    ).fetchall()
    packed = {sample_id: (panel_id, data) for sample_id, panel_id, data in rows}
    unknown = [i for i in ids if i not in packed]
    if unknown:
        raise NotFound(f"no stored bead values for sample(s) {unknown}", sample_ids=unknown)
    panels = {
        panel_id: [(bead_id, spec) for bead_id, spec in json.loads(beads)]
        for panel_id, beads in db.conn.execute(
            "SELECT id, beads FROM bead_panels WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted({p for p, _ in packed.values()})),),
        )
    }
    kind = VALUE_KINDS.index(value)
    vectors = [
        np.frombuffer(data, dtype="<f4").reshape(len(VALUE_KINDS), -1)[kind]
        for _, data in (packed[i] for i in ids)
    ]
    if len(panels) == 1:
        (beads,) = panels.values()
        return np.vstack(vectors).astype(np.float32, copy=False), [_key(b) for b in beads]
    column: dict[tuple[str, str], int] = {}
    for sample_id in ids:
        for bead in panels[packed[sample_id][0]]:
            column.setdefault(bead, len(column))
    matrix = np.full((len(ids), len(column)), np.nan, dtype=np.float32)
    for row, (sample_id, vector) in enumerate(zip(ids, vectors, strict=True)):
        matrix[row, [column[b] for b in panels[packed[sample_id][0]]]] = vector
    return matrix, [_key(b) for b in column]


def _key(bead: tuple[str, str]) -> BeadKey:
    return bead[0], tuple(bead[1].split(",")) if bead[1] else ()
