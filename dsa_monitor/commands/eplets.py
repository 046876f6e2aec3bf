"""``dsa-monitor eplets``: a recipient's eplet mismatch load against each donor, from the stored
typings and the active eplet tables."""

from __future__ import annotations

import json

import click

from .. import store
from ..eplets import text_lines
from ..readings.eplet_table import active_table
from ..readings.eplets import recipient_eplets
from ..reference import eplets as installed
from . import existing_database, make_app, opened_store, settings


def _recipient_id(db, recipient: str, study: str | None) -> int:
    if recipient.isdigit():
        return int(store.get_recipient(db, int(recipient))["id"])
    found = [r["id"] for r in store.list_recipients(db, study) if r["subject_code"] == recipient]
    if len(found) != 1:
        raise click.ClickException(
            f"{'no' if not found else 'several'} recipient(s) with subject code {recipient!r}"
            + (f" in study {study}" if study else "")
            + ("; give --study" if found else "")
        )
    return int(found[0])


@click.command("eplets")
@click.option("--recipient", required=True, help="A recipient's id or subject code.")
@click.option("--study", default=None, help="The study code, when a subject code is not unique.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(recipient: str, study: str | None, output: str) -> None:
    """Show the eplet mismatch load of each donor of a recipient (donor eplets the recipient
    lacks), per class and per locus group (A/B/C, DR, DQ, DP), all and antibody-verified, with
    the eplets listed and, for each typed copy, how the table placed it (an allele the table
    lacks or an ambiguous typing is said). Uses the active eplet tables, named in the output."""
    app = existing_database(make_app())
    table = active_table(settings(app).reference_dir)
    if table is None:
        raise click.ClickException(installed.NOT_INSTALLED)
    with opened_store(app) as db:
        reading, typed = recipient_eplets(db, table, _recipient_id(db, recipient, study))
    if output == "json":
        click.echo(json.dumps(reading, indent=2))
        return
    click.echo(f"recipient {recipient}")
    if not typed:
        click.echo("  not typed")
    for line in text_lines(reading):
        click.echo(line)
