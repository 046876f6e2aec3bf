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


def test_a_failing_record_leaves_no_evaluation_of_its_recipient_behind(trial_db):
    db, trial = trial_db

    def broken(db, changes):
        raise RuntimeError("mail queue unavailable")

    run = evaluate_pending(db, reference=embedded(), as_of=trial.as_of, record=broken)
    # only LUP-03 (recipient 3) has changes to record: it fails alone, the others are stored
    assert [(f.recipient_id, f.error) for f in run.failures] == [(3, "RuntimeError: mail queue unavailable")]
    assert sorted(run) == [1, 2, 4, 5, 6, 7, 8]
    assert count(db, "evaluations") == 7 and count(db, "events") == 0
    assert db.conn.execute("SELECT count(*) FROM evaluations WHERE recipient_id = 3").fetchone()[0] == 0
    # the watermark moved on, yet the next run retries recipient 3: nothing was skipped
    assert list(evaluate_pending(db, reference=embedded(), as_of=trial.as_of, record=record)) == [3]
    assert count(db, "events") == 3 and count(db, "evaluation_failures") == 0
    assert list(evaluate_pending(db, reference=embedded(), as_of=trial.as_of, record=record)) == []
