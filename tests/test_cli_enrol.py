"""``dsa-monitor enrol FILE.csv``: the enrolment CSV from the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main

EXAMPLE = Path(__file__).parents[1] / "docs" / "enrolment-example.csv"


def test_enrol_the_example_then_again(cli_db):
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    db = store.open_database(cli_db)
    store.create_study(db, "CORD-01", user="setup")
    db.close()
    first = CliRunner().invoke(main, ["enrol", str(EXAMPLE), "--user", "ana"])
    assert first.exit_code == 0, first.output
    assert (
        "4 row(s) enrolled: added 3 recipients, 4 lab ids, 3 donors, 6 typings, 2 exposures" in first.output
    )
    again = CliRunner().invoke(main, ["enrol", str(EXAMPLE)])
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_a_refused_file_exits_1_naming_line_and_column(cli_db, tmp_path):
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(EXAMPLE.read_text().replace("2024-03-01", "2024-02-30"))
    refused = CliRunner().invoke(main, ["enrol", str(sheet)])
    assert refused.exit_code == 1
    assert "sheet.csv, line 2, column study: no such study" in refused.output
    assert "sheet.csv, line 5, column exposure_date: not a date written YYYY-MM-DD" in refused.output
