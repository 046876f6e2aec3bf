import datetime as dt
import math

import numpy as np
import pytest

from dsa_monitor import store
from dsa_monitor.errors import DSAMonitorError, NotFound
from dsa_monitor.sab.model import BeadResult, SampleResult
from dsa_monitor.store import uploads


@pytest.fixture
def db(tmp_path):
    """A migrated database in a real SQLite file."""
    database = store.open_database(tmp_path / "store.sqlite3")
    yield database
    database.close()


def _sample(name, beads):
    return SampleResult(
        sample_id=name,
        beads=[
            BeadResult(bead_id, spec, raw_mfi=raw, normalized_mfi=normal, count=count)
            for bead_id, spec, raw, normal, count in beads
        ],
    )


@pytest.fixture
def stored(db):
    store.create_study(db, "S", user="lab")
    recipient = store.create_recipient(db, "S", "R1", user="lab")
    lot_13 = [("001", (), 40.0, None, 120), ("003", ("DRB1*01:01",), 9000.0, 8900.5, 95)]
    lot_16 = [("001", (), 35.0, None, 110), ("003", ("DRB1*15:01",), 700.0, 650.0, 80)]
    ids = []
    with store.write_transaction(db):
        upload = uploads.create_upload(
            db,
            data=b"x",
            sha256="x",
            file_name="f.csv",
            size=1,
            format="fusion",
            user="lab",
            outcome="stored",
        )
        for name, beads in (("L1", lot_13), ("L2", lot_13), ("L3", lot_16)):
            ids.append(
                uploads.insert_sample(
                    db,
                    _sample(name, beads),
                    upload_id=upload,
                    recipient_id=recipient["id"],
                    draw_date=dt.date(2024, 1, 1),
                    draw_date_source="file",
                    qc_status="pass",
                    qc_reasons=[],
                )
            )
    return ids


def test_samples_of_one_panel_load_as_one_float32_matrix_in_catalogue_order(db, stored):
    matrix, beads = store.load_mfi_matrix(db, [stored[1], stored[0]], value="raw")
    assert matrix.dtype == np.float32
    assert beads == [("001", ()), ("003", ("DRB1*01:01",))]
    assert matrix.tolist() == [[40.0, 9000.0], [40.0, 9000.0]]
    counts, _ = store.load_mfi_matrix(db, stored[:1], value="count")
    assert counts.tolist() == [[120.0, 95.0]]


def test_a_value_the_file_did_not_give_is_nan(db, stored):
    matrix, _ = store.load_mfi_matrix(db, stored[:1], value="normalized")
    assert math.isnan(matrix[0, 0])
    assert matrix[0, 1] == np.float32(8900.5)


def test_panels_are_aligned_by_bead_and_specificity_not_bead_id_alone(db, stored):
    matrix, beads = store.load_mfi_matrix(db, [stored[0], stored[2]], value="raw")
    assert beads == [("001", ()), ("003", ("DRB1*01:01",)), ("003", ("DRB1*15:01",))]
    expected = np.array([[40, 9000, np.nan], [35, np.nan, 700]], dtype=np.float32)
    assert np.array_equal(matrix, expected, equal_nan=True)


def test_the_matrix_agrees_with_the_queryable_rows(db, stored):
    for sample_id in stored:
        rows = store.list_bead_results(db, sample_id)
        matrix, beads = store.load_mfi_matrix(db, [sample_id], value="raw")
        assert beads == [(r["bead_id"], r["specificity"]) for r in rows]
        assert matrix[0].tolist() == [r["raw_mfi"] for r in rows]


@pytest.mark.parametrize("ids, value, error", [([999], "raw", NotFound), ([1], "median", DSAMonitorError)])
def test_unknown_samples_and_value_kinds_are_refused(db, stored, ids, value, error):
    with pytest.raises(error):
        store.load_mfi_matrix(db, ids, value=value)


def test_every_bead_value_is_kept_and_one_panel_serves_an_upload(db):
    store.create_study(db, "S", user="lab")
    recipient = store.create_recipient(db, "S", "R1", user="lab")
    beads = [
        BeadResult(
            "001", (), raw_mfi=40.0, count=120, control="NC", vendor_assignment="8", extra={"Note": "rerun"}
        ),
        BeadResult(
            "003",
            ("DQA1*05:01", "DQB1*02:01"),
            raw_mfi=9000.0,
            bcm=8800.5,
            bcr=1.5,
            ad_bcr=2.5,
            ad_bcm=3.5,
            serology="DQ2",
            line=7,
        ),
    ]
    panels: dict = {}
    with store.write_transaction(db):
        upload = uploads.create_upload(
            db,
            data=b"x",
            sha256="x",
            file_name="f.csv",
            size=1,
            format="fusion",
            user="lab",
            outcome="stored",
        )
        ids = [
            uploads.insert_sample(
                db,
                SampleResult(sample_id=name, beads=beads),
                upload_id=upload,
                recipient_id=recipient["id"],
                draw_date=dt.date(2024, 1, 1),
                draw_date_source="file",
                qc_status="pass",
                qc_reasons=[],
                panels=panels,
            )
            for name in ("A", "B")
        ]
    rows = store.list_bead_results(db, ids[1])
    kept = (
        "bead_id",
        "specificity",
        "serology",
        "raw_mfi",
        "normalized_mfi",
        "bcm",
        "bcr",
        "ad_bcr",
        "ad_bcm",
        "count",
        "vendor_assignment",
        "control",
        "extra",
    )
    assert [tuple(row[k] for k in kept) for row in rows] == [
        ("001", (), None, 40.0, None, None, None, None, None, 120, "8", "NC", {"Note": "rerun"}),
        (
            "003",
            ("DQA1*05:01", "DQB1*02:01"),
            "DQ2",
            9000.0,
            None,
            8800.5,
            1.5,
            2.5,
            3.5,
            None,
            None,
            None,
            {},
        ),
    ]
    assert db.execute("SELECT count(*) FROM bead_panels").fetchone()[0] == 1
    for value, expected in (
        ("bcm", [np.nan, 8800.5]),
        ("count", [120, np.nan]),
        ("ad_bcm", [np.nan, 3.5]),
        ("normalized", [np.nan, np.nan]),
    ):
        matrix, _ = store.load_mfi_matrix(db, ids, value=value)
        assert np.array_equal(matrix, np.array([expected] * 2, dtype=np.float32), equal_nan=True)


def test_pack_sample_takes_a_row_per_bead(db, stored):
    from dsa_monitor.store.mfi import pack_sample

    with store.write_transaction(db):
        pack_sample(
            db,
            stored[0],
            [("001", ""), ("003", "DRB1*01:01")],
            [(1.0, None, None, None, None, None, 5), (2.0, 3.0, None, None, None, None, 6)],
        )
    raw, beads = store.load_mfi_matrix(db, stored[:1], value="raw")
    counts, _ = store.load_mfi_matrix(db, stored[:1], value="count")
    assert (raw.tolist(), counts.tolist(), beads) == (
        [[1.0, 2.0]],
        [[5.0, 6.0]],
        [("001", ()), ("003", ("DRB1*01:01",))],
    )
