"""Sign-in (issue 15): HEAD /sign-in is not an attempt; signing out ends the session on the
server (a copied cookie no longer works); every page, a 404 of no route included, carries the
CSP. (The locked account's message: tests/web/test_pages.py, tests/web/test_users.py.)"""

from __future__ import annotations

from dsa_monitor import store
from dsa_monitor.config import CONTENT_SECURITY_POLICY
from dsa_monitor.store import users


def _sign_in(client, email, password, csrf_of):
    token = csrf_of(client.get("/sign-in").text)
    answer = client.post("/sign-in", data={"csrf_token": token, "email": email, "password": password})
    assert answer.status_code == 302
    return token


def test_head_of_the_sign_in_page_is_not_a_sign_in_attempt(app, db, make_user):
    email = make_user("clinician")
    client = app.test_client()
    for _ in range(users.MAX_FAILED_SIGN_INS + 1):
        assert client.head("/sign-in").status_code == 200
    assert [a for a in store.list_audit(db, entity="user") if a["action"] == "sign_in_failed"] == []
    assert store.list_audit(db, entity="user", user=email) == []


def test_signing_out_ends_the_session_so_a_copied_cookie_no_longer_works(app, make_user, password, csrf_of):
    email = make_user("clinician")
    client = app.test_client()
    _sign_in(client, email, password, csrf_of)
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/alerts").status_code == 200  # the copy works while the session is open
    token = csrf_of(client.get("/alerts").text)
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/alerts").status_code == 302
    stale = app.test_client()
    stale.set_cookie("session", cookie)
    assert stale.get("/alerts").status_code == 302  # sent to the sign-in page
    assert thief.get("/alerts").status_code == 302


def test_every_page_carries_the_csp_a_404_included(app, make_user, password, csrf_of):
    client = app.test_client()
    for path in ("/no-such-page", "/sign-in", "/api/v1/no-such-thing"):
        assert client.get(path).headers.get("Content-Security-Policy") == (CONTENT_SECURITY_POLICY), path
    _sign_in(client, make_user("clinician"), password, csrf_of)
    missing = client.get("/recipients/999999")
    assert missing.status_code == 404
    assert missing.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
