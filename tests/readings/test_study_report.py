"""What a trial reports (issue 15), through the API (JSON and CSV), the command line and the page,
on the demo trial: the computed sentence, sera per visit, and the long-format export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from click.testing import CliRunner
from demo_built import TODAY, demo, demo_app, demo_file  # noqa: F401  (fixtures)

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.readings.report import EXPORT_COLUMNS, study_report
from dsa_monitor.store import tokens, users

SENTENCE = "de novo DSA in 1 of 8 recipients, at M3"


@pytest.fixture
def headers(db):
    _, secret = tokens.create_token(db, "reader", "clinician", user="test")
    return {"Authorization": f"Bearer {secret}"}


def test_the_report_counts_sera_per_visit_and_computes_the_sentence(db):
    report = study_report(db, store.get_study(db, "MSC-SLE"), today=TODAY)
    assert report["sentence"] == SENTENCE
    assert report["sentences"][1] == "preformed DSA in 1 of 8 recipients"
    by_visit = {v["visit"]: v for v in report["visits"]}
    assert list(by_visit) == ["baseline", "M1", "M3", "M6", "M9", "M12"]
    assert by_visit["M12"] == {
        "visit": "M12",
        "expected": 8,
        "received": 7,
        "qc_failed": 0,
        "overdue": 1,
        "with_dsa": 2,
    }  # LUP-08's M12 never drawn
    assert by_visit["M3"]["with_dsa"] == 2 and by_visit["M1"]["with_dsa"] == 1
    assert report["de_novo"] == [{"subject": "LUP-03", "visit": "M3"}]
    assert (report["preformed"], report["persistent"]) == (["LUP-01"], ["LUP-01", "LUP-03"])


def test_the_api_answers_the_report_as_json_and_as_csv(app, headers):
    client = app.test_client()
    answer = client.get("/api/v1/studies/MSC-SLE/report", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["sentence"] == SENTENCE
    for extra, url in (({"Accept": "text/csv"}, ""), ({}, "?format=csv")):
        response = client.get(f"/api/v1/studies/MSC-SLE/report{url}", headers={**headers, **extra})
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["visit", "expected", "received", "qc_failed", "overdue", "with_dsa"]
        assert ["summary", SENTENCE] in rows
    assert client.get("/api/v1/studies/NOPE/report", headers=headers).status_code == 404
    assert client.get("/api/v1/studies/MSC-SLE/report?format=xml", headers=headers).status_code == 422


def test_the_long_format_export_has_one_row_per_recipient_serum_and_dsa(app, headers):
    response = app.test_client().get("/api/v1/studies/MSC-SLE/export", headers=headers)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    de_novo = [r for r in rows if r["subject"] == "LUP-03" and r["antigen"] == "A*24:02"]
    assert [(r["visit"], r["positive"], r["origin"]) for r in de_novo][2] == ("M3", "true", "de novo at M3")
    assert {r["subject"] for r in rows} == {f"LUP-0{i}" for i in range(1, 9)}
    negative = [r for r in rows if r["subject"] == "LUP-02"]
    assert len(negative) == 6 and {r["status"] for r in negative} == {"no DSA"}
    for row in rows:  # types a statistician relies on
        int(row["day"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["draw_date"])
        assert row["mfi"] == "" or float(row["mfi"]) >= 0
        assert row["rules_version"] and row["reference_release"] == "embedded"


def test_the_export_opens_in_pandas_with_the_right_types(app, headers):
    pandas = pytest.importorskip("pandas", reason="pandas is not installed")
    text = app.test_client().get("/api/v1/studies/MSC-SLE/export", headers=headers).text
    frame = pandas.read_csv(io.StringIO(text), parse_dates=["draw_date", "exposure_date"])
    assert str(frame["day"].dtype) == "int64" and str(frame["mfi"].dtype) == "float64"
    assert str(frame["draw_date"].dtype).startswith("datetime64")


def test_the_command_prints_the_report_and_its_csv(app, monkeypatch):
    monkeypatch.setenv("DSA_MONITOR_DATABASE", app.config["DATABASE"])
    monkeypatch.setenv("DSA_MONITOR_REFERENCE_DIR", app.config["REFERENCE_DIR"])
    runner = CliRunner()
    shown = runner.invoke(main, ["report", "--study", "MSC-SLE", "--as-of", TODAY.isoformat()])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[1] == "De novo DSA in 1 of 8 recipients, at M3."
    assert re.search(r"^visit\s+expected\s+received\s+QC failed\s+overdue\s+with DSA$", shown.output, re.M)
    assert re.search(r"^M12\s+8\s+7\s+0\s+1\s+2$", shown.output, re.M)
    as_csv = runner.invoke(main, ["report", "--study", "MSC-SLE", "--csv"])
    assert as_csv.output.startswith("visit,expected,received")
    export = runner.invoke(main, ["report", "--study", "MSC-SLE", "--export"])
    assert export.output.startswith(",".join(EXPORT_COLUMNS))
    missing = runner.invoke(main, ["report", "--study", "NOPE"])
    assert missing.exit_code == 1 and "NOPE" in missing.output


def test_the_report_page_prints_the_sentence_and_links_the_csv(app, db):
    users.create_user(db, "md@example.org", "clinician", password="correct horse battery", user="setup")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)[1]
    client.post(
        "/sign-in", data={"csrf_token": token, "email": "md@example.org", "password": "correct horse battery"}
    )
    page = client.get("/studies/MSC-SLE/report").text
    assert "<strong>De novo DSA in 1 of 8 recipients, at M3.</strong>" in page
    assert 'href="/studies/MSC-SLE/export.csv"' in page
    export = client.get("/studies/MSC-SLE/export.csv")
    assert export.mimetype == "text/csv" and export.text.startswith("study,subject")
    assert client.get("/studies/MSC-SLE/report.csv").text.startswith("visit,")
