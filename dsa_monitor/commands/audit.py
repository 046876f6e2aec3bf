"""``dsa-monitor audit``: read the audit log (who changed what, when) without opening SQLite."""

from __future__ import annotations

import json

import click

from .. import store
from . import echo_table, opened_store


@click.command("audit")
@click.option(
    "--entity",
    default=None,
    help="Only this kind of record: upload, recipient, donor, study, user, token, ...",
)
@click.option("--id", "entity_id", type=int, default=None, help="Only this record's entries.")
@click.option("--user", default=None, help="Only this actor's entries (a user, token or job).")
@click.option("--since", default=None, help="Only entries from this UTC time on (2026-11-25).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def command(
    entity: str | None, entity_id: int | None, user: str | None, since: str | None, limit: int, as_json: bool
) -> None:
    """List audit entries, newest first: time, actor, action, record and details."""
    with opened_store() as db:
        rows = store.list_audit(db, entity=entity, entity_id=entity_id, user=user, since=since, limit=limit)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, sort_keys=True, default=str))
        return
    echo_table(
        ("at", "actor", "action", "record", "details"),
        (
            (
                f"{row['at'][:19]}Z",
                row["user"],
                row["action"],
                f"{row['entity']} {row['entity_id']}" if row["entity_id"] else row["entity"],
                json.dumps(row["details"], sort_keys=True),
            )
            for row in rows
        ),
        empty="no audit entries",
    )
