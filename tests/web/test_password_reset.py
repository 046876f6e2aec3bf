"""A forgotten password (issue 15): ask, receive the e-mail over real SMTP (aiosmtpd on loopback),
follow the link, set a new password, sign in; links that are expired, used, replaced or forged
are refused with a page that says so; the answer never tells whether an address has an account."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from alerts.conftest import MailServer

from dsa_monitor import store
from dsa_monitor.alerts import MailSettings, deliver_due
from dsa_monitor.app import create_app
from dsa_monitor.errors import Conflict
from dsa_monitor.store import outbox, password_resets, users

BASE_URL = "https://dsa.example.org"
OLD, NEW = "correct horse battery staple", "a new and longer passphrase"
USER = "md@hospital.example"


@pytest.fixture
def mail_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path, monkeypatch, mail_server):
    """The app with its e-mail going to the loopback server and its public address set."""
    for key in list(__import__("os").environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "reset.sqlite3"),
            "REFERENCE_DIR": str(tmp_path / "reference"),
            "MAIL_DIR": str(tmp_path / "eml"),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(mail_server.port),
            "SMTP_TIMEOUT": "5",
            "MAIL_FROM": "dsa-monitor@hospital.example",
            "BASE_URL": BASE_URL,
            "PASSWORD_RESET_MINUTES": "30",
        }
    )


@pytest.fixture
def account(db):
    return users.create_user(db, USER, "clinician", password=OLD, user="setup")


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def ask(client, email: str):
    return client.post(
        "/forgot-password", data={"csrf_token": csrf(client, "/forgot-password"), "email": email}
    )


def sign_in(client, email: str, password: str):
    return client.post(
        "/sign-in", data={"csrf_token": csrf(client, "/sign-in"), "email": email, "password": password}
    )


def deliver(app, db) -> None:
    """What the scheduler's deliver job does."""
    deliver_due(db, MailSettings.from_config(app.config), "test")


def link_in(message) -> str:
    return re.search(r"https://\S+", message.get_body(("plain",)).get_content()).group(0)


