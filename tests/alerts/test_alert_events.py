import dataclasses
import sqlite3

import pytest

from dsa_monitor import store
from dsa_monitor.alerts import (
    InvalidEvent,
    InvalidSubscription,
    acknowledge,
    queue_reminders,
    record_events,
    subscribe,
)
from dsa_monitor.store import events as stored_events
from dsa_monitor.store import outbox as stored_outbox

from .test_alert_delivery import de_novo


def outbox(world, **filters):
    return sorted((m["to_address"], m["purpose"]) for m in stored_outbox.list_messages(world.db, **filters))


def test_a_de_novo_dsa_queues_one_message_per_subscriber_of_its_kind(world):
    [event_id] = record_events(world.db, [de_novo(world)], settings=world.mail)
    event = stored_events.get_event(world.db, event_id)
    assert (event["kind"], event["study_code"], event["subject_code"], event["donor_code"]) == (
        "de_novo",
        "CORD-01",
        "R001",
        "CB-0042",
    )
    assert event["key"] == f"de_novo|r{world.recipient['id']}|d{world.donor['id']}|DR4|M3"
    # The lab (qc_failure only) and the coordinator (overdue_visit only) are not told.
    assert outbox(world) == [(world.to.clinician, "alert"), (world.to.investigator, "alert")]
    assert {m["state"] for m in stored_outbox.list_messages(world.db)} == {"pending"}


@pytest.mark.parametrize(
    "again",
    [
        "same fact",
        "same fact, other payload",
        "same fact, other sample",
    ],
)
def test_the_same_fact_twice_is_one_event_and_one_message_each(world, again):
    first = de_novo(world)
    second = {
        "same fact": first,
        "same fact, other payload": dataclasses.replace(first, payload={"mfi": 9000.0}),
        "same fact, other sample": dataclasses.replace(first, sample_id=None),
    }[again]
    assert len(record_events(world.db, [first], settings=world.mail)) == 1
    assert record_events(world.db, [second, first], settings=world.mail) == []
    assert len(stored_events.list_events(world.db)) == 1
    assert len(stored_outbox.list_messages(world.db)) == 2


def test_the_key_is_unique_in_the_database_itself(world):
    record_events(world.db, [de_novo(world)], settings=world.mail)
    with pytest.raises(sqlite3.IntegrityError):
        world.db.conn.execute(
            "INSERT INTO events (key, kind, recipient_id, created_at, created_by)"
            " SELECT key, kind, recipient_id, created_at, 'x' FROM events"
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("antigen", "DR53"),
        ("visit", "M6"),
        ("kind", "rising"),
        ("donor_id", None),
    ],
)
def test_another_antigen_visit_kind_or_donor_is_another_fact(world, field, value):
    record_events(world.db, [de_novo(world)], settings=world.mail)
    assert len(record_events(world.db, [de_novo(world, **{field: value})], settings=world.mail)) == 1


def test_an_address_subscribed_twice_gets_one_message(world):
    subscribe(world.db, world.to.investigator.upper(), study="CORD-01", user="admin")
    record_events(world.db, [de_novo(world)], settings=world.mail)
    assert outbox(world) == [(world.to.clinician, "alert"), (world.to.investigator, "alert")]


def test_a_correction_goes_to_those_told_and_withdraws_the_event(world):
    [original] = record_events(world.db, [de_novo(world)], settings=world.mail)
    subscribe(world.db, "late@hospital.example", study="CORD-01", user="admin")
    correction = de_novo(
        world,
        kind="correction",
        withdraws="de_novo",
        payload={"reason": "corrected upload 7 replaces sample S24-003"},
    )
    [event_id] = record_events(world.db, [correction], settings=world.mail)
    assert record_events(world.db, [correction], settings=world.mail) == []
    assert stored_events.get_event(world.db, original)["withdrawn_by"] == event_id
    assert stored_events.get_event(world.db, event_id)["corrects"] == original
    assert outbox(world, event_id=event_id) == [
        (world.to.clinician, "alert"),
        (world.to.investigator, "alert"),
    ]
    [message] = stored_outbox.list_messages(world.db, event_id=event_id, limit=1)
    assert message["subject"] == "[dsa-monitor] Correction: CORD-01 R001, DR4 (M3)"
    assert "withdraws the De novo DSA alert of" in message["body_text"]
    assert f"(event {original})" in message["body_text"]


