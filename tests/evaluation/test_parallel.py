"""A long evaluation run computes some batches in a helper process and stores exactly what one
process alone would: the same rows, facts and events, the same failures reported and kept."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import operator
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import dsa_monitor.alerts  # noqa: F401  (the recorder of change facts)
from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.evaluation import evaluate_pending, evaluate_recipients, parallel, service
from dsa_monitor.reference.service import embedded

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_evaluate import populate  # noqa: E402
from evaluation.stored_rows import stored_rows, without_ids  # noqa: E402

REFERENCE = embedded()
AS_OF = dt.date(2026, 1, 1)


@pytest.fixture
def helper():
    found = parallel.Helper(int, ())  # a helper process with nothing to set up
    yield found
    found.close()


@pytest.fixture
def handed(monkeypatch) -> list:
    """The batches every helper accepted, as they are handed to it."""
    found: list = []
    submit = parallel.Helper.submit

    def counting(self, work, *args):
        future = submit(self, work, *args)
        if future is not None:
            found.append(args[0])
        return future

    monkeypatch.setattr(parallel.Helper, "submit", counting)
    return found


def test_every_batch_comes_back_in_order_whoever_computed_it(helper, handed):
    here: list[int] = []

    def negate_here(batch: int) -> int:
        here.append(batch)
        return -batch

    found = list(parallel.in_order(range(12), negate_here, helper, operator.neg, lambda given, _: given))
    assert found == [-b for b in range(12)]
    assert handed, "the helper computed no batch"
    assert sorted(here + handed) == list(range(12))  # each batch computed once, here or there


def test_a_batch_the_helper_fails_is_computed_here(helper, caplog):
    # math.sqrt raises for a negative batch in the helper; here every batch works
    with caplog.at_level(logging.WARNING):
        found = list(parallel.in_order([4, -1, 9, -4], abs, helper, math.sqrt, lambda given, _: given))
    assert found[0] in (2.0, 4) and found[1] == 1 and found[3] == 4
    assert "computed here" in caplog.text


def test_a_helper_that_dies_leaves_every_batch_to_this_process(helper, caplog):
    # os._exit kills the helper process at its first batch
    with caplog.at_level(logging.WARNING):
        found = list(parallel.in_order([1] * 6, lambda b: b * 10, helper, os._exit, lambda given, _: given))
    assert found == [10] * 6
    assert helper.broken
    assert helper.submit(operator.neg, 1) is None


def test_handing_out_work_never_waits_for_the_helper_to_read_it():
    # the helper is busy starting (it sleeps 1.5 s); a message larger than a pipe holds
    helper = parallel.Helper(time.sleep, (1.5,))
    try:
        started = time.monotonic()
        future = helper.submit(len, b"x" * 4_000_000)
        assert future is not None and time.monotonic() - started < 0.5
        assert future.result(timeout=60) == 4_000_000
    finally:
        helper.close()


def test_this_process_keeps_no_more_than_a_few_batches_ahead_of_a_slow_helper(helper):
    here: list[float] = []
    batches = [0.2] * 30  # the helper sleeps that long on each; here they take no time
    found = parallel.in_order(batches, lambda b: here.append(b) or b, helper, time.sleep, lambda _, b: b)
    assert next(found) == 0.2  # the helper's first batch
    assert len(here) <= parallel.AHEAD  # not every batch computed and held meanwhile
    assert [next(found) for _ in range(29)] == [0.2] * 29


def test_ctrl_c_is_left_to_the_run_the_helper_serves(helper):
    first = helper.submit(operator.neg, 1)
    assert first is not None and first.result(timeout=60) == -1  # the helper is serving
    os.kill(helper._process.pid, signal.SIGINT)  # as a terminal sends it to the whole group
    second = helper.submit(operator.neg, 2)
    assert second is not None and second.result(timeout=60) == -2


def test_without_a_helper_every_batch_is_computed_here():
    assert list(parallel.in_order([1, 2, 3], operator.neg, None, operator.neg, None)) == [-1, -2, -3]


def _cohort(tmp_path, recipients: int, seed: int):
    db = store.open_database(tmp_path / "a.sqlite3")
    populate(db, recipients, seed=seed)
    return db


def _copies(tmp_path, recipients: int, seed: int) -> tuple:
    first = _cohort(tmp_path, recipients, seed)
    first.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    first.close()
    shutil.copy(tmp_path / "a.sqlite3", tmp_path / "b.sqlite3")
    return tuple(store.open_database(tmp_path / name) for name in ("a.sqlite3", "b.sqlite3"))


def _events(db) -> list:
    return db.conn.execute(
        "SELECT kind, key, recipient_id, donor_id, antigen, visit, sample_id, payload FROM events ORDER BY id"
    ).fetchall()


@pytest.fixture
def small_batches(monkeypatch, handed):
    """Batches of 10 recipients and a helper from two batches on, with what it was handed."""
    monkeypatch.setattr(service, "BATCH", 10)
    monkeypatch.setattr(service, "HELPED_FROM", 2)
    return handed


def test_a_helped_run_stores_what_one_process_stores(tmp_path, small_batches, monkeypatch):
    alone, helped = _copies(tmp_path, 120, seed=5)
    with monkeypatch.context() as one_process:
        one_process.setattr(service, "HELPED_FROM", 10**9)
        by_one = evaluate_pending(alone, reference=REFERENCE, as_of=AS_OF)
    assert small_batches == []
    by_two = evaluate_pending(helped, reference=REFERENCE, as_of=AS_OF)
    assert small_batches and all(len(batch) == 10 for batch in small_batches), "the helper computed no batch"
    assert list(by_two) == list(by_one)
    assert without_ids(by_two.evaluations) == without_ids(by_one.evaluations)
    assert stored_rows(helped) == stored_rows(alone)
    assert _events(helped) == _events(alone) != []
    assert evaluate_pending(helped, reference=REFERENCE, as_of=AS_OF) == []  # nothing new


def test_a_recipient_the_helper_fails_is_reported_here_and_retried(tmp_path, small_batches):
    db = _cohort(tmp_path, 60, seed=7)
    recipients = [r for (r,) in db.conn.execute("SELECT id FROM recipients ORDER BY id")]
    bad = recipients[-5]  # in a late batch: the helper's, or this process's while it waits
    with store.write_transaction(db):  # a stored row the evaluation cannot read
        db.conn.execute("UPDATE samples SET draw_date = '2026-02-31' WHERE recipient_id = ?", (bad,))
    run = evaluate_pending(db, reference=REFERENCE, as_of=AS_OF)
    assert list(run) == [r for r in recipients if r != bad]
    [failure] = run.failures
    assert failure.recipient_id == bad and failure.error.startswith("ValueError")
    assert db.conn.execute("SELECT recipient_id FROM evaluation_failures").fetchall() == [(bad,)]


def test_a_run_inside_the_callers_transaction_is_not_helped(tmp_path, small_batches):
    db = _cohort(tmp_path, 40, seed=9)
    with store.write_transaction(db):  # the caller's writes are not committed: no other reader
        run = evaluate_pending(db, reference=REFERENCE, as_of=AS_OF)
    assert len(run) == 40 and small_batches == []


def test_a_run_asked_for_no_helper_computes_every_batch_here(tmp_path, small_batches):
    db = _cohort(tmp_path, 40, seed=9)
    run = evaluate_pending(db, reference=REFERENCE, as_of=AS_OF, helper=False)
    assert len(run) == 40 and small_batches == []


def test_an_explicit_run_of_many_recipients_may_be_helped(tmp_path, small_batches):
    db = _cohort(tmp_path, 40, seed=9)
    ids = [r for (r,) in db.conn.execute("SELECT id FROM recipients ORDER BY id")]
    assert len(evaluate_recipients(db, ids, reference=REFERENCE, as_of=AS_OF)) == 40
    assert small_batches == []  # a door evaluating a few recipients: never
    again = evaluate_recipients(db, ids, reference=REFERENCE, as_of=AS_OF, helper=True)
    assert len(again) == 40 and small_batches  # the same evaluations, found stored already


@pytest.mark.parametrize("setting, helped", [("false", False), ("true", True)])
def test_evaluate_follows_the_helper_setting(tmp_path, small_batches, monkeypatch, setting, helped):
    for key in list(os.environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    _cohort(tmp_path, 40, seed=9).close()
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(tmp_path / "a.sqlite3"))
    monkeypatch.setenv("DSA_MONITOR_REFERENCE_DIR", str(tmp_path / "reference"))
    monkeypatch.setenv("DSA_MONITOR_EVALUATION_HELPER", setting)
    result = CliRunner().invoke(main, ["evaluate", "--pending", "--as-of", "2026-01-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["recipients"]) == 40
    assert bool(small_batches) is helped
