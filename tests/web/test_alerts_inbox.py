"""The alerts inbox (issue 15): pages past 50 alerts (no 500-row cap), filters by recipient and by
the days alerts were raised, a note of what was done kept with each acknowledgement, several
acknowledged at once, and each button named for a screen reader, on the demo trial."""

from __future__ import annotations

import re

import pytest
from demo_built import demo, demo_app, demo_file  # noqa: F401  (fixtures)
from web.test_browser import sign_in

from dsa_monitor import store
from dsa_monitor.alerts.events import OVERDUE_VISIT, EventFact, record_events
from dsa_monitor.store import users

PASSWORD = "correct horse battery staple"


@pytest.fixture
def clinician(db):
    users.create_user(db, "md@example.org", "clinician", password=PASSWORD, user="setup")
    return "md@example.org"


def _client(app, email):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)[1]
    client.post("/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
    return client


def _rows(html):
    return re.findall(r'<tr class="event kind-(\w+)">', html)


def test_every_alert_is_on_a_page_and_the_filters_narrow_them(app, db, clinician):
    lup02 = db.conn.execute("SELECT id FROM recipients WHERE subject_code = 'LUP-02'").fetchone()[0]
    record_events(
        db,
        [
            EventFact(
                kind=OVERDUE_VISIT,
                recipient_id=lup02,
                visit=f"D{n}@exposure1",
                payload={"visit_name": f"D{n}"},
            )
            for n in range(70)
        ],
    )
    total = len(store.list_events(db, state="open", limit=None))
    assert total > 70
    client = _client(app, clinician)
    first = client.get("/alerts").text
    assert f"{total} alerts, page 1 of 2" in first and len(_rows(first)) == 50
    second = client.get("/alerts?page=2").text
    assert len(_rows(second)) == total - 50 and 'rel="prev"' in second

    only = client.get("/alerts?recipient=LUP-03").text
    assert set(re.findall(r"LUP-0\d", only)) == {"LUP-03"}
    created = store.list_events(db, limit=1)[0]["created_at"][:10]
    assert len(_rows(client.get(f"/alerts?from={created}&to={created}").text)) == 50
    assert _rows(client.get("/alerts?to=2000-01-01").text) == []


def test_buttons_are_named_and_several_alerts_are_acknowledged_with_a_note(
    live_server, db, clinician, plain_page
):
    page = plain_page
    page.goto(f"{live_server}/sign-in")
    sign_in(page, clinician, PASSWORD)
    page.goto(f"{live_server}/alerts?recipient=LUP-03")
    button = page.get_by_role("button", name="Acknowledge de novo DSA LUP-03 A*24:02 M3")
    assert button.count() == 1
    boxes = page.get_by_role("checkbox")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_label("What was done").fill("phoned the transplant team; DSA retest at M4")
    page.get_by_role("button", name="Acknowledge the selected alerts").click()
    acknowledged = store.list_events(db, state="acknowledged")
    assert len(acknowledged) == 2
    assert {e["acknowledged_note"] for e in acknowledged} == {"phoned the transplant team; DSA retest at M4"}
    page.goto(f"{live_server}/alerts?recipient=LUP-03&state=acknowledged")
    assert page.locator(".ack-note").first.inner_text() == ("phoned the transplant team; DSA retest at M4")

    page.goto(f"{live_server}/alerts?recipient=LUP-03")
    page.get_by_role("button", name="Acknowledge de novo DSA LUP-03 A*24:02 M3").click()
    [event] = store.list_events(db, kind="de_novo", subject="LUP-03")
    assert event["acknowledged_by"] == clinician