def test_a_correction_of_nothing_sent_is_not_recorded(world):
    correction = de_novo(world, kind="correction", withdraws="de_novo")
    assert record_events(world.db, [correction], settings=world.mail) == []
    assert stored_events.list_events(world.db) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "dsa"}, "event kind 'dsa' is not one of"),
        ({"kind": "correction"}, "a correction, and only a correction"),
        ({"withdraws": "de_novo"}, "a correction, and only a correction"),
        ({"kind": "correction", "withdraws": "correction"}, "cannot withdraw a 'correction'"),
    ],
)
def test_facts_that_cannot_be_recorded_say_why(world, changes, message):
    with pytest.raises(InvalidEvent, match=message):
        de_novo(world, **changes)


def test_an_unacknowledged_de_novo_alert_is_reminded_once(world):
    [event_id] = record_events(world.db, [de_novo(world)], settings=world.mail)
    assert queue_reminders(world.db, delay_hours=1, settings=world.mail) == []  # too early
    assert queue_reminders(world.db, delay_hours=0, settings=world.mail) == [event_id]
    assert queue_reminders(world.db, delay_hours=0, settings=world.mail) == []
    assert outbox(world, event_id=event_id) == [
        (world.to.clinician, "alert"),
        (world.to.clinician, "reminder"),
        (world.to.investigator, "alert"),
        (world.to.investigator, "reminder"),
    ]
    reminder = stored_outbox.list_messages(world.db, event_id=event_id, limit=1)[0]
    assert reminder["subject"].startswith("Reminder: [dsa-monitor] De novo DSA")
    assert "has not been acknowledged yet" in reminder["body_text"]


@pytest.mark.parametrize("kind", ["rising", "persistent"])
def test_only_de_novo_alerts_are_reminded(world, kind):
    record_events(world.db, [de_novo(world, kind=kind)], settings=world.mail)
    assert queue_reminders(world.db, delay_hours=0, settings=world.mail) == []


def test_an_acknowledged_alert_is_not_reminded_and_keeps_its_first_acknowledgement(world):
    [event_id] = record_events(world.db, [de_novo(world)], settings=world.mail)
    first = acknowledge(world.db, event_id, user="dr.house")
    again = acknowledge(world.db, event_id, user="someone-else")
    assert (again["acknowledged_by"], again["acknowledged_at"]) == ("dr.house", first["acknowledged_at"])
    assert queue_reminders(world.db, delay_hours=0, settings=world.mail) == []
    assert [a["action"] for a in store.list_audit(world.db, entity="event")] == ["acknowledge", "create"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"email": "not-an-address", "study": "CORD-01"}, "is not an e-mail address"),
        ({"email": "a@b.example"}, "one of them"),
        ({"email": "a@b.example", "study": "CORD-01", "recipient_id": 1}, "one of them"),
        ({"email": "a@b.example", "study": "CORD-01", "kinds": ["dsa"]}, "unknown event kind"),
    ],
)
def test_subscriptions_that_cannot_be_kept_say_why(world, arguments, message):
    with pytest.raises(InvalidSubscription, match=message):
        subscribe(world.db, user="admin", **arguments)


def test_subscribing_again_replaces_the_kinds(world):
    row = subscribe(
        world.db, world.to.lab, study="CORD-01", kinds=["qc_failure", "overdue_visit"], user="admin"
    )
    assert row["kinds"] == ["overdue_visit", "qc_failure"]
    assert [s["kinds"] for s in stored_events.list_subscriptions(world.db, email=world.to.lab)] == [
        ["overdue_visit", "qc_failure"]
    ]
    assert world.to.coordinator in {s["email"] for s in stored_events.list_subscriptions(world.db)}


def test_a_withdrawn_fact_found_again_is_told_again_once(world):
    fact = de_novo(world)
    correction = de_novo(world, kind="correction", withdraws="de_novo")
    first = record_events(world.db, [fact], settings=world.mail)
    withdrawal = record_events(world.db, [correction], settings=world.mail)
    assert record_events(world.db, [correction], settings=world.mail) == []
    again = record_events(world.db, [fact], settings=world.mail)  # a second correction restores it
    assert len(again) == 1 and record_events(world.db, [fact], settings=world.mail) == []
    second_withdrawal = record_events(world.db, [correction], settings=world.mail)
    tail = f"|r{world.recipient['id']}|d{world.donor['id']}|DR4|M3"
    assert [e["key"] for e in reversed(stored_events.list_events(world.db))] == [
        "de_novo" + tail,
        "correction/de_novo" + tail,
        "de_novo" + tail + "#2",
        "correction/de_novo" + tail + "#2",
    ]
    assert [len(x) for x in (first, withdrawal, again, second_withdrawal)] == [1, 1, 1, 1]
    assert stored_events.get_event(world.db, second_withdrawal[0])["corrects"] == again[0]
    assert len(stored_outbox.list_messages(world.db)) == 8  # 4 events × 2 subscribers
