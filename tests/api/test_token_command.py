"""``dsa-monitor token``: the secret is printed once and only its sha256 is kept; revoked is 401."""

import hashlib

import pytest
from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.app import create_app
from dsa_monitor.cli import main


@pytest.fixture
def database(tmp_path, monkeypatch):
    for key in ("DATABASE", "REFERENCE_DIR"):
        monkeypatch.setenv(f"DSA_MONITOR_{key}", str(tmp_path / key.lower()))
    db = store.open_database(tmp_path / "database")
    store.create_study(db, "CORD-01", user="setup")
    db.close()
    return tmp_path / "database"


def run(*args):
    result = CliRunner().invoke(main, ["token", *args])
    return result


def test_a_created_token_is_printed_once_stored_hashed_and_works_until_revoked(database):
    created = run("create", "--name", "lab-bench", "--role", "lab", "--study", "CORD-01", "--user", "ops")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert len(secret) >= 43 and "\n" not in secret
    assert "role lab, study CORD-01" in created.stderr
    wal = database.parent / "database-wal"
    raw = database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert secret.encode() not in raw
    db = store.open_database(database)
    (row,) = db.query("SELECT name, role, token_sha256 FROM api_tokens")
    assert row == {
        "name": "lab-bench",
        "role": "lab",
        "token_sha256": hashlib.sha256(secret.encode()).hexdigest(),
    }
    assert [(a["action"], a["user"]) for a in store.list_audit(db, entity="token")] == [("create", "ops")]
    db.close()
    client = create_app({"TESTING": True}).test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{API}/studies", headers=headers).status_code == 200
    listed = run("list")
    assert listed.output.startswith("name\trole\tstudy\tcreated\tby\trevoked\nlab-bench\tlab\tCORD-01\t")
    assert secret not in listed.output
    revoked = run("revoke", "lab-bench")
    assert (revoked.exit_code, revoked.output) == (0, "token 'lab-bench' revoked\n")
    assert client.get(f"{API}/studies", headers=headers).status_code == 401
    assert run("list").output == "no tokens (active; --all for revoked)\n"
    assert "revoked" in run("list", "--all").output


@pytest.mark.parametrize(
    "args, message",
    [
        (["create", "--name", "x", "--role", "root"], "'root' is not one of"),
        (["create", "--name", "x", "--role", "lab", "--study", "NOPE"], "no study 'NOPE'"),
        (["revoke", "nobody"], "no active token named 'nobody'"),
    ],
)
def test_what_cannot_be_done_exits_non_zero_saying_why(database, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output


def test_a_name_is_unique_among_active_tokens_and_free_again_once_revoked(database):
    assert run("create", "--name", "ci", "--role", "integration").exit_code == 0
    again = run("create", "--name", "ci", "--role", "integration")
    assert (again.exit_code, "an active token is already named 'ci'" in again.output) == (1, True)
    run("revoke", "ci")
    assert run("create", "--name", "ci", "--role", "integration").exit_code == 0
