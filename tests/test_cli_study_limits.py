"""``dsa-monitor study create|edit --visit``: a day or window beyond ±36500 days is refused
with the same message as the web form (the store's), and nothing is stored."""

from __future__ import annotations

from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_create_refuses_a_day_beyond_the_limit(cli_db):
    assert run("init").exit_code == 0
    far = run("study", "create", "FAR-01", "--visit", "M1:30:7", "--visit", "M3:36501:14")
    assert far.exit_code == 1
    assert "visit M3: day 36501 is beyond 36500 days from the exposure" in far.output
    wide = run("study", "create", "FAR-02", "--visit", "M3:90:99999999999999999999")
    assert wide.exit_code == 1
    assert "visit M3: a window of 99999999999999999999 days is over 36500 days" in wide.output
    db = store.open_database(cli_db)
    assert store.list_studies(db) == []
    db.close()


def test_edit_refuses_it_and_keeps_the_schedule(cli_db):
    assert run("init").exit_code == 0
    assert run("study", "create", "CORD-01", "--visit", "M1:30:7").exit_code == 0
    early = run("study", "edit", "CORD-01", "--visit", "PRE:-36501:7")
    assert early.exit_code == 1
    assert "visit PRE: day -36501 is beyond 36500 days from the exposure" in early.output
    db = store.open_database(cli_db)
    assert store.get_study(db, "CORD-01")["visit_schedule"] == [{"name": "M1", "day": 30, "window_days": 7}]
    db.close()
    edge = run("study", "edit", "CORD-01", "--visit", "PRE:-36500:36500")
    assert edge.exit_code == 0, edge.output
