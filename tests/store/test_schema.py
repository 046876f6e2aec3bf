import sqlite3
import threading
import time

import pytest
from sqlite_utils import Database

from dsa_monitor import store
from dsa_monitor.store.schema import INITIAL_DDL, all_migrations, migrations


@pytest.fixture
def db(tmp_path):
    """A migrated database in a real SQLite file."""
    database = store.open_database(tmp_path / "store.sqlite3")
    yield database
    database.close()


def test_a_new_database_is_wal_with_a_busy_timeout_and_foreign_keys(tmp_path):
    db = store.open_database(tmp_path / "new.sqlite3", busy_timeout_ms=1234)
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version(db) == all_migrations()
    assert all_migrations()[:2] == ["m001_initial", "m002_mfi_vectors"]
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(all_migrations())


def test_opening_again_applies_nothing_twice(tmp_path):
    path = tmp_path / "again.sqlite3"
    store.open_database(path).close()
    db = store.open_database(path)
    assert store.migrate(db) == []
    assert db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(all_migrations())


def test_migrations_apply_forward_on_an_old_version_database(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = Database(sqlite3.connect(str(path), isolation_level=None))
    migrations.apply(old, stop_before="m002_mfi_vectors")
    assert "mfi_vectors" not in old.table_names()
    now = "2024-01-01T00:00:00+00:00"
    old.execute("INSERT INTO studies (code, created_at, created_by) VALUES ('S1', ?, 'lab')", [now])
    old.execute(
        "INSERT INTO recipients (study_id, subject_code, created_at, created_by) VALUES (1, 'R1', ?, 'lab')",
        [now],
    )
    old.execute(
        "INSERT INTO uploads (sha256, file_name, size, uploaded_by, uploaded_at, outcome)"
        " VALUES ('ab', 'f.csv', 1, 'lab', ?, 'stored')",
        [now],
    )
    old.execute(
        "INSERT INTO samples (recipient_id, upload_id, lab_sample_id, draw_date, draw_date_source,"
        " qc_status, bead_count, created_at)"
        " VALUES (1, 1, 'L1', '2024-01-01', 'file', 'pass', 2, ?)",
        [now],
    )
    old.execute(
        "INSERT INTO bead_results"
        " (sample_id, position, bead_id, specificity, raw_mfi, normalized_mfi)"
        " VALUES (1, 0, '001', '', 30, NULL), (1, 1, '003', 'A*02:01', 9000, 8500)"
    )
    old.close()

    db = store.open_database(path)

    assert store.schema_version(db) == all_migrations()
    assert db["samples"].count == 1  # the old rows survive
    matrix, beads = store.load_mfi_matrix(db, [1], value="raw")
    assert beads == [("001", ()), ("003", ("A*02:01",))]
    assert matrix.tolist() == [[30.0, 9000.0]]
    normalized, _ = store.load_mfi_matrix(db, [1], value="normalized")
    assert normalized[0, 0] != normalized[0, 0]  # NaN: the file gave no value
    assert normalized[0, 1] == 8500.0


def test_write_transaction_rolls_back_everything_on_error(db):
    with pytest.raises(RuntimeError):
        with store.write_transaction(db):
            store.create_study(db, "S1", user="lab")
            store.create_study(db, "S2", user="lab")
            raise RuntimeError("mid-way")
    assert db["studies"].count == 0
    assert db["audit_log"].count == 0


def test_a_second_writer_waits_for_the_first_and_then_succeeds(tmp_path):
    path = tmp_path / "two.sqlite3"
    first = store.open_database(path)
    outcome = {}

    def write_from_second():
        second = store.open_database(path, busy_timeout_ms=5000)
        outcome["study"] = store.create_study(second, "S2", user="lab")
        second.close()

    with store.write_transaction(first):
        store.create_study(first, "S1", user="lab")
        thread = threading.Thread(target=write_from_second)
        thread.start()
        time.sleep(0.3)
        assert "study" not in outcome  # blocked while the first holds the write lock
    thread.join(timeout=10)
    assert outcome["study"]["code"] == "S2"
    assert [s["code"] for s in store.list_studies(first)] == ["S1", "S2"]


def test_immediate_takes_the_write_lock_at_begin(tmp_path):
    path = tmp_path / "lock.sqlite3"
    first = store.open_database(path)
    impatient = store.open_database(path, busy_timeout_ms=50)
    with store.write_transaction(first):
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            with store.write_transaction(impatient):
                pass  # refused at BEGIN IMMEDIATE, before any read that could go stale
        # readers are never blocked in WAL mode
        assert impatient.execute("SELECT count(*) FROM studies").fetchone()[0] == 0
    assert not impatient.conn.in_transaction


def test_the_ddl_declares_every_aggregate():
    for table in (
        "studies",
        "recipients",
        "recipient_lab_ids",
        "donors",
        "typings",
        "exposures",
        "exposure_donors",
        "files",
        "uploads",
        "samples",
        "bead_results",
        "catalogues",
        "catalogue_beads",
        "audit_log",
    ):
        assert f"CREATE TABLE {table} (" in INITIAL_DDL
