"""What an evaluation is made from, read in bulk for a batch of recipients: their heads and
exposures, their runs with packed bead values and panels, the typings in force."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from sqlite_utils import Database

from .mfi import VALUE_KINDS
from .rows import select_rows

RUN_COLUMNS = (
    "id", "recipient_id", "lab_sample_id", "draw_date", "vendor", "kit", "lot", "hla_class",
    "qc_status", "qc_reasons", "excluded", "serum_treatment", "panel_id",
)  # fmt: skip


def recipient_runs(db: Database, recipient_ids: Iterable[int]) -> dict[int, list[tuple]]:
    """The current (not superseded) stored samples of recipients as tuples in ``RUN_COLUMNS``
    order less the last (``panel_id``: ``stacked_values`` reads it with the values, and a join
    here would read every vector's page twice), ``qc_reasons`` left as JSON text, ``excluded``
    0/1: a national cohort has millions of runs, and most never need more than their columns."""
    found: dict[int, list[tuple]] = {}
    for row in db.conn.execute(
        "SELECT s.id, s.recipient_id, s.lab_sample_id, s.draw_date, s.vendor, s.kit, s.lot,"
        " s.hla_class, s.qc_status, s.qc_reasons, s.excluded, s.serum_treatment FROM samples s"
        " WHERE s.superseded_by IS NULL AND s.recipient_id IN (SELECT value FROM json_each(?))"
        " ORDER BY s.recipient_id, s.draw_date, s.id",
        [json.dumps(sorted(set(recipient_ids)))],
    ):
        found.setdefault(row[1], []).append(row)
    return found


def sample_values(db: Database, sample_ids: Sequence[int]) -> dict[int, npt.NDArray[np.float32]]:
    """Each sample's packed values as a (VALUE_KINDS × beads) float32 array (NaN: not given)."""
    rows = db.conn.execute(
        "SELECT sample_id, data FROM mfi_vectors WHERE sample_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(int(i) for i in sample_ids))),),
    ).fetchall()
    return {
        sample_id: np.frombuffer(data, dtype="<f4").reshape(len(VALUE_KINDS), -1) for sample_id, data in rows
    }


def stacked_values(
    db: Database, sample_ids: Sequence[int], *, kinds: int = len(VALUE_KINDS)
) -> dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
    """Per bead panel, its samples' ids (ascending) and their packed values as one
    (samples × kinds × beads) float32 array: one query and one ``np.frombuffer`` per panel,
    whatever the number of samples (no array per sample). ``kinds``: the first kinds of
    ``VALUE_KINDS`` only, read as the leading bytes of each vector (a vector is kind by kind:
    an evaluation reads raw, normalized and BCM, three of seven, and copies less)."""
    by_panel: dict[int, tuple[list[int], list[bytes]]] = {}
    for sample_id, panel_id, data in db.conn.execute(
        # in sample order as asked (no ORDER BY: sorting the blobs cost as much as reading them)
        "SELECT sample_id, panel_id, substr(data, 1, length(data) / ? * ?) FROM mfi_vectors"
        " WHERE sample_id IN (SELECT value FROM json_each(?))",
        (len(VALUE_KINDS), kinds, json.dumps(sorted(set(int(i) for i in sample_ids)))),
    ):
        held = by_panel.get(panel_id)
        if held is None:
            held = by_panel[panel_id] = ([], [])
        held[0].append(sample_id)
        held[1].append(data)
    found = {}
    for panel_id in sorted(by_panel):
        ids, chunks = by_panel[panel_id]
        order = np.argsort(np.array(ids, dtype=np.int64), kind="stable")
        data = np.frombuffer(b"".join(chunks), dtype="<f4").reshape(len(ids), kinds, -1)
        if (np.diff(order) < 0).any():  # SQLite gave them out of order: put them in order
            data = data[order]
        found[panel_id] = (np.array(ids, dtype=np.int64)[order], data)
    return found


def nc_bead_positions(db: Database, sample_ids: Sequence[int]) -> dict[int, int]:
    """The position (in the packed vector) of each sample's NC control bead, the first when a
    file names several; samples without one are absent (index ``bead_results_nc``)."""
    return dict(
        db.conn.execute(
            "SELECT sample_id, min(position) FROM bead_results WHERE control = 'NC'"
            " AND sample_id IN (SELECT value FROM json_each(?)) GROUP BY sample_id",
            (json.dumps(sorted(set(int(i) for i in sample_ids))),),
        ).fetchall()
    )


def bead_panels(db: Database, panel_ids: Iterable[int]) -> dict[int, str]:
    """Bead orders by panel id as stored: JSON ``[[bead ID, specificity joined by ','], ...]``
    in catalogue order (the text itself, so that callers may cache what they build from it)."""
    return dict(
        db.conn.execute(
            "SELECT id, beads FROM bead_panels WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(panel_ids))),),
        ).fetchall()
    )


def current_typing_rows(db: Database, owner_kind: str, owner_ids: Iterable[int]) -> dict[int, dict]:
    """The current typing row of each owner that has one (``typing_json`` left as text)."""
    found: dict[int, dict] = {}
    for row in select_rows(
        db,
        "SELECT * FROM typings WHERE owner_kind = ? AND owner_id IN (SELECT value FROM json_each(?))"
        " ORDER BY owner_id, version",
        [owner_kind, json.dumps(sorted(set(owner_ids)))],
    ):
        found[row["owner_id"]] = row  # the highest version wins
    return found


def current_typings(db: Database, owner_kind: str, owner_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """Each owner's current typing as (typing id, ``typing_json`` text): what an evaluation
    reads of it (``current_typing_rows`` without the other columns, for a whole batch)."""
    found: dict[int, tuple[int, str]] = {}
    for owner_id, typing_id, text in db.conn.execute(
        "SELECT owner_id, id, typing_json FROM typings WHERE owner_kind = ?"
        " AND owner_id IN (SELECT value FROM json_each(?)) ORDER BY owner_id, version",
        [owner_kind, json.dumps(sorted(set(owner_ids)))],
    ):
        found[owner_id] = (typing_id, text)  # the highest version wins
    return found


def recipient_heads(db: Database, recipient_ids: Iterable[int]) -> dict[int, dict]:
    """Recipients with their subject code, study code and the study's visit schedule."""
    found = {}
    for row in select_rows(
        db,
        "SELECT r.id, r.subject_code, s.code AS study_code, s.visit_schedule FROM recipients r"
        " JOIN studies s ON s.id = r.study_id WHERE r.id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(set(recipient_ids)))],
    ):
        row["visit_schedule"] = json.loads(row["visit_schedule"])
        found[row["id"]] = row
    return found


def recipient_exposures(db: Database, recipient_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Each recipient's exposures by date, with their donors as (id, code) pairs."""
    found: dict[int, list[dict]] = {}
    for row in select_rows(
        db,
        "SELECT e.id, e.recipient_id, e.date, e.kind,"
        " (SELECT json_group_array(json_array(d.id, d.code)) FROM exposure_donors x"
        "  JOIN donors d ON d.id = x.donor_id WHERE x.exposure_id = e.id) AS donors"
        " FROM exposures e WHERE e.recipient_id IN (SELECT value FROM json_each(?))"
        " ORDER BY e.recipient_id, e.date, e.id",
        [json.dumps(sorted(set(recipient_ids)))],
    ):
        row["donors"] = sorted(tuple(d) for d in json.loads(row["donors"]))
        found.setdefault(row["recipient_id"], []).append(row)
    return found
