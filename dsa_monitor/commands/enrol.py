"""``dsa-monitor enrol FILE.csv``: enrol a study's recipients, donors and exposures from one CSV."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from .. import store
from ..errors import DSAMonitorError
from ..ingest import enrol_file
from ..reference import service as reference_service
from . import existing_database, make_app


@click.command("enrol")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--user",
    default=getpass.getuser,
    show_default="the login name",
    help="Who enrols (kept in the audit log).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def command(file: Path, user: str, as_json: bool) -> None:
    """Enrol the recipients, lab IDs, donors, typings and exposures of FILE (a CSV with the
    columns study, subject_code, lab_ids, recipient_typing, donor_code, donor_kind,
    donor_typing, exposure_date, exposure_kind; see docs/enrolment.md), all or nothing. Every
    problem is listed by line and column; the same file again changes nothing and says so."""
    app = existing_database(make_app())
    db = store.open_database(app.config["DATABASE"])
    try:
        result = enrol_file(
            db, file.read_bytes(), file.name, reference=reference_service.current(app), user=user
        )
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
    finally:
        db.close()
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.summary())
