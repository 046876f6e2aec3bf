"""evaluate_pending hands its changes to the alerts in the evaluation's own transaction."""

from __future__ import annotations

import pytest

from dsa_monitor import config, store
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.alerts.mailer import MailSettings
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded


@pytest.fixture
def trial_db(tmp_path):
    db = store.open_database(tmp_path / "events.sqlite3")
    trial = build_trial()
    store_trial(db, trial)
    yield db, trial
    db.close()


def record(db, changes):
    return record_changes(db, changes, settings=MailSettings.from_config(config.DEFAULTS))


def count(db, table):
    return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_changes_become_events_once(trial_db):
    db, trial = trial_db
    run = evaluate_pending(db, reference=embedded(), as_of=trial.as_of, record=record)
    keys = sorted(row[0] for row in db.conn.execute("SELECT key FROM events"))
    assert len(run.changes) == 3 and len(keys) == 3
    assert keys[0].startswith("de_novo|r3|d3|A*24:02|M3")
    evaluate_pending(db, reference=embedded(), as_of=trial.as_of, record=record)
    assert count(db, "events") == 3


def test_a_failing_record_leaves_no_evaluation_behind(trial_db):
    db, trial = trial_db

    def broken(db, changes):
        raise RuntimeError("mail queue unavailable")

    with pytest.raises(RuntimeError, match="mail queue unavailable"):
        evaluate_pending(db, reference=embedded(), as_of=trial.as_of, record=broken)
    assert count(db, "evaluations") == 0 and count(db, "evaluation_watermark") == 0
    # the next run does the work again: nothing was skipped
    assert len(evaluate_pending(db, reference=embedded(), as_of=trial.as_of, record=record)) == 8
    assert count(db, "events") == 3
