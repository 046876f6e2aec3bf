"""``dsa-monitor study create|edit|show``: a study's title, visit schedule and upload settings."""

from __future__ import annotations

import getpass
import json

import click

from .. import store
from ..errors import DSAMonitorError
from . import existing_database, make_app


def _visit(text: str) -> dict:
    """``M3:90:14`` -> visit M3, day 90 after the exposure, window of 14 days either side."""
    parts = text.split(":")
    if len(parts) != 3 or not parts[0].strip():
        raise click.BadParameter(f"{text!r}: write NAME:DAY:WINDOW, e.g. M3:90:14")
    try:
        return {"name": parts[0].strip(), "day": int(parts[1]), "window_days": int(parts[2])}
    except ValueError:
        raise click.BadParameter(f"{text!r}: DAY and WINDOW are whole days, e.g. M3:90:14") from None


def _visits(ctx, param, values: tuple[str, ...]) -> list[dict] | None:
    return [_visit(v) for v in values] if values else None


_SETTINGS = [
    click.option("--title", default=None, help="The study's title."),
    click.option(
        "--visit",
        "visits",
        multiple=True,
        callback=_visits,
        help="A protocol visit NAME:DAY:WINDOW (days after the exposure, window in days"
        " either side), e.g. --visit M1:30:7 --visit M3:90:14; repeat for each.",
    ),
    click.option(
        "--strict/--lenient",
        "strict_uploads",
        default=None,
        help="Refuse a lab file holding any sample not enrolled (--strict), or list such"
        " samples as not stored (--lenient, the default).",
    ),
    click.option(
        "--date-layout",
        default=None,
        help="How the study's lab files write ambiguous dates, e.g. DD-MM-YYYY.",
    ),
    click.option(
        "--control-pattern", default=None, help="A regular expression naming the lab's own control sera."
    ),
    click.option(
        "--user",
        default=getpass.getuser,
        show_default="the login name",
        help="Who makes the change (kept in the audit log).",
    ),
]


def _with_settings(command):
    for option in reversed(_SETTINGS):
        command = option(command)
    return command


def _changes(**given) -> dict:
    changes = {k: v for k, v in given.items() if v is not None and k != "user"}
    if "visits" in changes:
        changes["visit_schedule"] = changes.pop("visits")
    return changes


def _open():
    app = existing_database(make_app())
    return store.open_database(app.config["DATABASE"])


@click.group("study")
def command() -> None:
    """Studies: create one, edit its title, visit schedule and upload settings, show it."""


@command.command("create")
@click.argument("code")
@_with_settings
def create(code: str, user: str, **given) -> None:
    """Create study CODE with its title, visit schedule and upload settings."""
    changes = _changes(**given)
    db = _open()
    try:
        study = store.create_study(
            db,
            code,
            title=changes.pop("title", ""),
            visit_schedule=changes.pop("visit_schedule", []),
            user=user,
            settings=changes,
        )
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
    finally:
        db.close()
    click.echo(f"study {study['code']} created")
    _print(study, 0)


@command.command("edit")
@click.argument("code")
@_with_settings
@click.option("--no-visits", is_flag=True, help="Remove every visit of the schedule.")
def edit(code: str, user: str, no_visits: bool, **given) -> None:
    """Change what is given of study CODE; a changed visit schedule marks its recipients for
    the scheduler's next evaluation run."""
    changes = _changes(**given)
    if no_visits:
        changes["visit_schedule"] = []
    if not changes:
        raise click.UsageError(
            "nothing to change: give --title, --visit, --strict/--lenient, --date-layout or --control-pattern"
        )
    db = _open()
    try:
        study, marked = store.studies.update_study(db, code, changes, user=user)
        recipients = store.studies.count_recipients(db, study["id"])
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
    finally:
        db.close()
    click.echo(f"study {study['code']} edited")
    if marked:
        click.echo(
            f"visit schedule changed: {marked} recipient(s) marked for the scheduler's"
            " next evaluation run (dsa-monitor scheduler --once, or its interval)"
        )
    _print(study, recipients)


@command.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the study as JSON.")
def show(code: str, as_json: bool) -> None:
    """Show study CODE: title, visit schedule, upload settings, how many recipients."""
    db = _open()
    try:
        study = store.get_study(db, code)
        recipients = store.studies.count_recipients(db, study["id"])
    except DSAMonitorError as error:
        raise click.ClickException(error.message) from error
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps({**study, "recipients": recipients}, indent=2))
        return
    _print(study, recipients)


def _print(study: dict, recipients: int) -> None:
    click.echo(f"{study['code']}: {study['title'] or '(no title)'}; {recipients} recipient(s)")
    schedule = study["visit_schedule"] or []
    click.echo(
        "visits: "
        + (
            ", ".join(f"{v['name']} day {v['day']} ±{v['window_days']}" for v in schedule)
            or "none (every serum unscheduled)"
        )
    )
    click.echo(
        f"uploads: {'strict' if study['strict_uploads'] else 'lenient'}, date layout"
        f" {study['date_layout'] or 'read from the files'}, control pattern"
        f" {study['control_pattern'] or 'none'}"
    )
