"""A consistent copy of the live database, taken while the service keeps writing.

SQLite's online backup API (``sqlite3.Connection.backup``) copies every page in one step under
one read transaction: in WAL mode writers go on meanwhile and the copy is the database as of
that transaction's start. The copy is written beside the target under a temporary name, checked
(``PRAGMA integrity_check``), switched to a rollback journal (one self-contained file; the service
turns WAL back on when it opens it) and only then given its name.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from ..errors import BackupFailed, Conflict, NotFound
from .connection import BUSY_TIMEOUT_MS
from .schema import schema_version


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What was copied where: the copy's size, schema and integrity."""

    source: Path
    target: Path
    size: int  # bytes
    user_version: int
    migrations: tuple[str, ...]
    integrity: str

    @property
    def schema(self) -> str:
        return self.migrations[-1] if self.migrations else "empty"


def _check(path: Path) -> tuple[str, int, tuple[str, ...]]:
    """Integrity, ``PRAGMA user_version`` and migration names of a copy, opened read-only."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        migrations = tuple(schema_version(Database(conn)))
    finally:
        conn.close()
    return "; ".join(rows), version, migrations


def backup_database(source: str | Path, target: str | Path, *, force: bool = False) -> BackupReport:
    """Copy ``source`` to ``target`` consistently; an existing target is replaced only if forced."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise NotFound(f"no database at {source}", path=str(source))
    if target.exists() and not force:
        raise Conflict(f"{target} exists; give --force to overwrite it", path=str(target))
    if target.resolve() == source.resolve():
        raise Conflict(f"{target} is the database itself", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        live = sqlite3.connect(str(source), timeout=BUSY_TIMEOUT_MS / 1000)
        copy = sqlite3.connect(str(partial))
        try:
            live.backup(copy)  # pages=-1: every page in one step, one consistent read
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
            live.close()
        os.chmod(partial, 0o600)  # patient data: readable by the service's account only
        integrity, version, migrations = _check(partial)
        if integrity != "ok":
            raise BackupFailed(
                f"the copy of {source} failed its integrity check: {integrity}", path=str(source)
            )
        if force:
            os.replace(partial, target)
        else:
            # Claim the name first: fails, rather than overwrite, if the target appeared since.
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            os.replace(partial, target)
    except FileExistsError as error:
        raise Conflict(f"{target} exists; give --force to overwrite it", path=str(target)) from error
    except sqlite3.Error as error:
        raise BackupFailed(f"backup of {source} failed: {error}", path=str(source)) from error
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(source, target, target.stat().st_size, version, migrations, integrity)
