"""A visit's day and window are limited to ±36500 days once, below the doors: the study form
refuses beyond it beside the visits field, with the store's message, and stores nothing."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dsa_monitor import store
from dsa_monitor.store.studies import MAX_VISIT_DAYS


def post(client, csrf_of, path: str, **fields):
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **fields})


def beside(html: str, field: str) -> str:
    found = re.search(rf'<span class="error field-error" id="{field}-error">([^<]*)</span>', html)
    return unescape(found.group(1)) if found else ""


@pytest.mark.parametrize(("visits", "message"), [
    ("M3 36501 14", "visit M3: day 36501 is beyond 36500 days from the exposure"),
    ("PRE -99999999999999999999 14", "visit PRE: day -99999999999999999999 is beyond 36500"),
    ("M3 90 36501", "visit M3: a window of 36501 days is over 36500 days"),
])
def test_the_study_form_refuses_days_beyond_the_limit(db, signed_in, csrf_of, visits, message):
    coordinator = signed_in("coordinator")
    made = post(coordinator, csrf_of, "/enrol/study", code="FAR-01", visits=visits)
    assert made.status_code == 422
    assert beside(made.text, "visits").startswith(message)
    assert store.list_studies(db) == []


def test_the_edit_form_refuses_them_too_and_keeps_the_schedule(db, signed_in, csrf_of):
    store.create_study(db, "CORD-01", visit_schedule=[{"name": "M1", "day": 30,
                                                       "window_days": 7}], user="setup")
    coordinator = signed_in("coordinator")
    edited = post(coordinator, csrf_of, "/enrol/study/CORD-01", visits="M1 30 7\nM9 40000 7")
    assert edited.status_code == 422
    assert beside(edited.text, "visits").startswith("visit M9: day 40000 is beyond 36500 days")
    assert store.get_study(db, "CORD-01")["visit_schedule"] == [
        {"name": "M1", "day": 30, "window_days": 7}]


def test_the_limits_themselves_are_accepted(db, signed_in, csrf_of):
    coordinator = signed_in("coordinator")
    made = post(coordinator, csrf_of, "/enrol/study", code="EDGE-01",
                visits=f"PRE -{MAX_VISIT_DAYS} 0\nLATE {MAX_VISIT_DAYS} {MAX_VISIT_DAYS}")
    assert made.status_code == 201, beside(made.text, "visits")
    assert [v["day"] for v in store.get_study(db, "EDGE-01")["visit_schedule"]] == [
        -MAX_VISIT_DAYS, MAX_VISIT_DAYS]
