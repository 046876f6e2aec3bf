"""The demo trial (``dsa-monitor demo``'s cases) stored and evaluated once, copied per test.

Building it takes seconds (8 recipients × 6 sera × 2 classes, evaluated with alerts recorded);
tests that only read it share one file: ``built_demo(folder)`` builds it, ``copy_to(path)`` gives a
test its own copy to change. LUP-01: preformed anti-A*03:01, rising; LUP-03: de novo A*24:02 at
M3; LUP-05: M6 class I run QC-failed; LUP-06: a third-party anti-B*08:01; LUP-08: M12 overdue.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.alerts import KINDS, subscribe
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.demo.seed import StoredTrial, store_trial
from dsa_monitor.demo.trial import Trial, demo_trial
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded

TODAY = dt.date(2026, 6, 1)
CLINICIAN = "clinician@example.org"


def built_demo(folder: Path) -> tuple[Path, Trial, StoredTrial]:
    """The demo database in ``folder`` (closed, so one file holds it all)."""
    path = folder / "demo.sqlite3"
    trial = demo_trial(TODAY)
    db = store.open_database(path)
    try:
        stored = store_trial(db, trial)
        subscribe(db, CLINICIAN, study=trial.study_code, kinds=KINDS, user="demo")
        evaluate_pending(db, reference=embedded(), as_of=trial.as_of, record=record_changes)
    finally:
        db.close()
    return path, trial, stored


def copy_to(built: Path, target: Path) -> Path:
    shutil.copyfile(built, target)
    return target


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``built_demo``'s (file, trial, stored ids), built once per test module that imports it."""
    return built_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_file(demo):
    return demo[0]


@pytest.fixture(name="app")
def demo_app(app, demo_file):
    """The test's app on its own copy of the demo database (import it as ``demo_app``)."""
    copy_to(demo_file, app.config["DATABASE"])
    return app
