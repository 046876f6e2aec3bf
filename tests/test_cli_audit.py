"""``dsa-monitor audit``: the audit log read from the command line, filtered."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main


def test_the_audit_command_lists_who_changed_what(cli_db):
    db = store.open_database(cli_db)
    store.create_study(db, "CORD-01", user="coordinator")
    recipient = store.create_recipient(db, "CORD-01", "R001", user="lab-anna")
    db.close()
    runner = CliRunner()
    lines = runner.invoke(main, ["audit"]).output.splitlines()
    assert [line.split("\t")[1:3] for line in lines] == [
        ["actor", "action"],
        ["lab-anna", "create"],
        ["coordinator", "create"],
    ]
    only = runner.invoke(
        main, ["audit", "--entity", "recipient", "--id", str(recipient["id"]), "--json"]
    ).output.splitlines()
    assert [json.loads(line)["user"] for line in only] == ["lab-anna"]
    assert (
        runner.invoke(main, ["audit", "--user", "coordinator", "--limit", "1"]).output.count("\n") == 2
    )  # the header row and the entry
    assert runner.invoke(main, ["audit", "--since", "2999-01-01"]).output == "no audit entries\n"
