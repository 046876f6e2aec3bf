"""Idle connections kept for the next request of the same app, instead of one opened per request.

Why: opening a connection costs more than the reading most API requests serve (SQLite parses
the whole schema at the first statement, then the connection pragmas); measured on the DSA read,
0.6 of 2.3 ms per request. A request takes an idle connection or opens one, and gives it back at
teardown: rolled back if it left a transaction open, closed instead if the pool is full or the
file at the path is no longer the one it was opened on (a restored backup, a test's new file).
Connections are made with ``check_same_thread=False`` (one request uses one at a time, on
whichever thread serves it) and closed when the app goes away or the process exits.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path

from sqlite_utils import Database

IDLE_KEPT = 32  # more than the threads of any deployment we document (gunicorn 2 x 8)


def file_identity(path: str) -> tuple[int, int] | None:
    """Which file is at ``path`` now (device, inode); None if there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


class ConnectionPool:
    """Idle connections of one app, per database path, each with the file it was opened on."""

    def __init__(self, kept: int = IDLE_KEPT) -> None:
        self._kept = kept
        self._idle: list[tuple[str, tuple[int, int] | None, Database]] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _close_all, self._idle, self._lock)

    def take(self, path: str | Path, identity: tuple[int, int] | None) -> Database | None:
        """An idle connection to the file now at ``path`` (``identity``), or None (open one)."""
        wanted = str(path)
        stale: list[Database] = []
        found = None
        with self._lock:
            for index in range(len(self._idle) - 1, -1, -1):
                held_path, held_identity, db = self._idle[index]
                if held_path != wanted:
                    continue
                del self._idle[index]
                if identity is not None and held_identity == identity:
                    found = db
                    break
                stale.append(db)
        for db in stale:
            db.close()
        return found

    def give(self, path: str | Path, identity: tuple[int, int] | None, db: Database) -> None:
        """Keep ``db``, opened on the file ``identity`` at ``path``, for the next request (rolled
        back first), or close it."""
        try:
            if db.conn.in_transaction:
                db.conn.rollback()
        except Exception:  # a connection that cannot roll back is not reused
            db.close()
            return
        with self._lock:
            if identity is not None and len(self._idle) < self._kept:
                self._idle.append((str(path), identity, db))
                return
        db.close()

    def close(self) -> None:
        """Close every idle connection (the app's end, a test's teardown)."""
        _close_all(self._idle, self._lock)


def _close_all(idle: list, lock: threading.Lock) -> None:
    with lock:
        held = [db for _, _, db in idle]
        idle.clear()
    for db in held:
        db.close()
