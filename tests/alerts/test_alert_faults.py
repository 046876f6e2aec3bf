"""Faults of the mail server and of one message: no silent duplicate, no stuck message (issue 16)."""

import dataclasses
import time

import pytest

from dsa_monitor.alerts import EventFact, deliver_due, record_events
from dsa_monitor.alerts.mailer import DUPLICATE_HEADER, HEADER_MAX_CHARACTERS, header_text
from dsa_monitor.store import outbox as stored_outbox
from dsa_monitor.store.connection import write_transaction

from .test_alert_delivery import de_novo, messages


def settle(world, settings, runs: int = 12):
    """Deliver until nothing is due or waiting (backoffs of a fraction of a second)."""
    for _ in range(runs):
        deliver_due(world.db, settings, "test")
        if not stored_outbox.count_messages(world.db, state="retry"):
            return
        time.sleep(settings.retry_seconds * 2)


@pytest.mark.parametrize("fault", ["drop", "late"])
def test_a_reply_lost_after_data_resends_marked_with_the_same_message_id(world, fault):
    """The server kept the message but the client never heard so (RFC 1047): the copy it gets
    again must say it may be a duplicate, exactly as after a crash mid-send."""
    world.server.faults = [fault]
    world.server.late_seconds = 1.0
    settings = dataclasses.replace(world.mail, timeout=0.5, retry_seconds=0.05)
    record_events(world.db, [de_novo(world)], settings=settings)
    first = deliver_due(world.db, settings, "test")
    assert (len(first.sent), len(first.retry)) == (1, 1)
    doubtful = stored_outbox.get_message(world.db, first.retry[0])
    assert doubtful["possible_duplicate"] == 1 and "may have kept it" in doubtful["last_error"]
    settle(world, settings)
    copies = world.server.to(doubtful["to_address"])
    assert len(copies) == 2
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]
    assert (copies[0][DUPLICATE_HEADER], copies[1][DUPLICATE_HEADER]) == (None, "yes")
    assert copies[1]["Subject"].startswith("[possible duplicate] ")


@pytest.mark.parametrize("answer", ["451 4.3.0 try later", "554 5.6.0 rejected"])
def test_an_answer_to_data_is_no_doubt(world, answer):
    """A 4xx or 5xx after DATA says the server did not take it: the next copy is not marked."""
    world.server.faults = [answer]
    settings = dataclasses.replace(world.mail, retry_seconds=0.05)
    record_events(world.db, [de_novo(world)], settings=settings)
    settle(world, settings)
    rows = list(messages(world).values())
    assert {row["possible_duplicate"] for row in rows} == {0}
    assert sorted(row["state"] for row in rows) == (
        ["dead", "sent"] if answer[0] == "5" else ["sent", "sent"]
    )


def poison(world, address="lab@hospital.example\nBcc: everyone@example.org") -> int:
    """A queued message that cannot be made into an e-mail (a line break in its address)."""
    [event_id] = record_events(world.db, [de_novo(world, antigen="DR53")], settings=world.mail)
    with write_transaction(world.db):
        return stored_outbox.insert_message(
            world.db,
            event_id=event_id,
            purpose="alert",
            to_address=address,
            subject="s",
            body_text="t",
            body_html="<p>t</p>",
            message_id="<poison@transplant.example>",
        )


def test_a_message_that_cannot_be_built_fails_alone_and_ends_dead(world):
    """Issue 16: one message raising outside the delivery failures stopped every later one."""
    bad = poison(world)
    record_events(world.db, [de_novo(world)], settings=world.mail)
    settings = dataclasses.replace(world.mail, retry_seconds=0.01, max_attempts=3)
    states = []
    for _ in range(6):
        deliver_due(world.db, settings, "test")
        row = stored_outbox.get_message(world.db, bad)
        states.append((row["state"], row["attempts"]))
        time.sleep(0.05)
    assert states[0][0] == "retry" and states[-2:] == [("dead", 3), ("dead", 3)]
    assert all(attempts <= 3 for _, attempts in states)  # never beyond MAIL_MAX_ATTEMPTS
    assert "cannot build or send the message: ValueError" in row["last_error"]
    others = [m for m in stored_outbox.list_messages(world.db) if m["id"] != bad]
    assert {m["state"] for m in others} == {"sent"}
    assert len(world.server.messages) == len(others) == 4


def test_a_message_whose_every_attempt_was_interrupted_ends_dead(world):
    """A message that kills its sender each time is recovered each time: attempts are bounded."""
    record_events(world.db, [de_novo(world)], settings=world.mail)
    settings = dataclasses.replace(world.mail, max_attempts=3)
    with write_transaction(world.db):
        world.db.conn.execute("UPDATE outbox SET state = 'sending', attempts = 3, claimed_by = 'killed'")
    report = deliver_due(world.db, settings, "next")
    assert (len(report.recovered), len(report.dead), report.sent) == (2, 2, [])
    for row in messages(world).values():
        assert (row["state"], row["attempts"]) == ("dead", 4)
        assert "interrupted on every attempt" in row["last_error"]
    assert world.server.messages == []


def test_a_sample_id_with_a_line_break_makes_a_one_line_subject(world):
    """A QC failure names the sample in its subject; a quoted Fusion field may hold a newline."""
    fact = EventFact(
        kind="qc_failure",
        recipient_id=world.recipient["id"],
        visit="sample S24\r\n-003 (class II)",
        payload={
            "lab_sample_id": "S24\r\nBcc: x@example.org",
            "visit_name": "sample S24\r\nBcc: x@example.org",
        },
    )
    record_events(world.db, [fact], settings=world.mail)
    report = deliver_due(world.db, world.mail, "test")
    assert len(report.sent) == 1 and report.retry == report.dead == []
    [email] = world.server.messages
    assert email["Bcc"] is None
    assert "\n" not in email["Subject"] and "S24 Bcc: x@example.org" in email["Subject"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ("two\r\nlines", "two lines"),
        ("tab\tand\x00nul\x85next\u2028line", "tab and nul next line"),
        ("x" * 300, "x" * (HEADER_MAX_CHARACTERS - 1) + "…"),
    ],
)
def test_header_values_are_one_bounded_line(value, expected):
    assert header_text(value) == expected


def test_the_outbox_command_shows_every_message_and_says_how_many(world, cli):
    """Issue 16: 100 of 135 dead messages were printed with no notice."""
    [event_id] = record_events(world.db, [de_novo(world)], settings=world.mail)
    with write_transaction(world.db):
        for n in range(133):
            stored_outbox.insert_message(
                world.db,
                event_id=event_id,
                purpose="alert",
                to_address=f"r{n}@example.org",
                subject="s",
                body_text="t",
                body_html="t",
                message_id=f"<{n}@example.org>",
            )
        world.db.conn.execute("UPDATE outbox SET state = 'dead'")
    listed = cli("alerts", "outbox", "--state", "dead")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 1 + 135  # the header row, then every message
    assert "135 message(s) in state dead, all shown" in listed.stderr
    page = cli("alerts", "outbox", "--limit", "100", "--offset", "100")
    assert len(page.stdout.splitlines()) == 1 + 35
    assert "135 message(s), shown 101 to 135" in page.stderr
    first = cli("alerts", "outbox", "--limit", "100")
    assert "shown 1 to 100; next page: --offset 100" in first.stderr
