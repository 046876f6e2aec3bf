"""Labels and keys apart (issue 14): an event's visit key (``M12@exposure1``, ``sample S (class
I, lot L, neat)``) stays its idempotency key; the API gives the key and the label side by side,
the inbox page and ``alerts list`` show the label only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from evaluation.worked_sera import make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.alerts.events import record_events
from dsa_monitor.alerts.overdue import overdue_visit_facts
from dsa_monitor.alerts.qc_failures import qc_failure_facts
from dsa_monitor.cli import main
from dsa_monitor.readings.labels import visit_label
from dsa_monitor.store import tokens, users

PASSWORD = "correct horse battery staple"
TODAY = dt.date.today()
EXPOSURE = TODAY - dt.timedelta(days=400)  # M12 closed 21 days ago, nothing drawn after baseline


@pytest.fixture
def events(db):
    """WX-1: an overdue M12 and a QC-failed run (NC bead far too high), recorded as events."""
    make_world(db, exposure=EXPOSURE)
    upload_serum(db, "WX-1-BL", EXPOSURE - dt.timedelta(days=3), nc=9000.0)
    facts = overdue_visit_facts(db, today=TODAY, max_age_days=60)
    facts += qc_failure_facts(db, after_sample_id=0)[0]
    record_events(db, facts)
    return {e["kind"]: e for e in store.list_events(db)}


def test_the_api_gives_key_and_label_side_by_side(client, db, events):
    assert events["overdue_visit"]["visit"].startswith("M12@exposure")
    assert events["qc_failure"]["visit"].startswith("sample WX-1-BL (class I, lot")
    _, secret = tokens.create_token(db, "poller", "integration", user="test")
    answer = client.get("/api/v1/events", headers={"Authorization": f"Bearer {secret}"})
    found = {e["kind"]: e for e in answer.get_json()["events"]}
    assert found["overdue_visit"]["visit"] == events["overdue_visit"]["visit"]  # the key
    assert found["overdue_visit"]["visit_label"] == "M12"
    assert found["qc_failure"]["visit_label"] == (
        f"WX-1-BL, class I run, drawn {(EXPOSURE - dt.timedelta(days=3)).isoformat()}"
    )


def test_the_inbox_and_alerts_list_show_the_label_never_the_key(app, db, events):
    users.create_user(db, "md@example.org", "clinician", password=PASSWORD, user="setup")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)[1]
    client.post("/sign-in", data={"csrf_token": token, "email": "md@example.org", "password": PASSWORD})
    inbox = client.get("/alerts").text
    cells = re.findall(r'<tr class="event kind-(\w+)">(?:.*?<td>){6}(.*?)</td>', inbox, re.S)
    assert dict(cells)["overdue_visit"] == "M12"
    assert dict(cells)["qc_failure"].startswith("WX-1-BL, class I run")
    assert "@exposure" not in inbox and "(class I, lot" not in inbox

    listed = CliRunner().invoke(
        main, ["alerts", "list"], env={"DSA_MONITOR_DATABASE": app.config["DATABASE"]}
    )
    assert listed.exit_code == 0, listed.output
    assert "\tM12\t" in listed.output and "@exposure" not in listed.output
    assert "(class I, lot" not in listed.output


def test_events_stored_before_labels_read_the_same():
    old_qc = {
        "kind": "qc_failure",
        "visit": "sample LUP-05-M6 (class I, lot 3012, neat)",
        "payload": {
            "lab_sample_id": "LUP-05-M6",
            "draw_date": "2026-07-11",
            "hla_class": "I",
            "reason": "file lup05.csv",
            "visit_name": "sample LUP-05-M6",
        },
    }
    assert visit_label(old_qc) == "LUP-05-M6, class I run, drawn 2026-07-11"
    assert visit_label({"kind": "overdue_visit", "visit": "M12@exposure8", "payload": {}}) == "M12"
    assert visit_label({"kind": "de_novo", "visit": "M3", "payload": {}}) == "M3"
