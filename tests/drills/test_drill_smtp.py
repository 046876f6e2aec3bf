"""Drill: a real SMTP server (aiosmtpd, 127.0.0.1) that drops after DATA, answers late, answers
4xx and 5xx, with a poison message queued first: nothing lost, no silent duplicate, the others
delivered (issue 16, short form)."""

import dataclasses
import time

from alerts.conftest import (
    mail_server,  # noqa: F401
    world,  # noqa: F401 - the alerts' world: a study, subscribers
)
from alerts.test_alert_delivery import de_novo
from alerts.test_alert_faults import poison

from dsa_monitor.alerts import deliver_due, record_events
from dsa_monitor.alerts.mailer import DUPLICATE_HEADER
from dsa_monitor.store import outbox as stored_outbox

FAULTS = ["drop", "late", "451 4.3.2 busy", "ok", "554 5.7.1 refused", "ok", "421 4.4.2 bye"]


def test_drill_smtp_faults_lose_nothing_and_duplicate_nothing_silently(world, capsys):  # noqa: F811
    events = [de_novo(world, antigen=f"DR{n}", visit=f"M{n}") for n in range(1, 13)]
    poisoned = poison(world)
    record_events(world.db, events, settings=world.mail)
    world.server.faults = FAULTS * 4
    world.server.late_seconds = 0.6
    settings = dataclasses.replace(
        world.mail, timeout=0.3, retry_seconds=0.02, retry_max_seconds=0.1, max_attempts=5
    )
    for _ in range(40):
        deliver_due(world.db, settings, "drill")
        if not stored_outbox.count_messages(world.db, state="retry"):
            break
        time.sleep(0.05)
    rows = [m for m in stored_outbox.list_messages(world.db) if m["id"] != poisoned]
    received: dict[str, list] = {}
    for email in world.server.messages:
        received.setdefault(email["Message-ID"], []).append(email)
    dead = [m for m in rows if m["state"] == "dead"]
    lost = sum(1 for m in rows if m["message_id"] not in received and m["state"] != "dead")
    silent = sum(1 for copies in received.values() for copy in copies[1:] if copy[DUPLICATE_HEADER] != "yes")
    marked = sum(len(copies) - 1 for copies in received.values())
    poison_row = stored_outbox.get_message(world.db, poisoned)
    with capsys.disabled():
        print(
            f"\ndrill SMTP faults: {len(rows)} messages, {len(received)} delivered,"
            f" {len(dead)} dead (5xx), {marked} marked duplicate(s), lost = {lost},"
            f" silent duplicates = {silent}; poison message {poison_row['state']} after"
            f" {poison_row['attempts']} attempts"
        )
    assert lost == 0 and silent == 0
    assert all("554" in m["last_error"] for m in dead)
    assert marked >= 2  # the drop and the late reply were each sent again, marked
    assert poison_row["state"] == "dead" and poison_row["attempts"] == settings.max_attempts
    assert {m["state"] for m in rows} <= {"sent", "dead"}
