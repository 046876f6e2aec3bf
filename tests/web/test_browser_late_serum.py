"""A late serum belongs to its visit, on the pages (issue 15): a coordinator assigns a serum drawn
two days after the M12 window closed to M12 from its serum page, in Chromium; the serum page,
the recipient page and the study grid then show M12 done late and no longer overdue; clearing it
puts M12 back overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from evaluation.worked_sera import make_world, upload_serum
from web.test_browser import sign_in

from dsa_monitor import store
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded
from dsa_monitor.store import users

PASSWORD = "correct horse battery staple"
EXPOSURE = dt.date.today() - dt.timedelta(days=400)
LATE = EXPOSURE + dt.timedelta(days=381)  # M12 (365 ± 14) closed two days before


@pytest.fixture
def late(db):
    ids = make_world(db, exposure=EXPOSURE)
    upload_serum(db, "WX-1-BL", EXPOSURE - dt.timedelta(days=3))
    upload_serum(db, "WX-1-M12", LATE)
    evaluate_pending(db, reference=embedded(), record=record_changes)
    users.create_user(db, "coord@example.org", "coordinator", password=PASSWORD, user="setup")
    return ids["WX-1"], store.list_samples(db, recipient_id=ids["WX-1"])[-1]["id"]


def _m12_cell(page, server):
    page.goto(f"{server}/studies/WX")
    return page.locator("tr[data-subject='WX-1'] td[data-visit='M12']")


def test_a_coordinator_assigns_a_late_serum_to_m12_on_its_page(live_server, late, plain_page):
    page = plain_page
    recipient_id, sample_id = late
    page.goto(f"{live_server}/sign-in")
    sign_in(page, "coord@example.org", PASSWORD)
    assert "cell-overdue" in _m12_cell(page, live_server).get_attribute("class")

    page.goto(f"{live_server}/recipients/{recipient_id}/sera/{sample_id}")
    assert "Counts as unscheduled" in page.locator("section.visit").inner_text()
    form = page.locator("form.assign-visit")
    form.locator("select[name=visit]").select_option("M12")
    form.locator("input[name=reason]").fill("drawn late: patient travelling")
    form.locator("button").click()
    said = page.locator("section.visit").inner_text()
    assert "Counts as M12, done late, assigned by coord@example.org" in said
    assert "drawn late: patient travelling" in said

    cell = _m12_cell(page, live_server)
    assert "cell-negative" in cell.get_attribute("class")
    assert cell.inner_text() == "negative (done late)"

    page.goto(f"{live_server}/recipients/{recipient_id}")
    assert page.locator("ul.overdue li", has_text="M12").count() == 0
    assert page.locator("td", has_text="M12, done late").count() >= 1

    page.goto(f"{live_server}/recipients/{recipient_id}/sera/{sample_id}")
    page.get_by_role("button", name="Clear the assignment (dates decide)").click()
    assert "Counts as unscheduled" in page.locator("section.visit").inner_text()
    assert "cell-overdue" in _m12_cell(page, live_server).get_attribute("class")


def test_a_clinician_sees_the_visit_but_no_form(live_server, late, plain_page, db):
    page = plain_page
    recipient_id, sample_id = late
    users.create_user(db, "md@example.org", "clinician", password=PASSWORD, user="setup")
    page.goto(f"{live_server}/sign-in")
    sign_in(page, "md@example.org", PASSWORD)
    page.goto(f"{live_server}/recipients/{recipient_id}/sera/{sample_id}")
    assert "Counts as unscheduled" in page.locator("section.visit").inner_text()
    assert page.locator("form.assign-visit").count() == 0
