import dataclasses
import logging
import subprocess
import sys
import textwrap
import time

import pytest

from dsa_monitor.alerts import EventFact, deliver_due, record_events
from dsa_monitor.alerts.mailer import DUPLICATE_HEADER
from dsa_monitor.store import outbox as stored_outbox


def de_novo(world, **changes):
    fact = EventFact(
        kind="de_novo",
        recipient_id=world.recipient["id"],
        donor_id=world.donor["id"],
        antigen="DR4",
        visit="M3",
        payload={
            "antigens": ["DR4"],
            "level": "antigen",
            "mfi": 5234.0,
            "strength": "moderate",
            "status": "de_novo",
            "rules_name": "default",
            "rules_version": "r1-abc",
            "draw_date": "2024-04-10",
            "lab_sample_id": "S24-003",
            "patient_name": "Jane Doe",
            "birth_date": "1970-01-01",
        },
    )
    return dataclasses.replace(fact, **changes)


def messages(world, **filters):
    return {m["to_address"]: m for m in stored_outbox.list_messages(world.db, **filters)}


def test_a_de_novo_dsa_reaches_each_subscriber_once_with_what_a_clinician_needs(world):
    record_events(world.db, [de_novo(world)], settings=world.mail)
    report = deliver_due(world.db, world.mail, "test")
    assert (len(report.sent), report.retry, report.dead) == (2, [], [])
    assert deliver_due(world.db, world.mail, "test").sent == []
    received = world.server.messages
    assert sorted(m["To"] for m in received) == [world.to.clinician, world.to.investigator]
    stored = messages(world)
    for email in received:
        assert email["Message-ID"] == stored[email["To"]]["message_id"]
        assert email["Message-ID"].endswith("@transplant.example>")
        assert email["From"] == "dsa-monitor@transplant.example"
        assert email["Subject"] == "[dsa-monitor] De novo DSA: CORD-01 R001, DR4 (M3)"
        assert email[DUPLICATE_HEADER] is None
        text = email.get_body(("plain",)).get_content()
        html = email.get_body(("html",)).get_content()
        for expected in (
            "Study:",
            "CORD-01",
            "Subject:",
            "R001",
            "Visit:",
            "M3",
            "Donor:",
            "CB-0042",
            "Antigen:",
            "DR4",
            "Level:",
            "antigen",
            "MFI:",
            "5,234",
            "Strength:",
            "moderate",
            "Status:",
            "de novo",
            "Rules:",
            "default r1-abc",
            "Sample:",
            "S24-003",
            f"https://dsa.example.org/recipients/{world.recipient['id']}",
        ):
            assert expected in text
        assert f'href="https://dsa.example.org/recipients/{world.recipient["id"]}"' in html
        assert "<th" in html and "5,234" in html
        for private in ("Jane Doe", "1970-01-01"):  # not configured: never sent
            assert private not in text and private not in html
    assert {m["state"] for m in stored.values()} == {"sent"}


def test_patient_names_are_sent_only_when_configured(world):
    settings = dataclasses.replace(world.mail, include_patient_names=True)
    record_events(world.db, [de_novo(world)], settings=settings)
    text = messages(world)[world.to.clinician]["body_text"]
    assert "Patient name: Jane Doe" in text and "Birth date:   1970-01-01" in text


def test_html_escapes_what_it_shows(world):
    record_events(world.db, [de_novo(world, antigen="<b>DR4</b>")], settings=world.mail)
    html = messages(world)[world.to.clinician]["body_html"]
    assert "&lt;b&gt;DR4&lt;/b&gt;" in html and "<b>DR4" not in html


def test_with_the_server_down_the_message_is_retried_and_arrives_when_it_is_back(world):
    world.server.stop()
    record_events(world.db, [de_novo(world)], settings=world.mail)
    report = deliver_due(world.db, world.mail, "test")
    assert sorted(report.retry) == sorted(m["id"] for m in messages(world).values())
    assert len(report.retry) == 2
    row = messages(world)[world.to.clinician]
    assert (row["state"], row["attempts"]) == ("retry", 1)
    assert "ConnectionRefusedError" in row["last_error"]
    assert deliver_due(world.db, world.mail, "test").sent == []  # not due yet (backoff 0.2 s)
    world.server.start()
    time.sleep(0.25)
    assert len(deliver_due(world.db, world.mail, "test").sent) == 2
    assert sorted(m["To"] for m in world.server.messages) == [world.to.clinician, world.to.investigator]
    row = messages(world)[world.to.clinician]
    assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 2, None)


def test_temporary_failures_back_off_and_end_dead_after_the_last_attempt(world):
    world.server.stop()
    settings = dataclasses.replace(world.mail, retry_seconds=0.05, max_attempts=3)
    record_events(world.db, [de_novo(world)], settings=settings)
    waits = []
    for _ in range(3):
        deliver_due(world.db, settings, "test")
        row = messages(world)[world.to.clinician]
        waits.append(row["state"])
        time.sleep(0.25)
    assert waits == ["retry", "retry", "dead"]
    assert "gave up after 3 attempts" in row["last_error"]


@pytest.mark.parametrize("attempts, expected", [(1, 0.2), (2, 0.4), (3, 0.8), (30, 3600)])
def test_the_backoff_doubles_up_to_its_cap(world, attempts, expected):
    from dsa_monitor.alerts.outbox import backoff_seconds

    assert backoff_seconds(attempts, world.mail) == pytest.approx(expected)


