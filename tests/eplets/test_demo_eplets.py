"""The demo shows eplets (issue 18): LUP-03's donor eplet load beside the typings, and the eplet
that explains its de novo anti-A*24:02 on its page, in the API and in its e-mail.

Worked by hand from hlaR's v3 class I table (the demo installs its columns for the demo's alleles,
``dsa_monitor/demo/eplets``): A*24:02 carries seven eplets that none of LUP-03's alleles (A*03:01,
A*32:01, B*07:02, B*40:01, C*03:04, C*07:02) carries: 65GK, 62EE, 166DG, 127K (AbV) and 156QA,
76EN, 77N (oth). The M3 serum is positive on the A*24:02 bead alone; of the 83 other beads of the
class I panel, 65GK is on one (A*23:01), 62EE and 156QA on two, 166DG on four: 65GK ranks first.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from dsa_monitor import store
from dsa_monitor.app import create_app
from dsa_monitor.demo import build as demo

LINE = "65GK (antibody-verified), explains 1 of 1 positive beads, 1 of 83 negative (eplet table v3-demo)"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = demo.DemoFolder(tmp_path_factory.mktemp("demo") / "eplets")
    account, _ = demo.build(folder, lambda **settings: create_app(settings), today=dt.date(2026, 6, 1))
    app = create_app(folder.settings(account["secret_key"]))
    db = store.open_database(folder.database)
    recipient = next(r["id"] for r in store.list_recipients(db) if r["subject_code"] == "LUP-03")
    db.close()
    return folder, account, app, recipient


def _signed_in(app, account):
    """A test client signed in as the demo's user, through the sign-in form."""
    client = app.test_client()
    page = client.get("/sign-in").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/sign-in", data={"csrf_token": token, "email": account["email"], "password": account["password"]}
    )
    return client


def test_the_de_novo_e_mail_names_the_candidate_eplet(built):
    folder = built[0]
    bodies = []
    for path in folder.mail.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["Subject"].startswith("[dsa-monitor] De novo DSA: MSC-SLE LUP-03"):
            bodies.append(message.get_body(("plain",)).get_content())
    [body] = bodies
    assert f"Candidate eplet: {LINE}" in [" ".join(line.split()) for line in body.splitlines()]


def test_the_recipient_page_shows_the_load_and_the_explaining_eplet(built):
    _, account, app, recipient = built
    client = _signed_in(app, account)
    page = client.get(f"/recipients/{recipient}").text
    explained = page[page.index('id="dsa-eplets"') :]
    assert "eplet table v3-demo" in explained[:300]
    row = explained[explained.index("<td>UC-MSC-03</td><td>A*24:02</td>") :]
    assert row.split("</tr>")[0].count(LINE) == 1
    loads = page[page.index('id="eplets"') :]
    assert "eplet table v3-demo" in loads[:200] and ">UC-MSC-03<" in loads
    assert "65GK*" in loads  # among the donor's class I eplets the recipient lacks


def test_the_api_gives_the_eplet_with_the_table_version(built):
    _, _, app, recipient = built
    db = store.open_database(app.config["DATABASE"])
    from dsa_monitor.store import tokens

    _, secret = tokens.create_token(db, "reader", "clinician", user="test")
    db.close()
    answer = (
        app.test_client()
        .get(f"/api/v1/recipients/{recipient}/dsa", headers={"Authorization": f"Bearer {secret}"})
        .get_json()
    )
    [evaluation] = answer["evaluations"]
    assert evaluation["eplet_table"] == "v3-demo"
    [dsa] = [d for d in evaluation["dsa"] if d["antigen"] == "A*24:02"]
    assert dsa["eplets"]["line"] == LINE
    ranked = [(c["name"], c["positive"], c["negative"]) for c in dsa["eplets"]["candidates"]]
    assert ranked[:4] == [("65GK", 1, 1), ("62EE", 1, 2), ("156QA", 1, 2), ("166DG", 1, 4)]
    assert len(ranked) == 7


def test_the_study_export_has_a_column_per_load_and_the_dsa_candidate(built):
    import csv
    import io

    from eplet_examples import cells_v3

    _, _, app, _ = built
    db = store.open_database(app.config["DATABASE"])
    from dsa_monitor.store import tokens

    _, secret = tokens.create_token(db, "exporter", "clinician", user="test")
    db.close()
    text = (
        app.test_client()
        .get("/api/v1/studies/MSC-SLE/export", headers={"Authorization": f"Bearer {secret}"})
        .text
    )
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["subject"] == "LUP-03"]
    # class I by hand: the donor's A, B, C columns' eplets that none of LUP-03's carries
    cells = cells_v3()
    donor = ("A*24:02", "A*03:01", "B*07:02", "B*57:01", "C*06:02", "C*07:02")
    own = ("A*03:01", "A*32:01", "B*07:02", "B*40:01", "C*03:04", "C*07:02")
    class_i = set().union(*(cells[a] for a in donor)) - set().union(*(cells[a] for a in own))
    assert {r["eplets_class_I"] for r in rows} == {str(len(class_i))}
    assert {r["eplet_table"] for r in rows} == {"v3-demo"}
    # the demo types DRB1 and DQB1 only: DRB3/4/5, DQA1, DPA1 and DPB1 are untyped
    assert {r["eplets_incomplete"] for r in rows} == {"DR DQ DP"}
    dsa = [r for r in rows if r["antigen"] == "A*24:02"]
    assert dsa and {r["candidate_eplet"] for r in dsa} == {LINE}
    assert all(r["candidate_eplet"] == "" for r in rows if r["antigen"] != "A*24:02")


def test_the_export_command_and_page_carry_the_eplet_columns_too(built, monkeypatch):
    from click.testing import CliRunner

    from dsa_monitor.cli import main

    folder, account, app, _ = built
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(folder.database))
    monkeypatch.setenv("DSA_MONITOR_REFERENCE_DIR", str(app.config["REFERENCE_DIR"]))
    monkeypatch.setenv("DSA_MONITOR_SECRET_KEY", account["secret_key"])
    printed = CliRunner().invoke(main, ["report", "--study", "MSC-SLE", "--export"])
    assert printed.exit_code == 0, printed.output
    assert LINE in printed.output and ",v3-demo," in printed.output
    client = _signed_in(app, account)
    assert LINE in client.get("/studies/MSC-SLE/export.csv").text
