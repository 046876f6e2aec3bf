"""A batch of facts (an evaluation run's, several evaluations in order) is recorded as its facts
recorded one at a time would be: same events and keys (``#2`` generations, corrections), same
messages to the same addresses, same audit rows, in the same order."""

from __future__ import annotations

import itertools
import re
import sqlite3

import pytest

from dsa_monitor import store
from dsa_monitor.alerts import record_events
from dsa_monitor.alerts.evaluation import event_facts
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.errors import NotFound
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded

from .test_alert_delivery import de_novo
from .test_alert_evaluation import change

TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC")


def stored_rows(db, audit_after: int) -> dict[str, list[dict]]:
    """Events, outbox and audit rows without what differs between two runs (times, Message-IDs)."""

    def rows(sql: str, *unlike: str) -> list[dict]:
        cursor = db.conn.execute(sql)
        names = [d[0] for d in cursor.description]
        found = [{k: v for k, v in zip(names, row, strict=True) if k not in unlike} for row in cursor]
        for row in found:
            for key in ("body_text", "body_html"):
                if key in row:
                    row[key] = TIME.sub("<time>", row[key])
        return found

    return {
        "events": rows("SELECT * FROM events ORDER BY id", "created_at"),
        "outbox": rows("SELECT * FROM outbox ORDER BY id", "message_id", "created_at", "next_attempt_at"),
        "audit": rows(f"SELECT * FROM audit_log WHERE id > {audit_after} ORDER BY id", "at"),
    }


def test_a_batch_records_what_its_facts_recorded_one_at_a_time_record(world, tmp_path):
    fact = de_novo(world)  # DR4 at M3
    at_m6 = de_novo(world, visit="M6")
    rising = de_novo(world, kind="rising", visit="M6")
    dq7 = de_novo(world, antigen="DQ7")

    def withdrawal(of):
        return de_novo(world, kind="correction", withdraws=of.kind, antigen=of.antigen, visit=of.visit)

    record_events(world.db, [fact, dq7], settings=world.mail)  # before the batch
    batch = [
        withdrawal(fact),  # withdraws an event stored before the batch
        fact,  # found again: key#2
        at_m6,
        withdrawal(at_m6),  # withdraws one stored earlier in the batch: to the same addresses
        dq7,  # known: nothing
        withdrawal(de_novo(world, antigen="DR1")),  # never recorded: nothing
        withdrawal(fact),  # withdraws key#2
        withdrawal(fact),  # already withdrawn: nothing
        rising,
    ]
    (audit_after,) = world.db.conn.execute("SELECT max(id) FROM audit_log").fetchone()
    alone_path = tmp_path / "alone.sqlite3"
    target = sqlite3.connect(alone_path)
    world.db.conn.backup(target)
    target.close()
    alone = store.open_database(str(alone_path))

    together = record_events(world.db, batch, settings=world.mail)
    one_by_one = [i for f in batch for i in record_events(alone, [f], settings=world.mail)]

    assert together == one_by_one
    batched, single = stored_rows(world.db, audit_after), stored_rows(alone, audit_after)
    alone.close()
    for table in ("events", "outbox", "audit"):
        assert batched[table] == single[table], table
    tail = f"|r{world.recipient['id']}|d{world.donor['id']}"
    assert [e["key"] for e in batched["events"]] == [
        f"de_novo{tail}|DR4|M3",
        f"de_novo{tail}|DQ7|M3",
        f"correction/de_novo{tail}|DR4|M3",
        f"de_novo{tail}|DR4|M3#2",
        f"de_novo{tail}|DR4|M6",
        f"correction/de_novo{tail}|DR4|M6",
        f"correction/de_novo{tail}|DR4|M3#2",
        f"rising{tail}|DR4|M6",
    ]
    # 8 events, each told to the clinician and the investigator (the corrections where their
    # withdrawn alert went)
    assert len(batched["outbox"]) == 16
    assert [r["action"] for r in batched["audit"]] == ["create"] * 6


def test_a_runs_facts_are_told_together_as_each_alone(world):
    store_trial(world.db, trial := build_trial())
    batches: list[list] = []
    evaluate_pending(
        world.db, reference=embedded(), as_of=trial.as_of, record=lambda db, facts: batches.append(facts)
    )
    # the run's facts (one DSA told at M3 and at M6) and one naming no evaluation
    changes = [c for facts in batches for c in facts] + [change(recipient_id=world.recipient["id"])]
    by_evaluation = [list(group) for _, group in itertools.groupby(changes, lambda c: c.evaluation_id)]
    assert len(by_evaluation) == 2

    together = event_facts(world.db, changes)

    assert together == [f for group in by_evaluation for f in event_facts(world.db, group)]
    assert together == [event_facts(world.db, [c])[0] for c in changes]
    told = {(f.kind, f.antigen, f.visit): f.payload for f in together if f.antigen == "A*24:02"}
    assert set(told) == {
        ("de_novo", "A*24:02", "M3"),
        ("persistent", "A*24:02", "M6"),
        ("rising", "A*24:02", "M6"),
    }
    first = told["de_novo", "A*24:02", "M3"]
    assert (first["lab_sample_id"], first["level"], first["origin"]) == (
        "LUP-03-M3",
        "allele",
        "de novo at M3",
    )
    assert first["beads"].startswith("A*24:02 (bead")
    assert first["rules_name"] == "default"
    assert told["persistent", "A*24:02", "M6"]["origin"] == "de novo at M3"  # M6 read up to M6
    assert told["persistent", "A*24:02", "M6"]["lab_sample_id"] == "LUP-03-M6"


def test_a_change_naming_an_evaluation_not_stored_is_refused(world):
    with pytest.raises(NotFound, match="no evaluation 999999"):
        event_facts(world.db, [change(evaluation_id=999999)])
