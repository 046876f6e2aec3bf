"""``dsa-monitor study create|edit|show``: a study from the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_create_edit_show(cli_db):
    assert run("init").exit_code == 0
    created = run(
        "study",
        "create",
        "CORD-01",
        "--title",
        "Cord blood",
        "--visit",
        "M1:30:7",
        "--visit",
        "M3:90:14",
        "--strict",
        "--date-layout",
        "dd-mm-yyyy",
        "--user",
        "ana",
    )
    assert created.exit_code == 0, created.output
    assert "visits: M1 day 30 ±7, M3 day 90 ±14" in created.output
    assert "uploads: strict, date layout DD-MM-YYYY" in created.output
    db = store.open_database(cli_db)
    recipient = store.create_recipient(db, "CORD-01", "R001", user="setup")
    edited = run("study", "edit", "CORD-01", "--visit", "M1:30:10", "--lenient")
    assert edited.exit_code == 0, edited.output
    assert "1 recipient(s) marked for the scheduler's next evaluation run" in edited.output
    assert store.studies.requested_evaluations(db) == [recipient["id"]]
    shown = json.loads(run("study", "show", "CORD-01", "--json").output)
    assert (shown["visit_schedule"], shown["strict_uploads"], shown["recipients"]) == (
        [{"name": "M1", "day": 30, "window_days": 10}],
        False,
        1,
    )
    title_only = run("study", "edit", "CORD-01", "--title", "Cord blood II")
    assert "marked" not in title_only.output
    trail = store.list_audit(db, entity="study")
    assert trail[0]["details"]["title"]["now"] == "Cord blood II" and trail[-1]["user"] == "ana"
    db.close()


def test_refusals_name_what_is_wrong_and_store_nothing(cli_db):
    assert run("init").exit_code == 0
    bad_visit = run("study", "create", "X1", "--visit", "M1:thirty:7")
    assert bad_visit.exit_code == 2 and "NAME:DAY:WINDOW" not in bad_visit.output
    assert "whole days" in bad_visit.output
    assert "no study 'NOPE'" in run("study", "show", "NOPE").output
    baseline = run("study", "create", "X2", "--visit", "baseline:0:3")
    assert baseline.exit_code == 1 and "baseline" in baseline.output
    layout = run("study", "create", "X3", "--date-layout", "YY/MM")
    assert layout.exit_code == 1
    db = store.open_database(cli_db)
    assert store.list_studies(db) == []  # created with its settings or not at all
    db.close()
    assert run("study", "edit", "X1").exit_code == 2
