"""``dsa-monitor demo``: a synthetic cell-therapy trial, stored, evaluated, alerted and served."""

from __future__ import annotations

import datetime as dt
import functools
import re
import shlex
from pathlib import Path

import click

from .. import store
from ..config import ENV_PREFIX, NO_SMTP_HOST
from ..demo import build as demo
from ..evaluation.report import format_table
from . import domain_errors, make_app

# What to run next, written into the demo's folder by every run (the port of the last run).
NEXT_STEPS = "next-steps.txt"
NEXT_STEPS_HEADING = "dsa-monitor demo: what to run next"
# The address the alert e-mails link to (the recipient's page), as the mailer writes it.
_LINK = re.compile(r"(https?://[^\s/\"<>]+)/recipients/\d+")


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _ours(path: Path) -> bool:
    """Whether a file of the demo's folder is the next steps this command wrote (a file of that
    name written by someone else is theirs: never overwritten, never cleared)."""
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().strip() == NEXT_STEPS_HEADING
    except (OSError, UnicodeDecodeError):
        return False


def _stray(folder: demo.DemoFolder) -> list[str]:
    notes = folder.path / NEXT_STEPS
    return [name for name in folder.stray() if not (name == NEXT_STEPS and _ours(notes))]


def on_the_demo(folder: demo.DemoFolder, base: str, command: str) -> str:
    """A shell line running ``dsa-monitor COMMAND`` on the demo's database, mail and reference
    folders, its e-mail links to ``base``: the configured database and SMTP server untouched,
    whatever the shell or the instance file sets. Each is given explicitly, the SMTP host as
    ``none`` (its e-mails go to the demo's mail folder): an unset variable would let the instance
    file's host through."""
    settings = {
        "DATABASE": folder.database,
        "MAIL_DIR": folder.mail,
        "REFERENCE_DIR": folder.path / demo.REFERENCE,
        "BASE_URL": base,
        "SMTP_HOST": NO_SMTP_HOST,
    }
    assignments = " ".join(f"{ENV_PREFIX}{key}={shlex.quote(str(value))}" for key, value in settings.items())
    return f"env {assignments} dsa-monitor {command}"


def next_steps(folder: demo.DemoFolder, host: str, port: int, study: str) -> str:
    """The folder's instructions: how to serve this demo again and how to run the other commands
    on it (never on the database configured for real work)."""
    base = f"http://{host}:{port}"
    where = shlex.quote(str(folder.path))
    return "\n".join(
        [
            NEXT_STEPS_HEADING,
            "",
            f"This folder holds a demo study ({study}) in its own database, {folder.database};",
            "the commands below work on it, never on the database configured for real work.",
            "",
            "Serve it again (the sign-in is printed, and kept in demo.json):",
            f"  dsa-monitor demo --dir {where} --host {shlex.quote(host)} --port {port}",
            f"  then open {base}/studies/{study}",
            "",
            f"Alert e-mails are .eml files in {folder.mail}; their links open {base}.",
            "",
            "Run the scheduler once (evaluate, QC, overdue visits, reminders, e-mail):",
            "  " + on_the_demo(folder, base, "scheduler --once"),
            "Read the audit log:",
            "  " + on_the_demo(folder, base, "audit"),
            "List the open alerts, acknowledge one (its number is in the e-mail):",
            "  " + on_the_demo(folder, base, "alerts list"),
            "  " + on_the_demo(folder, base, "alerts ack N"),
            "",
        ]
    )


def _write_next_steps(folder: demo.DemoFolder, host: str, port: int, study: str) -> Path:
    path = folder.path / NEXT_STEPS
    path.write_text(next_steps(folder, host, port, study), encoding="utf-8")
    return path


def _mail_links(mail: Path) -> set[str]:
    """The addresses the demo's e-mails link to."""
    return {
        found
        for path in mail.glob("*.eml")
        for found in _LINK.findall(path.read_text(encoding="utf-8", errors="replace"))
    }


def _echo_summary(folder: demo.DemoFolder, account: dict, base: str) -> str:
    """Print the demo's evaluations, summary, e-mails and sign-in; return the study's code."""
    db = store.open_database(folder.database)
    try:
        results, summary = demo.demo_summary(db)
    finally:
        db.close()
    click.echo(format_table(results))
    click.echo("")
    for line in summary.lines():
        click.echo(line)
    mails = demo.mail_subjects(folder.mail)
    click.echo(
        f"e-mails: {len(mails)} .eml file(s) in {folder.mail} "
        f"(alerts for {account['clinician']}, written by one scheduler run)"
    )
    for name, subject in mails:
        click.echo(f"  {name}: {subject}")
    elsewhere = sorted(_mail_links(folder.mail) - {base})
    if elsewhere:
        click.echo(
            f"  (their links open {', '.join(elsewhere)}, where the demo was built to be"
            f" served; --force rebuilds it for {base})"
        )
    study = results[0].study_code if results else ""
    click.echo(
        f"web: open {base}/studies/{study} and "
        f"sign in as {account['email']} with password {account['password']}"
    )
    return study


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dsa-monitor-demo"),
    show_default="./dsa-monitor-demo/",
    help="The demo's own folder: its database, lab files and .eml files.",
)
@click.option("--force", is_flag=True, help="Rebuild the demo even if the folder holds one.")
@click.option(
    "--no-serve", "no_serve", is_flag=True, help="Build (or find) the demo, print its summary and exit."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=int,
    help="Port to serve on; the alert e-mails link to it.",
)
def command(directory: Path, force: bool, no_serve: bool, host: str, port: int) -> None:
    """Build a demo study like the motivating trial (8 lupus recipients of umbilical-cord MSC,
    sera at baseline, M1, M3, M6, M9, M12: a de novo DSA at M3, a preformed DSA that rises, a
    failed QC run, an overdue visit) in its own folder and database, never the configured one:
    HLA Fusion files written and uploaded, the scheduler run once (alerts as .eml files linking to
    --host and --port), a summary printed, then the web pages served with a demo sign-in. The
    folder's next-steps.txt says how to run other commands on it. Run again: serves the same
    demo."""
    folder = demo.DemoFolder(directory.resolve())
    base = f"http://{host}:{port}"
    stray = _stray(folder)
    if stray:
        raise click.ClickException(
            f"{folder.path} holds files no demo wrote ({', '.join(stray[:5])}); "
            "give an empty or new folder with --dir"
        )
    if folder.built() and not force:
        click.echo(f"demo already built in {folder.path} (--force rebuilds it)")
        account = folder.sign_in()
    elif folder.database.exists() and not force:
        raise click.ClickException(f"{folder.path} holds an unfinished demo; --force rebuilds it")
    else:
        folder.clear()
        click.echo(f"building the demo in {folder.path} ...")
        with domain_errors():
            account, jobs = demo.build(folder, functools.partial(make_app, BASE_URL=base), today=_today())
        click.echo(f"lab files (HLA Fusion CSV) in {folder.files}, uploaded as a lab would")
        click.echo("scheduler run once: " + "; ".join(f"{job}: {done}" for job, done in jobs.items()))
    click.echo(f"database {folder.database}; as of {account['as_of']}")
    study = _echo_summary(folder, account, base)
    click.echo(
        f"next: {_write_next_steps(folder, host, port, study)} says how to run other"
        " commands (scheduler --once, audit) on this demo"
    )
    if no_serve:
        return
    app = make_app(**folder.settings(account["secret_key"], BASE_URL=base))
    click.echo(f"serving the demo on {base}/ (Ctrl-C stops it)")
    app.run(host=host, port=port)
