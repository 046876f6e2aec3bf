import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.store.schema import all_migrations

INGEST_DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.fixture
def database(tmp_path, monkeypatch):
    for key, value in (
        ("DATABASE", tmp_path / "cli.sqlite3"),
        ("REFERENCE_DIR", tmp_path / "ref"),
        ("MAIL_DIR", tmp_path / "mail"),
    ):
        monkeypatch.setenv(f"DSA_MONITOR_{key}", str(value))
    return tmp_path / "cli.sqlite3"


def test_init_creates_the_database_and_is_idempotent(database):
    runner = CliRunner()
    first = runner.invoke(main, ["init"])
    assert first.exit_code == 0, first.output
    assert "applied m001_initial" in first.output
    again = runner.invoke(main, ["init"])
    assert again.exit_code == 0 and "applied" not in again.output
    names = all_migrations()
    assert f"{names[-1]} ({len(names)} migrations)" in again.output


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
    result = runner.invoke(main, ["import", file, "--manifest", str(manifest), "--user", "lab", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [s["draw_date_source"] for s in body["samples"]] == ["manifest", "run_date"]
    again = runner.invoke(main, ["import", file, "--user", "lab"])
    assert again.exit_code == 0
    assert f"already stored as upload {body['upload_id']}" in again.output


def test_import_reports_unknown_patients_and_exits_non_zero(database):
    result = CliRunner().invoke(main, ["import", str(INGEST_DATA / "fusion_two_samples.csv")])
    assert result.exit_code == 1
    assert (
        "no sample belongs to an enrolled recipient (sample S24-001 of patient P-17: not"
        " enrolled; sample S24-002 of patient R002: not enrolled)"
    ) in result.output


def test_catalogue_add_and_list(database):
    runner = CliRunner()
    sheet = str(INGEST_DATA / "ls2a01_lot_sheet.csv")
    added = runner.invoke(main, ["catalogue", "add", sheet, "--user", "lab"])
    assert added.exit_code == 0, added.output
    assert "LS2A01 lot LS2A01NC21_013_00 class II, 4 beads" in added.output
    listed = runner.invoke(main, ["catalogue", "list"])
    assert listed.output.startswith("kit\tlot\tclass\tbeads\tregistered\tby\n")
    assert "LS2A01\tLS2A01NC21_013_00\tII\t4\t" in listed.output


def _recipients(database):
    db = store.open_database(database)
    store.create_study(db, "CORD-01", user="coordinator")
    store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="coordinator")
    store.create_recipient(db, "CORD-01", "R002", user="coordinator")
    db.close()


def test_import_reads_a_windows_export_in_the_encoding_named(database, tmp_path):
    _recipients(database)
    lines = (INGEST_DATA / "fusion_two_samples.csv").read_text().splitlines()
    lines = [lines[0] + ';"Note"'] + [line + ';"Prüfung µ"' for line in lines[1:]]
    export = tmp_path / "windows.csv"
    export.write_bytes("\r\n".join(lines).encode("cp1252"))
    runner = CliRunner()
    refused = runner.invoke(main, ["import", str(export), "--user", "lab"])
    assert refused.exit_code == 1 and "not valid utf-8 text: byte 0xFC" in refused.output
    stored = runner.invoke(main, ["import", str(export), "--user", "lab", "--encoding", "cp1252", "--json"])
    assert stored.exit_code == 0, stored.output
    sample_id = json.loads(stored.output)["samples"][0]["sample_id"]
    db = store.open_database(database)
    assert store.list_bead_results(db, sample_id)[0]["extra"] == {"Note": "Prüfung µ"}
    db.close()


def test_import_passes_the_lot_named_for_an_xponent_run(database):
    runner = CliRunner()
    sheet = Path(__file__).resolve().parents[1] / "data" / "lots" / "LS2A01_lot099.csv"
    assert runner.invoke(main, ["catalogue", "add", str(sheet), "--user", "lab"]).exit_code == 0
    run = str(Path(__file__).resolve().parents[1] / "data" / "xponent" / "ls2_run.csv")
    without = runner.invoke(main, ["import", run, "--user", "lab"])
    assert "no catalogue registered for lot 'LABScreen Single Antigen Class II'" in (without.output)
    named = runner.invoke(main, ["import", run, "--user", "lab", "--lot", "LS2A01NC99_099_00"])
    # Read with the named lot's catalogue; xPONENT has no patient column: the sample name is used.
    assert "no catalogue registered" not in named.output
    assert "sample R-7: not enrolled" in named.output
    db = store.open_database(database)
    store.create_study(db, "XP", user="lab")
    store.create_recipient(db, "XP", "S-7", lab_ids=["R-7"], user="lab")
    store.create_recipient(db, "XP", "S-8", lab_ids=["R-8"], user="lab")
    db.close()
    placed = runner.invoke(main, ["import", run, "--user", "lab", "--lot", "LS2A01NC99_099_00", "--json"])
    assert placed.exit_code == 0, placed.output
    result = json.loads(placed.output)
    assert [s["lab_sample_id"] for s in result["samples"]] == ["R-7", "R-8"]
    assert any("placed by its sample name" in w for w in result["warnings"])


def test_import_lists_the_samples_not_stored_and_takes_strict(database):
    from run_files import run_file

    _recipients(database)
    day = database.parent / "day.csv"
    day.write_bytes(run_file(("P-17", "S1"), ("P-99", "S2"), ("", "LS-NC 026")))
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(day), "--user", "lab"])
    assert result.exit_code == 0, result.output
    assert "upload 1, 1 sample(s) stored, 2 not stored" in result.output
    assert "  not stored: S2: not enrolled\n  not stored: LS-NC 026: control serum\n" in (result.output)
    day.write_bytes(run_file(("P-17", "S8"), ("P-99", "S9")))
    strict = runner.invoke(main, ["import", str(day), "--strict", "--study", "CORD-01"])
    assert strict.exit_code == 1
    assert "unknown patient IDs: P-99 (strict upload" in strict.output
