"""The scheduled jobs: each runs in its own app context, logs what it did, and fails alone.

A job runs only while its process holds the scheduler lease (``scheduler.Lease``), so however
many processes run ``dsa-monitor scheduler`` (or a web server with SCHEDULER_IN_WEB), one does the
work at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from flask import Flask
from sqlite_utils import Database

from .. import store
from ..config import settings_of
from ..evaluation import evaluate_pending
from ..store import leases
from ..store.connection import write_transaction
from .evaluation import recorder_for
from .events import queue_reminders, record_events
from .mailer import MailSettings
from .outbox import deliver_due
from .overdue import overdue_visit_facts
from .qc_failures import qc_correction_facts, qc_failure_facts

log = logging.getLogger(__name__)

FAILED = "failed: "  # how a job's result starts when it failed (``failed_jobs``)


class JobFailed(Exception):
    """A job that did part of its work and must still be reported failed (exit status, log)."""


class HoldsLease(Protocol):
    holder: str

    def hold(self, db: Database) -> bool: ...


def evaluate(db: Database, config: Mapping[str, Any], lease: HoldsLease) -> str:
    """Evaluate what arrived since the evaluation's watermark; each stored evaluation records its
    changes as events (mail settings from ``config``) in its own transaction."""
    from flask import current_app

    from ..reference import service

    run = evaluate_pending(
        db,
        reference=service.current(current_app),
        record=recorder_for(config),
        helper=settings_of(current_app).evaluation_helper,
    )
    done = f"{len(run)} recipient(s) evaluated, {len(run.changes)} change(s)"
    if run.failures:  # the others are stored; these are retried by the next run
        raise JobFailed(
            f"{done}; {len(run.failures)} recipient(s) not evaluated, retried on the"
            " next run: " + "; ".join(f"recipient {f.recipient_id}: {f.error}" for f in run.failures)
        )
    return done


def check_qc(db: Database, config: Mapping[str, Any], lease: HoldsLease) -> str:
    """QC-failure events for the samples stored since the last run."""
    settings = MailSettings.from_config(config)
    with write_transaction(db):
        after = int(leases.get_watermark(db, "qc_failure"))
        facts, watermark = qc_failure_facts(db, after_sample_id=after)
        created = record_events(db, facts, settings=settings)
        corrections = record_events(db, qc_correction_facts(db), settings=settings)
        leases.set_watermark(db, "qc_failure", str(watermark))
    summary = (
        f"samples {after + 1}..{watermark}: {len(created)} QC-failure event(s)"
        if watermark > after
        else "no new samples"
    )
    return summary + (f", {len(corrections)} withdrawn by a corrected upload" if corrections else "")


def check_overdue(db: Database, config: Mapping[str, Any], lease: HoldsLease) -> str:
    """Overdue-visit events for windows closed recently without a usable sample."""
    facts = overdue_visit_facts(
        db, today=dt.datetime.now(dt.UTC).date(), max_age_days=int(config["OVERDUE_MAX_AGE_DAYS"])
    )
    created = record_events(db, facts, settings=MailSettings.from_config(config))
    return f"{len(facts)} overdue visit(s), {len(created)} new event(s)"


def send_reminders(db: Database, config: Mapping[str, Any], lease: HoldsLease) -> str:
    """Re-send once each de novo alert nobody acknowledged within REMINDER_DELAY_HOURS."""
    reminded = queue_reminders(
        db,
        delay_hours=float(config["REMINDER_DELAY_HOURS"]),
        settings=MailSettings.from_config(config),
    )
    return f"{len(reminded)} reminder(s) queued"


def deliver(db: Database, config: Mapping[str, Any], lease: HoldsLease) -> str:
    """Hand due outbox messages to the mail server (or the .eml folder)."""
    report = deliver_due(
        db, MailSettings.from_config(config), lease.holder, still_holding=lambda: lease.hold(db)
    )
    return str(report)


JOBS: dict[str, Callable[[Database, Mapping[str, Any], HoldsLease], str]] = {
    "evaluate": evaluate,
    "qc": check_qc,
    "overdue": check_overdue,
    "reminders": send_reminders,
    "deliver": deliver,
}


def run_job(app: Flask, name: str, lease: HoldsLease) -> str | None:
    """Run one job if this process holds the lease; None when it does not. Errors are logged."""
    with app.app_context():
        db = store.get_db()
        if not lease.hold(db):
            return None
        try:
            result = JOBS[name](db, app.config, lease)
        except JobFailed as error:
            log.error("job %s failed: %s", name, error)
            return f"{FAILED}{error}"
        except Exception as error:  # one failing job must not stop the others
            log.exception("job %s failed", name)
            return f"{FAILED}{type(error).__name__}: {error}"
        log.info("job %s: %s", name, result)
        return result


def failed_jobs(results: Mapping[str, str | None]) -> list[str]:
    """The jobs of a ``run_once`` that failed (a ``--once`` run then exits non-zero)."""
    return [job for job, result in results.items() if (result or "").startswith(FAILED)]
