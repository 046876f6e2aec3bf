"""``dsa-monitor backup``: a consistent, checked copy of a live WAL database."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.errors import Conflict, NotFound
from dsa_monitor.store.backup import backup_database
from dsa_monitor.store.connection import write_transaction


def _rows(path, table="studies"):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def live(tmp_path):
    """A migrated database with a few studies, in WAL mode."""
    path = tmp_path / "live.sqlite3"
    db = store.open_database(path)
    for n in range(3):
        store.create_study(db, f"S-{n}", title=f"study {n}", user="test")
    db.close()
    return path


def test_a_copy_has_the_same_rows_and_schema(live, tmp_path):
    target = tmp_path / "copy.sqlite3"
    report = backup_database(live, target)
    assert (report.integrity, report.size) == ("ok", target.stat().st_size)
    for table in ("studies", "audit_log"):
        assert _rows(target, table) == _rows(live, table)
    db = store.open_database(target, migrate=False)
    try:
        assert tuple(store.schema_version(db)) == report.migrations
        assert report.user_version == len(report.migrations) > 0
    finally:
        db.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("copy", ".copy"))) == [
        "copy.sqlite3"
    ]  # one self-contained file, no journal or partial left beside it


def test_a_copy_taken_while_another_connection_writes(live, tmp_path):
    stop, written, failures = threading.Event(), [], []

    def writer():
        db = store.open_database(live, migrate=False)
        try:
            n = 0
            while not stop.is_set() or n < 20:
                with write_transaction(db):
                    store.create_study(db, f"W-{n}", title="written during the backup", user="writer")
                written.append(n)
                n += 1
        except Exception as error:  # reported below: a writer must never be blocked out
            failures.append(error)
        finally:
            db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 10 and thread.is_alive():
            time.sleep(0.001)
        reports = [backup_database(live, tmp_path / f"copy{i}.sqlite3") for i in range(3)]
    finally:
        stop.set()
        thread.join()
    assert failures == [] and len(written) >= 20
    final = _rows(live)
    for report in reports:
        copied = _rows(report.target)
        assert report.integrity == "ok"
        assert 3 + 10 <= len(copied) <= len(final)
        assert copied == final[: len(copied)]  # a prefix of the history: no torn transaction
        codes = [row[1] for row in copied]
        assert codes[:3] == ["S-0", "S-1", "S-2"]


def test_an_existing_file_is_kept_unless_forced(live, tmp_path):
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"yesterday's backup")
    with pytest.raises(Conflict, match="exists; give --force"):
        backup_database(live, target)
    assert target.read_bytes() == b"yesterday's backup"
    backup_database(live, target, force=True)
    assert _rows(target) == _rows(live)


@pytest.mark.parametrize("case", ["missing", "itself"])
def test_what_cannot_be_copied(live, tmp_path, case):
    if case == "missing":
        with pytest.raises(NotFound, match="no database at"):
            backup_database(tmp_path / "none.sqlite3", tmp_path / "copy.sqlite3")
        assert not (tmp_path / "none.sqlite3").exists()
    else:
        with pytest.raises(Conflict, match="is the database itself"):
            backup_database(live, live, force=True)


def test_the_command_prints_size_and_schema(live, tmp_path, monkeypatch):
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(live))
    target = tmp_path / "nightly.sqlite3"
    runner = CliRunner()
    result = runner.invoke(main, ["backup", str(target)])
    assert result.exit_code == 0, result.output
    size = target.stat().st_size
    db = store.open_database(live, migrate=False)
    try:
        schema = store.schema_version(db)
    finally:
        db.close()
    assert f"to {target}: " in result.output and f"({size} bytes)" in result.output
    assert f"schema {schema[-1]} ({len(schema)} migrations" in result.output
    assert result.output.rstrip().endswith("integrity ok")
    again = runner.invoke(main, ["backup", str(target)])
    assert again.exit_code == 1 and "exists; give --force to overwrite it" in again.output
    forced = runner.invoke(main, ["backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
