"""``dsa-monitor catalogue add|list``: the bead-lot catalogues result files are read with."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from .. import store
from . import echo_table, opened_store


@click.group("catalogue")
def command() -> None:
    """Register and list bead-lot catalogues (One Lambda lot sheets, Immucor .eds files)."""


@command.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kit", default=None, help="Kit name when the file does not say, e.g. LS1A04.")
@click.option("--lot", default=None, help="Lot as result files name it, if the file does not say.")
@click.option(
    "--class",
    "hla_class",
    type=click.Choice(["I", "II"]),
    default=None,
    help="HLA class when the file does not say.",
)
@click.option(
    "--user",
    default=getpass.getuser,
    show_default="the login name",
    help="Who registers the lot (kept in the audit log).",
)
def add_command(file: Path, kit: str | None, lot: str | None, hla_class: str | None, user: str) -> None:
    """Register the lot described by FILE (once per lot; the same file again changes nothing)."""
    from ..sab.lots import read_catalogue

    with opened_store() as db:
        catalogue = read_catalogue(file.read_bytes(), file.name, kit=kit, lot=lot, hla_class=hla_class)
        catalogue_id = store.register_catalogue(db, catalogue, user)
    click.echo(
        f"catalogue {catalogue_id}: {catalogue.vendor} {catalogue.kit} lot {catalogue.lot}"
        f" class {catalogue.hla_class}, {len(catalogue.beads)} beads"
    )
    for note in catalogue.notes:
        click.echo(f"note: {note}")


@command.command("list")
def list_command() -> None:
    """List the registered lots: kit, lot, class, beads, who registered them and when."""
    with opened_store() as db:
        rows = store.list_catalogues(db)
    echo_table(
        ("kit", "lot", "class", "beads", "registered", "by"),
        (
            (
                row["kit"],
                row["lot"],
                row["hla_class"],
                row["beads"],
                row["registered_at"],
                row["registered_by"],
            )
            for row in rows
        ),
        empty="no catalogues registered",
    )
