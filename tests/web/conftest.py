"""A stored, evaluated trial for the pages, a second study, and users of each role.

The trial is ``dsa_monitor.demo``'s synthetic cell-therapy study MSC-SLE, stored through the real
doors (store functions, uploads) and evaluated as the scheduler does, with the alerts recorded.
LUP-03 (donor UC-MSC-03) has three DSA: A*24:02 de novo at M3 then persistent, B*57:01 preformed
then resolved, DRB1*07:01 de novo at M9; LUP-05's M12 serum is missing (overdue), its file is
tests/data/web/fusion_lup05_m12.csv. KIDNEY-02 holds K001 and one alert of its own.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dsa_monitor import store
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.alerts.events import EventFact, record_events
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import DE_NOVO, THIRD_PARTY, build_trial
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded
from dsa_monitor.store import users

PASSWORD = "correct horse battery staple"
LUP_03, LUP_05 = 2, 4  # their index in the trial
ANTIBODIES = {
    **DE_NOVO,
    **THIRD_PARTY,
    (LUP_03, "B*57:01"): {
        "baseline": 2900.0,
        "M1": 2600.0,
        "M3": 1900.0,
        "M6": 1100.0,
        "M9": 700.0,
        "M12": 450.0,
    },
    (LUP_03, "DRB1*07:01"): {"M9": 6100.0, "M12": 14500.0},
}


def trial(**options):
    """The demo trial with LUP-03's three DSA, LUP-05's M12 missing (``build_trial`` options)."""
    return build_trial(antibodies=ANTIBODIES, missing=frozenset({(LUP_05, "M12")}), **options)


def evaluate(db, as_of):
    """What the scheduler's evaluate job does: evaluate what is new, record the alerts."""
    return evaluate_pending(db, reference=embedded(), as_of=as_of, record=record_changes)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(name="trial")
def trial_fixture():
    """``trial(**options)`` -> the demo trial with LUP-03's three DSA, not stored."""
    return trial


@pytest.fixture(name="evaluate")
def evaluate_fixture():
    """``evaluate(db, as_of)``: evaluate what is new and record its alerts, as the scheduler."""
    return evaluate


def kidney_study(db) -> int:
    """KIDNEY-02 with K001 and a de novo DR7 alert: another study's data, for scope tests."""
    store.create_study(db, "KIDNEY-02", title="Kidney", user="setup")
    k001 = store.create_recipient(db, "KIDNEY-02", "K001", user="setup")
    kidney = store.create_donor(db, "DD-9", kind="deceased", user="setup")
    store.create_exposure(db, k001["id"], [kidney["id"]], dt.date(2024, 2, 1), "transplant", user="setup")
    record_events(
        db,
        [
            EventFact(
                kind="de_novo",
                recipient_id=k001["id"],
                donor_id=kidney["id"],
                antigen="DR7",
                visit="M1",
                payload={"mfi": 3100.0, "draw_date": "2024-03-01"},
            )
        ],
        user="setup",
    )
    return k001["id"]


@pytest.fixture
def world(db):
    """The evaluated trial (uploads by "demo") and KIDNEY-02; ids by subject and donor code."""
    made = trial()
    stored = store_trial(db, made)
    evaluate(db, made.as_of)
    return {**stored.recipients, **stored.donors, "K001": kidney_study(db)}


@pytest.fixture
def make_user(db):
    """``make_user(role, study=None)`` -> the e-mail of a new user (password ``PASSWORD``)."""

    def make(role: str, study: str | None = None) -> str:
        email = f"{role}-{study or 'all'}@example.org".lower()
        users.create_user(db, email, role, password=PASSWORD, study=study, user="setup")
        return email

    return make


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(name="csrf_of")
def csrf_of_fixture():
    """``csrf_of(html)`` -> the CSRF token in a page's forms."""
    return csrf_of


@pytest.fixture
def signed_in(app, make_user):
    """``signed_in(role, study=None)`` -> a test client with a signed-in user of that role."""

    def sign_in(role: str, study: str | None = None):
        email = make_user(role, study)
        client = app.test_client()
        token = csrf_of(client.get("/sign-in").text)
        response = client.post("/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return sign_in


@pytest.fixture
def plain_page():
    """A Chromium page with scripts off (the pages need none); skipped without Playwright."""
    from web.test_browser import CHROMIUM, CHROMIUM_ARGS, sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False)
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()