def test_a_550_answer_makes_the_message_dead_and_visible(world, cli, caplog):
    world.server.refuse[world.to.investigator] = "550 5.1.1 <investigator@hospital.example>: no such user"
    record_events(world.db, [de_novo(world)], settings=world.mail)
    with caplog.at_level(logging.ERROR, logger="dsa_monitor.alerts.outbox"):
        report = deliver_due(world.db, world.mail, "test")
    assert (len(report.sent), len(report.dead)) == (1, 1)
    dead = messages(world)[world.to.investigator]
    assert dead["state"] == "dead" and "550 5.1.1" in dead["last_error"]
    assert "is dead" in caplog.text and "550" in caplog.text
    assert [m["To"] for m in world.server.messages] == [world.to.clinician]
    assert deliver_due(world.db, world.mail, "test").dead == []  # dead stays dead
    listed = cli("alerts", "outbox", "--state", "dead")
    assert listed.returncode == 0, listed.stderr
    assert world.to.investigator in listed.stdout and "550 5.1.1" in listed.stdout
    # Once the address is fixed on the server, an operator sends it again.
    del world.server.refuse[world.to.investigator]
    assert cli("alerts", "requeue", str(dead["id"])).returncode == 0
    assert deliver_due(world.db, world.mail, "test").sent == [dead["id"]]


def test_a_crash_between_sending_and_marking_resends_marked_with_the_same_message_id(world):
    record_events(world.db, [de_novo(world)], settings=world.mail)
    # A real process claims the messages, hands them to the server, then dies before marking.
    crash = textwrap.dedent(f"""
        import os
        from dsa_monitor import store
        from dsa_monitor.alerts.mailer import MailSettings, SMTPTransport, build_email
        from dsa_monitor.store import outbox
        db = store.open_database({world.app.config["DATABASE"]!r})
        settings = MailSettings(smtp_host="127.0.0.1", smtp_port={world.server.port})
        transport = SMTPTransport(settings)
        for message in outbox.claim_due(db, "crashing-process"):
            transport.send(build_email(message, settings))
        os._exit(137)
    """)
    done = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, timeout=30)
    assert done.returncode == 137, done.stderr
    assert len(world.server.wait_for(2)) == 2
    assert {m["state"] for m in messages(world).values()} == {"sending"}
    report = deliver_due(world.db, world.mail, "next-process")
    assert len(report.recovered) == 2 and len(report.sent) == 2
    received = world.server.wait_for(4)
    assert len(received) == 4
    for address in (world.to.clinician, world.to.investigator):
        first, second = world.server.to(address)
        assert first["Message-ID"] == second["Message-ID"]  # receivers can drop the copy
        assert first[DUPLICATE_HEADER] is None
        assert second[DUPLICATE_HEADER] == "yes"
        assert second["Subject"] == "[possible duplicate] " + first["Subject"]
        row = messages(world)[address]
        assert (row["state"], row["possible_duplicate"], row["attempts"]) == ("sent", 1, 2)
    assert deliver_due(world.db, world.mail, "next-process").sent == []


def test_a_process_killed_mid_delivery_leaves_only_the_message_in_flight_in_doubt(world):
    record_events(world.db, [de_novo(world)], settings=world.mail)
    queued = {m["state"] for m in messages(world).values()}
    # deliver_due itself, in a process that dies while handing over its first message
    crash = textwrap.dedent(f"""
        import os
        from dsa_monitor import store
        from dsa_monitor.alerts import deliver_due
        from dsa_monitor.alerts.mailer import MailSettings, SMTPTransport
        SMTPTransport.send = lambda self, email: os._exit(137)
        db = store.open_database({world.app.config["DATABASE"]!r})
        deliver_due(db, MailSettings(smtp_host="127.0.0.1", smtp_port={world.server.port}), "p1")
    """)
    done = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, timeout=30)
    assert done.returncode == 137, done.stderr
    assert sorted(m["state"] for m in messages(world).values()) == sorted(["sending", *queued])
    report = deliver_due(world.db, world.mail, "next-process")
    assert (len(report.recovered), len(report.sent)) == (1, 2)
    marked = [m for m in world.server.wait_for(2) if m[DUPLICATE_HEADER] == "yes"]
    assert len(marked) == 1  # only the message in flight, never the one the server never saw


def test_without_a_mail_server_messages_become_eml_files_and_the_log_says_where(world, caplog):
    settings = dataclasses.replace(world.mail, smtp_host=None)
    record_events(world.db, [de_novo(world)], settings=settings)
    with caplog.at_level(logging.INFO, logger="dsa_monitor.alerts"):
        assert len(deliver_due(world.db, settings, "test").sent) == 2
    files = sorted((world.path / "eml").glob("*.eml"))
    assert len(files) == 2
    assert str(world.path / "eml") in caplog.text
    assert any("Subject: [dsa-monitor] De novo DSA" in f.read_text() for f in files)
    assert world.server.messages == []


@pytest.mark.parametrize(
    ("security", "error"),
    [
        ("starttls", "STARTTLS extension not supported by server"),
        ("ssl", "SSL"),
    ],
)
def test_a_server_without_the_configured_security_gets_nothing_in_clear_text(world, security, error):
    settings = dataclasses.replace(world.mail, security=security)
    record_events(world.db, [de_novo(world)], settings=settings)
    report = deliver_due(world.db, settings, "test")
    assert (report.sent, len(report.retry)) == ([], 2)  # temporary: the configuration may be fixed
    assert error in messages(world)[world.to.clinician]["last_error"]
    assert world.server.messages == []
