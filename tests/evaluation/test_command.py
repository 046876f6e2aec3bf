"""``dsa-monitor evaluate``: a readable table, JSON on demand, evaluations stored once."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from evaluation.worked_sera import AS_OF as WX_AS_OF
from evaluation.worked_sera import BASELINE, M1, make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial

AS_OF = build_trial().as_of.isoformat()


@pytest.fixture
def database(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(path))
    monkeypatch.setenv("DSA_MONITOR_REFERENCE_DIR", str(tmp_path / "reference"))
    db = store.open_database(path)
    store_trial(db, build_trial())
    db.close()
    return path


def run(*args):
    result = CliRunner().invoke(main, ["evaluate", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_study_as_a_table(database):
    lines = run("--study", "MSC-SLE", "--as-of", AS_OF).splitlines()
    assert lines[0].split() == [
        "subject",
        "donor",
        "visit",
        "date",
        "antigen",
        "level",
        "MFI",
        "strength",
        "status",
    ]
    lup03 = [line.split(None, 8) for line in lines if line.startswith("LUP-03")]
    assert [(row[2], row[4], row[8]) for row in lup03 if not row[8].startswith("class")] == [
        ("baseline", "-", "no DSA"),
        ("M1", "-", "no DSA"),
        ("M3", "A*24:02", "de novo"),
        ("M6", "A*24:02", "persistent, rising"),
        ("M9", "A*24:02", "persistent"),
        ("M12", "A*24:02", "persistent"),
    ]
    # per serum and class: the immunodominant DSA and the sum of DSA MFI (one DSA: equal)
    by_class = [(row[2], row[8]) for row in lup03 if row[8].startswith("class")]
    assert [visit for visit, _ in by_class] == ["M3", "M6", "M9", "M12"]
    for _, said in by_class:
        mfi, total = re.fullmatch(r"class I DSA: immunodominant A\*24:02 (\d+), sum (\d+)", said).groups()
        assert mfi == total
    assert sum(line.startswith("LUP-") for line in lines) == 48 + 4
    assert lines[-1].startswith("rules default r1-")


def test_one_recipient_as_json_to_a_file(database, tmp_path):
    out = tmp_path / "lup03.json"
    printed = run("--recipient", "LUP-03", "--as-of", AS_OF, "--json", str(out))
    document = json.loads(out.read_text())
    (recipient,) = document["recipients"]
    assert recipient["subject_code"] == "LUP-03" and recipient["summary"]["de_novo"] == 1
    assert recipient["evaluations"][0]["rules"]["version"].startswith("r1-")
    assert "de novo" in printed
    assert (
        json.loads(run("--recipient", "3", "--format", "json"))["recipients"][0]["subject_code"] == "LUP-03"
    )


def test_pending_runs_once(database):
    assert "LUP-08" in run("--pending", "--as-of", AS_OF)
    assert run("--pending", "--as-of", AS_OF).strip() == "nothing to evaluate"
    db = store.open_database(database)
    assert db.conn.execute("SELECT count(*) FROM evaluations").fetchone()[0] == 8
    db.close()


def test_an_unknown_subject_is_an_error(database):
    result = CliRunner().invoke(main, ["evaluate", "--recipient", "NOPE"])
    assert result.exit_code != 0 and "no recipient(s) with subject code 'NOPE'" in result.output


def test_other_rules_from_a_file_are_an_explicit_reevaluation(database, tmp_path):
    rules = tmp_path / "strict.json"
    rules.write_text(json.dumps({"name": "strict", "cutoff": 3000}))
    run("--recipient", "LUP-03", "--as-of", AS_OF)
    lines = run("--recipient", "LUP-03", "--as-of", AS_OF, "--rules", str(rules)).splitlines()
    rows = [line.split(None, 8) for line in lines if line.startswith("LUP-03")]
    assert [(row[2], row[8]) for row in rows if row[4] != "-"] == [
        ("M6", "de novo"),
        ("M9", "persistent"),
        ("M12", "persistent"),
    ]
    assert lines[-1].startswith("rules strict r1-")
    db = store.open_database(database)
    rules_kept = [
        row[0] for row in db.conn.execute("SELECT json_extract(rules, '$.name') FROM evaluations ORDER BY id")
    ]
    db.close()
    assert rules_kept == ["default", "strict"]


def test_a_rules_file_with_an_unknown_rule_is_refused(database, tmp_path):
    rules = tmp_path / "bad.json"
    rules.write_text(json.dumps({"cutof": 3000}))
    result = CliRunner().invoke(main, ["evaluate", "--rules", str(rules)])
    assert result.exit_code != 0 and "unknown rule(s): cutof" in result.output


@pytest.fixture
def worked(database):
    """Beside the trial: study WX, WX-1 with class I and II DSA and a self bead at M1."""
    db = store.open_database(database)
    ids = make_world(db)
    for hla_class in ("I", "II"):
        upload_serum(db, "WX-1-BL", BASELINE, hla_class=hla_class)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0, "A*03:01": 2000.0, "A*02:01": 4000.0})
    upload_serum(db, "WX-1-M1", M1, hla_class="II", mfi={"DRB1*04:01": 3000.0})
    yield db, ids
    db.close()


def test_dsa_mfi_per_class_and_self_beads_in_the_table_and_the_json(worked):
    lines = run("--recipient", "WX-1", "--as-of", WX_AS_OF.isoformat()).splitlines()
    said = [line.split(None, 8)[8] for line in lines if line.startswith("WX-1 ")]
    assert "class I DSA: immunodominant B*07:02 5000, sum 7000" in said
    assert "class II DSA: immunodominant DRB1*04:01 3000, sum 3000" in said
    assert "self: shared with the recipient (bead 004 A*02:01): not a DSA" in said
    document = json.loads(run("--recipient", "WX-1", "--format", "json"))
    m1 = next(p for p in document["recipients"][0]["evaluations"][0]["points"] if p["visit"] == "M1")
    assert [(c["hla_class"], c["sum_mfi"]) for c in m1["by_class"]] == [("I", 7000.0), ("II", 3000.0)]
    assert [b["target"] for b in m1["self_beads"]] == ["A*02:01"]


def test_a_recipient_that_cannot_be_evaluated_is_named_and_the_others_are_stored(worked):
    db, ids = worked
    with store.write_transaction(db):
        db.conn.execute("UPDATE samples SET draw_date = 'soon' WHERE recipient_id = ?", (ids["WX-1"],))
    result = CliRunner().invoke(main, ["evaluate", "--as-of", AS_OF])
    assert result.exit_code == 1
    assert f"Error: not evaluated: recipient {ids['WX-1']}: ValueError" in result.output
    assert "LUP-03" in result.output  # the trial's recipients were evaluated and shown
