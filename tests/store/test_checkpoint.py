"""A large write's WAL is copied back into the file by a thread after it, not by its commit."""

from __future__ import annotations

import threading

from dsa_monitor import store
from dsa_monitor.store.connection import checkpoint_after


def _wal_frames(db) -> tuple[int, int]:
    """(frames in the WAL, frames of it already in the file), as a PASSIVE checkpoint sees them."""
    _, frames, copied = db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return frames, copied


def test_the_commit_leaves_the_checkpoint_to_a_thread_and_the_setting_is_kept(tmp_path):
    db = store.open_database(tmp_path / "wal.sqlite3")
    db.conn.execute("PRAGMA wal_autocheckpoint = 500")
    with checkpoint_after(db), store.write_transaction(db):
        assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        db.conn.execute("CREATE TABLE big (x BLOB)")
        db.conn.executemany("INSERT INTO big VALUES (?)", [(b"x" * 4000,) for _ in range(2000)])
    assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (500,)
    for thread in threading.enumerate():
        if thread.name == "wal-checkpoint":
            thread.join(timeout=30)
    frames, copied = _wal_frames(db)
    assert frames > 1000 and copied == frames  # the thread copied the whole run into the file
    db.close()


def test_a_database_of_its_own_has_nothing_to_checkpoint():
    db = store.open_database(":memory:")
    with checkpoint_after(db), store.write_transaction(db):
        db.conn.execute("CREATE TABLE t (x)")
    assert not any(thread.name == "wal-checkpoint" for thread in threading.enumerate())
