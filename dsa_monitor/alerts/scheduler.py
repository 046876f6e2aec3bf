"""Running the jobs on a schedule (APScheduler 3), one process at a time through a database lease.

``dsa-monitor scheduler`` runs them in its own process; ``--once`` runs each once and exits. A web
server runs them only when SCHEDULER_IN_WEB is set, starting at its first request (so neither the
reloader's watcher process nor a gunicorn master does); several workers may start a scheduler,
but the lease lets one of them work at a time.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlite_utils import Database

from .. import store
from ..store import leases
from .jobs import run_job

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
# The order of a ``--once`` run: new events first, so that delivery sends them in the same run.
ONCE_ORDER = ("evaluate", "qc", "overdue", "reminders", "deliver")
INTERVAL_KEYS = {
    "evaluate": "SCHEDULER_EVALUATE_SECONDS",
    "qc": "SCHEDULER_EVALUATE_SECONDS",
    "overdue": "SCHEDULER_OVERDUE_SECONDS",
    "reminders": "SCHEDULER_REMINDER_SECONDS",
    "deliver": "SCHEDULER_DELIVER_SECONDS",
}
EXTENSION = "dsa_scheduler"


class Lease:
    """This process's claim to run the jobs: taken when free or expired, renewed while working."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._held: bool | None = None  # None: not asked yet

    def hold(self, db: Database) -> bool:
        """Take or renew the lease; True while this process may run the jobs."""
        held = leases.acquire_lease(db, LEASE_NAME, self.holder, self.seconds)
        if held != self._held:
            if held:
                log.info("scheduler lease taken by %s", self.holder)
            else:
                current = leases.lease_holder(db, LEASE_NAME) or {}
                log.log(
                    logging.WARNING if self._held else logging.INFO,
                    "%s: the jobs are run by %s (lease until %s); waiting to take over",
                    self.holder,
                    current.get("holder"),
                    current.get("expires_at"),
                )
        self._held = held
        return held

    def release(self, db: Database) -> None:
        """Give the lease up so that a waiting process takes over at once."""
        leases.release_lease(db, LEASE_NAME, self.holder)
        self._held = False


def _interval(app: Flask, job: str) -> float:
    return float(app.config[INTERVAL_KEYS[job]])


def add_jobs(scheduler: BaseScheduler, app: Flask, lease: Lease) -> None:
    """Every job at its configured interval, plus a heartbeat that keeps (or waits for) the lease."""
    options: dict[str, Any] = {
        "max_instances": 1,
        "coalesce": True,
        "misfire_grace_time": None,
        "next_run_time": dt.datetime.now(dt.UTC),
    }

    def heartbeat() -> None:
        with app.app_context():
            lease.hold(store.get_db())

    scheduler.add_job(heartbeat, "interval", seconds=max(lease.seconds / 3, 0.1), id="lease", **options)
    for job in ONCE_ORDER:
        scheduler.add_job(
            run_job, "interval", seconds=_interval(app, job), id=job, args=(app, job, lease), **options
        )


def acquire_waiting(app: Flask, lease: Lease, wait: float) -> bool:
    """Wait up to ``wait`` seconds for the lease (another process may be working)."""
    deadline = time.monotonic() + wait
    with app.app_context():
        db = store.get_db()
        while not lease.hold(db):
            if time.monotonic() >= deadline:
                holder = leases.lease_holder(db, LEASE_NAME) or {}
                log.info("lease held by %s until %s", holder.get("holder"), holder.get("expires_at"))
                return False
            time.sleep(0.2)
    return True


def run_once(app: Flask, *, wait: float | None = None) -> dict[str, str | None] | None:
    """Run each job once, in order, under the lease; None if the lease could not be had."""
    lease = Lease(float(app.config["SCHEDULER_LEASE_SECONDS"]))
    if not acquire_waiting(app, lease, lease.seconds if wait is None else wait):
        return None
    try:
        return {job: run_job(app, job, lease) for job in ONCE_ORDER}
    finally:
        with app.app_context():
            lease.release(store.get_db())


def run_forever(app: Flask) -> None:
    """Run the jobs at their intervals until stopped (SIGTERM or Ctrl-C); then free the lease."""
    lease = Lease(float(app.config["SCHEDULER_LEASE_SECONDS"]))
    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, app, lease)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler %s started (database %s)", lease.holder, app.config["DATABASE"])
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
    finally:
        with app.app_context():
            lease.release(store.get_db())
        log.info("scheduler %s stopped", lease.holder)


@dataclass
class SchedulerState:
    """What the extension keeps in ``app.extensions['dsa_scheduler']``."""

    in_web: bool
    lease: Lease
    background: BackgroundScheduler | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Scheduler:
    """The Flask extension: ``Scheduler(app)`` or ``scheduler.init_app(app)`` in the factory."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        state = SchedulerState(
            in_web=bool(app.config.get("SCHEDULER_IN_WEB")),
            lease=Lease(float(app.config["SCHEDULER_LEASE_SECONDS"])),
        )
        app.extensions[EXTENSION] = state
        if state.in_web:
            app.before_request(lambda: self.start(app))

    def start(self, app: Flask) -> None:
        """Start the background jobs once per process (the first request calls this)."""
        state: SchedulerState = app.extensions[EXTENSION]
        if state.background is not None:
            return
        with state.lock:
            if state.background is not None:
                return
            background = BackgroundScheduler(timezone="UTC", daemon=True)
            add_jobs(background, app, state.lease)
            background.start()
            state.background = background
            atexit.register(self.stop, app)
            log.info("scheduler started inside the web server (pid %s)", os.getpid())

    def stop(self, app: Flask) -> None:
        """Stop the background jobs and free the lease."""
        state: SchedulerState = app.extensions[EXTENSION]
        if state.background is None:
            return
        state.background.shutdown(wait=False)
        state.background = None
        with app.app_context():
            state.lease.release(store.get_db())


scheduler = Scheduler()
