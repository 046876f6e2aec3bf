"""De novo vs preformed everywhere (issue 15): the study API summary, the study page, the inbox
and the e-mails carry each DSA's origin beside its status, and a preformed DSA is one alert.

The demo trial: LUP-01's anti-A*03:01 was there at baseline (preformed, then persistent and
rising); LUP-03's anti-A*24:02 appears at M3 (de novo, then persistent).
"""

from __future__ import annotations

import datetime as dt
import re

from demo_built import CLINICIAN, demo, demo_app, demo_file  # noqa: F401  (fixtures)
from evaluation.worked_sera import BASELINE, M1, STUDY, make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.alerts import subscribe
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded
from dsa_monitor.store import tokens, users

PASSWORD = "correct horse battery staple"


def page_client(app, db, role="clinician"):
    users.create_user(db, f"{role}@example.org", role, password=PASSWORD, user="setup")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)[1]
    client.post("/sign-in", data={"csrf_token": token, "email": f"{role}@example.org", "password": PASSWORD})
    return client


def test_the_study_api_gives_each_dsa_its_origin_beside_its_status(app, db):
    _, secret = tokens.create_token(db, "reader", "clinician", user="test")
    answer = (
        app.test_client()
        .get("/api/v1/studies/MSC-SLE/dsa", headers={"Authorization": f"Bearer {secret}"})
        .get_json()
    )
    dsa = {r["subject_code"]: r["dsa"] for r in answer["recipients"]}
    [lup01], [lup03] = dsa["LUP-01"], dsa["LUP-03"]
    assert (lup01["status"], lup03["status"]) == ("persistent", "persistent")  # the same word...
    assert (lup01["origin"], lup01["origin_visit"], lup01["text"]) == (
        "preformed",
        "baseline",
        "preformed (baseline), persistent",
    )  # ... never the same DSA
    assert (lup03["origin"], lup03["origin_visit"], lup03["text"]) == (
        "de_novo",
        "M3",
        "de novo at M3, persistent",
    )


def test_the_study_page_and_the_inbox_say_de_novo_or_preformed(app, db):
    client = page_client(app, db)
    study = client.get("/studies/MSC-SLE").text
    assert "de novo at M3, persistent" in study and "preformed (baseline), persistent" in study
    inbox = client.get("/alerts?study=MSC-SLE").text
    rows = re.findall(r'<tr class="event kind-(\w+)">(.*?)</tr>', inbox, re.S)
    persistent = {re.search(r"LUP-0\d", row)[0]: row for kind, row in rows if kind == "persistent"}
    assert "(preformed (baseline))" in persistent["LUP-01"]
    assert "(de novo at M3)" in persistent["LUP-03"]
    assert [re.search(r"LUP-0\d", row)[0] for kind, row in rows if kind == "preformed"] == ["LUP-01"]


def test_a_preformed_dsa_is_one_alert_and_every_e_mail_says_the_origin(db):
    subjects = {
        row[0]: row[1]
        for row in db.conn.execute("SELECT subject, body_text FROM outbox WHERE to_address = ?", (CLINICIAN,))
    }
    preformed = [s for s in subjects if "Preformed DSA" in s]
    assert preformed == ["[dsa-monitor] Preformed DSA: MSC-SLE LUP-01, A*03:01 (baseline)"]
    assert "not de novo" in subjects[preformed[0]]
    assert not any("De novo" in s and "LUP-01" in s for s in subjects)
    persistent01 = subjects["[dsa-monitor] Persistent DSA: MSC-SLE LUP-01, A*03:01 (M1)"]
    assert re.search(r"Origin:?\s+preformed \(baseline\)", persistent01)
    assert "A*03:01 (donor UC-MSC-01), preformed (baseline), of MSC-SLE LUP-01 persists" in (
        " ".join(persistent01.split())
    )
    persistent03 = subjects["[dsa-monitor] Persistent DSA: MSC-SLE LUP-03, A*24:02 (M6)"]
    assert re.search(r"Origin:?\s+de novo at M3", persistent03)
    for body in subjects.values():  # codes only, and a link
        assert "/recipients/" in body and "P71" not in body


def test_a_baseline_uploaded_after_the_exposure_still_sends_the_preformed_alert(tmp_path):
    db = store.open_database(tmp_path / "late.sqlite3")
    ids = make_world(db)
    subscribe(db, CLINICIAN, study=STUDY, user="admin")
    upload_serum(db, "WX-1-M1", M1, mfi={"A*03:01": 4000.0})
    evaluate_pending(db, reference=embedded(), as_of=M1 + dt.timedelta(days=5), record=record_changes)
    first = [(e["kind"], e["visit"]) for e in store.events.list_events(db)]
    assert first == [("de_novo", "M1")]  # no baseline yet: de novo, baseline missing
    upload_serum(db, "WX-1-BL", BASELINE, mfi={"A*03:01": 3800.0})  # the lab sends it late
    evaluate_pending(db, reference=embedded(), as_of=M1 + dt.timedelta(days=6), record=record_changes)
    events = {(e["kind"], e["visit"]) for e in store.events.list_events(db, recipient_id=ids["WX-1"])}
    assert ("preformed", "baseline") in events and ("correction", "M1") in events
    again = evaluate_pending(db, reference=embedded(), as_of=M1 + dt.timedelta(days=7), record=record_changes)
    assert again.changes == []  # told once
    subjects = [r[0] for r in db.conn.execute("SELECT subject FROM outbox ORDER BY id")]
    assert subjects.count(f"[dsa-monitor] Preformed DSA: {STUDY} WX-1, A*03:01 (baseline)") == 1
    db.close()
