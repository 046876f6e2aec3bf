"""Web users: created with a hashed password, signed in, locked after repeated failures."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.errors import Conflict, DSAMonitorError, NotFound
from dsa_monitor.store import users

PASSWORD = "correct horse battery staple"
T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path):
    database = store.open_database(tmp_path / "users.sqlite3")
    store.create_study(database, "CORD-01", user="setup")
    yield database
    database.close()


def test_a_user_is_kept_with_a_salted_scrypt_hash_never_the_password(db):
    row = users.create_user(db, "Lab@Example.org", "lab", password=PASSWORD, study="CORD-01", user="admin")
    assert (row["email"], row["role"], row["study_code"]) == ("Lab@Example.org", "lab", "CORD-01")
    assert "password_hash" not in row
    stored = db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("scrypt:") and PASSWORD not in stored
    users.create_user(db, "other@example.org", "lab", password=PASSWORD, user="admin")
    hashes = [r[0] for r in db.execute("SELECT password_hash FROM users")]
    assert hashes[0] != hashes[1]  # salted: one password, two hashes
    assert store.list_audit(db, entity="user")[-1]["details"]["email"] == "Lab@Example.org"


@pytest.mark.parametrize(
    "email, role, password, study, error",
    [
        ("a@b.org", "nurse", PASSWORD, None, "role 'nurse' is not one of lab, clinician"),
        ("not-an-address", "lab", PASSWORD, None, "is not an e-mail address"),
        ("a@b.org", "lab", "short", None, "at least 12 characters"),
        ("a@b.org", "lab", PASSWORD, "NO-SUCH", "no study 'NO-SUCH'"),
    ],
)
def test_a_user_that_cannot_be_created_is_refused_with_the_reason(db, email, role, password, study, error):
    with pytest.raises((DSAMonitorError, NotFound), match=error):
        users.create_user(db, email, role, password=password, study=study, user="admin")
    assert users.list_users(db) == []


def test_an_address_is_one_user_whatever_its_case(db):
    users.create_user(db, "lab@example.org", "lab", password=PASSWORD, user="admin")
    with pytest.raises(Conflict):
        users.create_user(db, "LAB@example.org", "admin", password=PASSWORD, user="admin")


def test_sign_in_with_the_right_password_resets_the_failure_count(db):
    users.create_user(db, "lab@example.org", "lab", password=PASSWORD, user="admin")
    for _ in range(users.MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(users.SignInRefused, match="wrong e-mail address or password"):
            users.sign_in(db, "lab@example.org", "wrong password!", now=T0)
    row = users.sign_in(db, "LAB@example.org", PASSWORD, now=T0)
    assert (row["failed_sign_ins"], row["locked_until"]) == (0, None)
    assert row["last_sign_in_at"] == T0.isoformat()


def test_an_unknown_address_is_refused_like_a_wrong_password(db):
    with pytest.raises(users.SignInRefused) as refused:
        users.sign_in(db, "nobody@example.org", PASSWORD, now=T0)
    (entry,) = store.list_audit(db, entity="user")
    assert (entry["action"], entry["user"], entry["details"]) == (
        "sign_in_failed",
        "nobody@example.org",
        {"reason": "unknown address"},
    )
    assert refused.value.message == users.WRONG_PASSWORD
    assert not isinstance(refused.value, users.AccountLocked)


def test_repeated_failures_lock_the_account_even_for_the_right_password_until_it_expires(db):
    users.create_user(db, "lab@example.org", "lab", password=PASSWORD, user="admin")
    for attempt in range(1, users.MAX_FAILED_SIGN_INS + 1):
        with pytest.raises(users.SignInRefused) as refused:
            users.sign_in(db, "lab@example.org", "wrong password!", now=T0)
        assert isinstance(refused.value, users.AccountLocked) is (attempt == users.MAX_FAILED_SIGN_INS)
    with pytest.raises(users.AccountLocked) as locked:
        users.sign_in(db, "lab@example.org", PASSWORD, now=T0 + dt.timedelta(minutes=14))
    # issue 15: the locked account is told so, and until when
    assert locked.value.message.startswith("this account is locked after 5 wrong passwords")
    assert "until 2026-01-01 09:15 UTC" in locked.value.message
    assert locked.value.details["locked_until"].startswith("2026-01-01T09:15")
    row = users.sign_in(db, "lab@example.org", PASSWORD, now=T0 + users.LOCKOUT)
    assert row["locked_until"] is None
    audit = store.list_audit(db, entity="user")
    failed = [a["details"].get("reason") for a in audit if a["action"] == "sign_in_failed"]
    assert failed == ["locked"] + [None] * users.MAX_FAILED_SIGN_INS  # newest first
    assert audit[0]["action"] == "sign_in"


def test_the_user_command_creates_and_lists_users(cli_db):
    db = store.open_database(cli_db)
    store.create_study(db, "CORD-01", user="setup")
    runner = CliRunner()
    created = runner.invoke(
        main,
        [
            "user",
            "create",
            "--email",
            "doc@example.org",
            "--role",
            "clinician",
            "--study",
            "CORD-01",
            "--user",
            "admin",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert created.exit_code == 0, created.output
    assert "doc@example.org, role clinician, study CORD-01" in created.output
    assert PASSWORD not in created.output
    refused = runner.invoke(
        main, ["user", "create", "--email", "x@example.org", "--role", "lab"], input="short\nshort\n"
    )
    assert refused.exit_code == 1 and "at least 12 characters" in refused.output
    listed = runner.invoke(main, ["user", "list"])
    assert listed.output.splitlines() == [
        "email\trole\tstudy\tlast sign-in\tlocked until",
        "doc@example.org\tclinician\tCORD-01\tnever signed in\t",
    ]
    assert users.sign_in(db, "doc@example.org", PASSWORD)["role"] == "clinician"
    db.close()


def test_a_disabled_user_cannot_sign_in_until_enabled_and_enabling_lifts_a_lockout(db):
    users.create_user(db, "lab@example.org", "lab", password=PASSWORD, user="admin")
    for _ in range(users.MAX_FAILED_SIGN_INS):
        with pytest.raises(users.SignInRefused):
            users.sign_in(db, "lab@example.org", "wrong password!", now=T0)
    assert users.set_disabled(db, "LAB@example.org", True, user="admin")["disabled_at"]
    with pytest.raises(users.SignInRefused, match="wrong e-mail address or password"):
        users.sign_in(db, "lab@example.org", PASSWORD, now=T0 + users.LOCKOUT)
    row = users.set_disabled(db, "lab@example.org", False, user="admin")
    assert (row["disabled_at"], row["locked_until"]) == (None, None)
    assert users.sign_in(db, "lab@example.org", PASSWORD, now=T0)["email"] == "lab@example.org"
    actions = [a["action"] for a in store.list_audit(db, entity="user")]
    assert {"disable", "enable"} <= set(actions)


def test_a_password_reset_replaces_the_old_one_and_is_audited(db):
    users.create_user(db, "doc@example.org", "clinician", password=PASSWORD, user="admin")
    with pytest.raises(DSAMonitorError, match="at least 12"):
        users.set_password(db, "doc@example.org", "short", user="admin")
    row = users.set_password(db, "doc@example.org", "another long password", user="admin")
    assert row["password_changed_at"] is not None and "password_hash" not in row
    with pytest.raises(users.SignInRefused):
        users.sign_in(db, "doc@example.org", PASSWORD)
    assert users.sign_in(db, "doc@example.org", "another long password")["role"] == "clinician"
    assert "set_password" in [a["action"] for a in store.list_audit(db, entity="user")]
    with pytest.raises(NotFound):
        users.set_password(db, "nobody@example.org", "another long password", user="admin")


def test_the_user_command_disables_enables_and_resets(cli_db):
    db = store.open_database(cli_db)
    users.create_user(db, "doc@example.org", "clinician", password=PASSWORD, user="admin")
    runner = CliRunner()
    result = runner.invoke(main, ["user", "disable", "doc@example.org", "--user", "admin"])
    assert result.exit_code == 0 and "disabled" in result.output
    with pytest.raises(users.SignInRefused):
        users.sign_in(db, "doc@example.org", PASSWORD)
    assert runner.invoke(main, ["user", "enable", "doc@example.org"]).exit_code == 0
    new = "a fresh password for doc"
    result = runner.invoke(main, ["user", "password", "doc@example.org"], input=f"{new}\n{new}\n")
    assert result.exit_code == 0 and new not in result.output
    assert users.sign_in(db, "doc@example.org", new)["email"] == "doc@example.org"
    missing = runner.invoke(main, ["user", "disable", "nobody@example.org"])
    assert missing.exit_code == 1 and "no user 'nobody@example.org'" in missing.output
    db.close()
