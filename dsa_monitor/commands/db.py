"""``dsa-monitor init``: create the SQLite database, or bring its schema up to date."""

from __future__ import annotations

import click

from .. import store
from . import make_app
from .serve import data_folders


@click.command("init")
def command() -> None:
    """Create the database file (DSA_MONITOR_DATABASE) or apply its pending schema migrations;
    print the database, reference and mail folders the service uses."""
    app = make_app()
    path = app.config["DATABASE"]
    db = store.open_database(path, migrate=False)
    try:
        applied = store.migrate(db)
        version = store.schema_version(db)
    finally:
        db.close()
    click.echo(f"database {path}: schema {version[-1]} ({len(version)} migrations)")
    for name in applied:
        click.echo(f"  applied {name}")
    click.echo(data_folders(app))
