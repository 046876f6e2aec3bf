"""``dsa-monitor demo``: a synthetic cell-therapy trial, stored, evaluated, alerted and served."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import store
from ..demo import build as demo
from ..evaluation.report import format_table
from . import domain_errors, make_app


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _echo_summary(folder: demo.DemoFolder, account: dict, host: str, port: int) -> None:
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
    click.echo(f"e-mails: {len(mails)} .eml file(s) in {folder.mail} "
               f"(alerts for {account['clinician']}, written by one scheduler run)")
    for name, subject in mails:
        click.echo(f"  {name}: {subject}")
    base = f"http://{host}:{port}"
    study = results[0].study_code if results else ""
    click.echo(f"web: open {base}/studies/{study} and "
               f"sign in as {account['email']} with password {account['password']}")


@click.command("demo")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("dsa-monitor-demo"), show_default="./dsa-monitor-demo/",
              help="The demo's own folder: its database, lab files and .eml files.")
@click.option("--force", is_flag=True, help="Rebuild the demo even if the folder holds one.")
@click.option("--no-serve", "no_serve", is_flag=True,
              help="Build (or find) the demo, print its summary and exit.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to serve on.")
def command(directory: Path, force: bool, no_serve: bool, host: str, port: int) -> None:
    """Build a demo study like the motivating trial (8 lupus recipients of umbilical-cord MSC,
    sera at baseline, M1, M3, M6, M9, M12: a de novo DSA at M3, a preformed DSA that rises, a
    failed QC run, an overdue visit) in its own folder and database, never the configured one:
    HLA Fusion files written and uploaded, the scheduler run once (alerts as .eml files), a summary
    printed, then the web pages served with a demo sign-in. Run again: serves the same demo."""
    folder = demo.DemoFolder(directory.resolve())
    stray = folder.stray()
    if stray:
        raise click.ClickException(
            f"{folder.path} holds files no demo wrote ({', '.join(stray[:5])}); "
            "give an empty or new folder with --dir")
    if folder.built() and not force:
        click.echo(f"demo already built in {folder.path} (--force rebuilds it)")
        account = folder.sign_in()
    elif folder.database.exists() and not force:
        raise click.ClickException(
            f"{folder.path} holds an unfinished demo; --force rebuilds it")
    else:
        folder.clear()
        click.echo(f"building the demo in {folder.path} ...")
        with domain_errors():
            account, jobs = demo.build(folder, make_app, today=_today())
        click.echo(f"lab files (HLA Fusion CSV) in {folder.files}, uploaded as a lab would")
        click.echo("scheduler run once: " + "; ".join(f"{job}: {done}" for job, done in jobs.items()))
    click.echo(f"database {folder.database}; as of {account['as_of']}")
    _echo_summary(folder, account, host, port)
    if no_serve:
        return
    app = make_app(**folder.settings(account["secret_key"], BASE_URL=f"http://{host}:{port}"))
    click.echo(f"serving the demo on http://{host}:{port}/ (Ctrl-C stops it)")
    app.run(host=host, port=port)
