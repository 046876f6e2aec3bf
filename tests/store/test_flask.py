"""The app's connections: one per app context, migrated once, reused by the next request."""

import sqlite3
import threading
from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.store.pool import ConnectionPool, file_identity
from dsa_monitor.store.schema import all_migrations


def test_the_app_context_opens_one_migrated_connection_and_the_next_context_reuses_it(app):
    with app.app_context():
        db = store.get_db()
        assert store.get_db() is db
        assert store.schema_version(db) == all_migrations()
        assert db.journal_mode == "wal"
    path = app.config["DATABASE"]
    assert (path, file_identity(path)) in app.extensions["dsa_store"]["migrated"]
    with app.app_context():
        assert store.get_db() is db  # given back at teardown, taken again: not reopened
        assert store.get_db().conn.execute("SELECT count(*) FROM studies").fetchone() == (0,)


def test_a_transaction_left_open_by_a_request_is_rolled_back_before_the_next_one(app, db):
    with app.app_context():
        pooled = store.get_db()
        pooled.conn.execute("BEGIN IMMEDIATE")
        pooled.conn.execute(
            "INSERT INTO studies (code, title, visit_schedule, created_at, created_by)"
            " VALUES ('LEFT', '', '[]', '2026', 'test')"
        )
    # the write lock is free again (a writer of its own gets in at once) and nothing was kept
    db.conn.execute("BEGIN IMMEDIATE")
    db.conn.execute("ROLLBACK")
    assert db.conn.execute("SELECT count(*) FROM studies WHERE code = 'LEFT'").fetchone() == (0,)
    with app.app_context():
        assert store.get_db() is pooled
        assert not pooled.conn.in_transaction


def test_a_file_put_in_place_of_the_database_is_read_through_a_new_migrated_connection(app, tmp_path):
    path = Path(app.config["DATABASE"])
    with app.app_context():
        old = store.get_db()
        store.create_study(old, "OLD", user="test")
    for suffix in ("", "-wal", "-shm"):  # gone while the app holds an idle connection to it
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    bare = sqlite3.connect(path)  # another file at the path, with no schema yet
    bare.execute("CREATE TABLE note (text TEXT)")
    bare.commit()
    bare.close()
    with app.app_context():
        db = store.get_db()
        assert db is not old
        assert store.schema_version(db) == all_migrations()
        assert db.conn.execute("SELECT count(*) FROM studies").fetchone() == (0,)
    with pytest.raises(sqlite3.ProgrammingError):  # the connection to the old file was closed
        old.conn.execute("SELECT 1")


def test_requests_on_other_threads_share_the_pool(app):
    used, errors = [], []

    def request() -> None:
        try:
            with app.app_context():
                db = store.get_db()
                used.append(db)
                db.conn.execute("SELECT count(*) FROM recipients").fetchone()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    for _ in range(3):  # one after another: each thread takes the connection the last gave back
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    assert errors == []
    assert len({id(db) for db in used}) == 1


def test_the_pool_keeps_a_bounded_number_and_closes_the_rest(tmp_path):
    path = str(tmp_path / "pool.sqlite3")
    pool = ConnectionPool(kept=2)
    opened = [store.open_database(path, any_thread=True) for _ in range(3)]
    for db in opened:
        pool.give(path, file_identity(path), db)
    with pytest.raises(sqlite3.ProgrammingError):  # the third: not kept, closed
        opened[2].conn.execute("SELECT 1")
    taken = pool.take(path, file_identity(path))
    assert taken in opened[:2]
    pool.close()
    assert pool.take(path, file_identity(path)) is None
    idle = next(db for db in opened[:2] if db is not taken)
    with pytest.raises(sqlite3.ProgrammingError):  # closed by close()
        idle.conn.execute("SELECT 1")
    assert taken.conn.execute("SELECT 1").fetchone() == (1,)  # in use: not the pool's to close
    taken.close()
