import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main

INGEST_DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.fixture
def database(tmp_path, monkeypatch):
    for key, value in (("DATABASE", tmp_path / "cli.sqlite3"), ("REFERENCE_DIR", tmp_path / "ref"),
                       ("MAIL_DIR", tmp_path / "mail")):
        monkeypatch.setenv(f"DSA_MONITOR_{key}", str(value))
    return tmp_path / "cli.sqlite3"


def test_init_creates_the_database_and_is_idempotent(database):
    runner = CliRunner()
    first = runner.invoke(main, ["init"])
    assert first.exit_code == 0, first.output
    assert "applied m001_initial" in first.output
    again = runner.invoke(main, ["init"])
    assert again.exit_code == 0 and "applied" not in again.output
    assert "m002_mfi_vectors (2 migrations)" in again.output


def test_import_with_a_manifest_then_again(database, tmp_path):
    db = store.open_database(database)
    store.create_study(db, "CORD-01", user="coordinator")
    store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="coordinator")
    store.create_recipient(db, "CORD-01", "R002", user="coordinator")
    db.close()
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("sample_id,draw_date\nS24-001,2024-03-20\n")
    file = str(INGEST_DATA / "fusion_two_samples.csv")
    runner = CliRunner()
    result = runner.invoke(main, ["import", file, "--manifest", str(manifest), "--user", "lab",
                                  "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [s["draw_date_source"] for s in body["samples"]] == ["manifest", "run_date"]
    again = runner.invoke(main, ["import", file, "--user", "lab"])
    assert again.exit_code == 0
    assert f"already stored as upload {body['upload_id']}" in again.output


def test_import_reports_unknown_patients_and_exits_non_zero(database):
    result = CliRunner().invoke(main, ["import", str(INGEST_DATA / "fusion_two_samples.csv")])
    assert result.exit_code == 1
    assert "unknown patient IDs: P-17, R002" in result.output


def test_catalogue_add_and_list(database):
    runner = CliRunner()
    sheet = str(INGEST_DATA / "ls2a01_lot_sheet.csv")
    added = runner.invoke(main, ["catalogue", "add", sheet, "--user", "lab"])
    assert added.exit_code == 0, added.output
    assert "LS2A01 lot LS2A01NC21_013_00 class II, 4 beads" in added.output
    listed = runner.invoke(main, ["catalogue", "list"])
    assert "LS2A01\tLS2A01NC21_013_00\tclass II\t4 beads" in listed.output