def test_ask_receive_follow_the_link_set_a_new_password_and_sign_in(app, db, account, mail_server):
    elsewhere = app.test_client()  # a session signed in before the reset: it ends
    assert sign_in(elsewhere, USER, OLD).status_code == 302
    client = app.test_client()
    assert 'href="/forgot-password"' in client.get("/sign-in").text

    answer = ask(client, USER)
    assert answer.status_code == 200 and f"If an account has the address {USER}" in answer.text
    assert mail_server.messages == []  # queued below the door, sent by the deliver job
    deliver(app, db)
    [message] = mail_server.wait_for(1)
    assert message["To"] == USER and message["Subject"] == "[dsa-monitor] Reset your password"
    link = link_in(message)
    token = link.rpartition("/")[2]
    assert link == f"{BASE_URL}/reset-password/{token}" and len(token) >= 40
    assert "within 30 minutes" in message.get_body(("plain",)).get_content()
    # the token is kept nowhere but in the e-mail: its hash in the table, the sent body blanked
    assert not [row for row in db.query("SELECT * FROM password_resets") if token in str(row)]
    assert not [row for row in db.query("SELECT * FROM outbox") if token in str(row)]

    path = link.removeprefix(BASE_URL)
    form = client.get(path)
    assert form.status_code == 200 and "Choose a new password" in form.text and USER in form.text
    token_field = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    short = client.post(path, data={"csrf_token": token_field, "password": "short", "repeat": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.text
    differ = client.post(path, data={"csrf_token": token_field, "password": NEW, "repeat": NEW + "!"})
    assert differ.status_code == 400 and "the two passwords differ" in differ.text
    done = client.post(path, data={"csrf_token": token_field, "password": NEW, "repeat": NEW})
    assert done.status_code == 302 and done.location == "/sign-in?reset=done"
    assert "Your new password is set" in client.get(done.location).text

    assert elsewhere.get("/alerts").status_code == 302  # the earlier session has ended
    assert sign_in(client, USER, OLD).status_code == 401
    assert sign_in(client, USER, NEW).status_code == 302
    again = app.test_client().get(path)
    assert again.status_code == 410 and "has already been used" in again.text
    actions = [row["action"] for row in store.list_audit(db, entity="user", limit=50)]
    assert {"password_reset_requested", "password_reset"} <= set(actions)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(app, db, account, mail_server):
    users.create_user(db, "gone@hospital.example", "lab", password=OLD, user="setup")
    users.set_disabled(db, "gone@hospital.example", True, user="setup")
    answers = {}
    for email in (USER, "nobody@hospital.example", "gone@hospital.example"):
        response = ask(app.test_client(), email)
        answers[email] = (
            response.status_code,
            re.sub(r'name="csrf_token" value="[^"]+"', "", response.text).replace(email, "ADDRESS"),
        )
    assert len(set(answers.values())) == 1, answers
    deliver(app, db)
    assert [m["To"] for m in mail_server.wait_for(1)] == [USER]  # only the enabled account
    kept = {row["email"]: row["user_id"] for row in db.query("SELECT * FROM password_resets")}
    assert kept == {USER: account["id"], "nobody@hospital.example": None, "gone@hospital.example": None}


def test_requests_are_limited_per_address_with_or_without_an_account(app, account):
    client = app.test_client()
    for email in (USER, "nobody@hospital.example"):
        assert [ask(client, email).status_code for _ in range(3)] == [200, 200, 200]
        refused = ask(client, email)
        assert refused.status_code == 429
        assert "too many password reset requests for this address (3 an hour)" in refused.text
    assert ask(client, "other@hospital.example").status_code == 200  # per address


def made(db, now=None, **options) -> str:
    """A reset link's token, as the e-mail would carry it."""
    options = {"lifetime": dt.timedelta(minutes=30), "per_hour": 10, **options}
    return password_resets.request_reset(db, USER, now=now, **options).token


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [
        ("forged", 410, "this password reset link is not valid"),
        ("expired", 410, "this password reset link expired at"),
        ("replaced by a later request", 410, "was replaced by a later request or a password change"),
        ("password changed since", 410, "was replaced by a later request or a password change"),
    ],
)
def test_a_link_that_does_not_work_gets_a_page_saying_why(app, db, account, case, status, says):
    now = dt.datetime.now(dt.UTC)
    if case == "forged":
        token = made(db)[:-4] + "AAAA"
    elif case == "expired":
        token = made(db, now=now - dt.timedelta(minutes=31))
    elif case == "replaced by a later request":
        token = made(db)
        made(db)
    else:
        token = made(db)
        users.set_password(db, USER, NEW, user="admin@hospital.example")
    changed = users.get_user(db, account["id"])["password_changed_at"]
    client = app.test_client()
    page = client.get(f"/reset-password/{token}")
    assert page.status_code == status and says in page.text
    assert 'href="/forgot-password"' in page.text  # what to do next
    posted = client.post(
        f"/reset-password/{token}",
        data={"csrf_token": csrf(client, "/forgot-password"), "password": NEW + "?", "repeat": NEW + "?"},
    )
    assert posted.status_code == status and says in posted.text
    assert users.get_user(db, account["id"])["password_changed_at"] == changed  # not set
    refused = [
        row for row in store.list_audit(db, entity="user") if row["action"] == "password_reset_refused"
    ]
    assert len(refused) == 2  # the page's visit and the form's post


def test_a_password_changed_on_the_account_page_ends_the_links_and_the_other_sessions(app, db, account):
    token = made(db)
    elsewhere, here = app.test_client(), app.test_client()
    for client in (elsewhere, here):
        assert sign_in(client, USER, OLD).status_code == 302
    page = here.get("/account")
    assert page.status_code == 200 and USER in page.text and "clinician" in page.text

    def change(current, new, repeat=None):
        return here.post(
            "/account",
            data={
                "csrf_token": csrf(here, "/account"),
                "current": current,
                "password": new,
                "repeat": new if repeat is None else repeat,
            },
        )

    wrong = change("not my password", NEW)
    assert wrong.status_code == 401 and "the current password is wrong" in wrong.text
    assert change(OLD, NEW, NEW + "!").status_code == 400
    assert change(OLD, "short").status_code == 400
    done = change(OLD, NEW)
    assert done.status_code == 200 and "Your new password is set" in done.text
    assert here.get("/account").status_code == 200  # this browser goes on
    assert elsewhere.get("/account").status_code == 302  # the other session has ended
    refused = app.test_client().get(f"/reset-password/{token}")
    assert refused.status_code == 410 and "replaced by a later request or a password change" in refused.text
    assert users.sign_in(db, USER, NEW)["email"] == USER


def test_a_reset_e_mail_the_server_refuses_is_dead_without_its_link_and_not_sent_again(
    app, db, account, mail_server
):
    mail_server.refuse[USER] = "550 no such mailbox"
    assert ask(app.test_client(), USER).status_code == 200
    deliver(app, db)
    [message] = outbox.list_messages(db)
    assert message["state"] == "dead" and message["purpose"] == "password_reset"
    assert message["body_text"] == message["body_html"] == outbox.LINK_REMOVED
    with pytest.raises(Conflict, match="the user asks for a new link"):
        outbox.requeue(db, message["id"], user="admin@hospital.example")
