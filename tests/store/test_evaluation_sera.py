"""An evaluation's sera kept in its own row (``evaluations.sera``) read back as the rows would be."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.store import evaluations as stored

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_evaluate import populate  # noqa: E402

MEASURED, UNMEASURED = (None, 0.0, 0.0), (None, None, None)  # a class's DSA, top and sum MFI
POINTS = [  # ``POINT_COLUMNS`` after evaluation_id: both classes, class I alone, a serum left out
    (0, "R-BL", "[11, 12]", "2024-01-01", "baseline", -7, None, 0.0, 0.0, "[]", *MEASURED * 2, "[]"),
    (1, "R-M1 (DTT)", "[13]", "2024-02-01", "M1", 24, None, 0.0, 0.0, "[]", *MEASURED, *UNMEASURED, "[]"),
    (2, 'R "M3"', "[14]", "2024-04-01", "M3", 84, "QC", None, None, '["a note"]', *UNMEASURED * 2, "[]"),
]


@pytest.fixture
def db(tmp_path):
    found = store.open_database(tmp_path / "sera.sqlite3")
    populate(found, 1, seed=1)
    return found


def _head(db) -> tuple:
    recipient, exposure, donor = db.conn.execute(
        "SELECT e.recipient_id, e.id, x.donor_id FROM exposures e"
        " JOIN exposure_donors x ON x.exposure_id = e.id"
    ).fetchone()
    return (recipient, exposure, donor, "2024-01-08", None, "r1", "{}", "embedded", "f1-x", "R-BL", "{}")


def test_sera_kept_in_the_evaluation_row_read_back_as_its_rows(db):
    with store.write_transaction(db):
        as_rows, as_text = stored.insert_evaluations(
            db, [_head(db), _head(db)], [POINTS, stored.compact_sera(POINTS)], user="test"
        )
    assert db.conn.execute(
        "SELECT count(*) FROM evaluation_points WHERE evaluation_id = ?", (as_text,)
    ).fetchone() == (0,)
    rows, text = stored.evaluation_points(db, as_rows), stored.evaluation_points(db, as_text)
    assert [{**r, "evaluation_id": 0} for r in rows] == [{**r, "evaluation_id": 0} for r in text]
    assert text[2]["notes"] == ["a note"] and text[0]["sample_ids"] == [11, 12]


def test_an_evaluation_with_dsa_states_keeps_its_sera_as_rows(db):
    state = (0, "A2", 11, "baseline", "I", "antigen", "A", 3000.0, "normalized", 1, "weak", "preformed",
             "preformed", 0, 1, None, 0, "[]", "[]", None, None)  # fmt: skip
    with pytest.raises(ValueError, match="as rows"), store.write_transaction(db):
        stored.insert_evaluations(
            db, [_head(db)], [stored.compact_sera(POINTS)], states=[[state]], user="test"
        )
    assert db.conn.execute("SELECT count(*) FROM evaluations").fetchone() == (0,)
