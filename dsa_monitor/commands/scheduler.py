"""``dsa-monitor scheduler``: run the alert jobs (evaluate, QC, overdue visits, reminders, e-mail)."""

from __future__ import annotations

import logging

import click

from ..alerts.jobs import failed_jobs
from ..alerts.scheduler import run_forever, run_once
from . import existing_database, make_app


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run each job once and exit (for cron, and for tests).")
@click.option(
    "--wait",
    type=float,
    default=None,
    help="With --once: seconds to wait for another scheduler to finish (default: SCHEDULER_LEASE_SECONDS).",
)
def command(once: bool, wait: float | None) -> None:
    """Run the scheduled jobs in this process: evaluate new samples, record QC-failure and
    overdue-visit events, queue reminders, deliver the e-mail outbox. Only one scheduler works at
    a time (a lease in the database); a second one waits and takes over when the first stops.
    With --once, the exit status is 1 when a job failed (each job's line says why)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = existing_database(make_app())
    if not once:
        run_forever(app)
        return
    results = run_once(app, wait=wait)
    if results is None:
        click.echo("another scheduler holds the lease: nothing run")
        return
    for job, result in results.items():
        click.echo(f"{job}: {result}")
    failed = failed_jobs(results)
    if failed:  # cron and the operator must see it
        raise click.ClickException(f"job(s) failed: {', '.join(failed)}")
