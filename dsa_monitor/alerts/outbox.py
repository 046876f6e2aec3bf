"""Queueing rendered alerts and delivering them: at least once, never a silent duplicate.

Each message is claimed ('sending', committed) before it is handed to the server and marked 'sent'
after. A process that dies in between leaves the row in 'sending'; the next lease holder finds it
and sends it again with the same Message-ID and a "possible duplicate" mark (README: "How e-mail
delivery survives a crash"). A reply lost after the whole message was sent is the same doubt.
Whatever goes wrong with one message (it cannot be built, the transport raises) is that message's
failure, counted against MAIL_MAX_ATTEMPTS: it never stops the messages queued after it.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..store import outbox as stored
from .mailer import DeliveryFailure, MailSettings, build_email, transport_for
from .render import render_event

log = logging.getLogger(__name__)


def queue_messages(
    db: Database,
    event: Mapping[str, Any],
    addresses: Sequence[str],
    purpose: str,
    settings: MailSettings,
    *,
    original: Mapping[str, Any] | None = None,
) -> list[int | None]:
    """Render an event once and queue it for each address, in order (in the caller's
    transaction): the words do not depend on the address, only the Message-ID does."""
    if not addresses:
        return []
    if event["kind"] == "correction" and original is None and event.get("corrects"):
        from ..store.events import get_event

        original = get_event(db, event["corrects"])
    message = render_event(event, settings, purpose=purpose, original=original)
    return [
        stored.insert_message(
            db,
            event_id=event["id"],
            purpose=purpose,
            to_address=address,
            subject=message.subject,
            body_text=message.text,
            body_html=message.html,
            message_id=f"<{uuid.uuid4().hex}.event{event['id']}.{purpose}@{settings.domain}>",
        )
        for address in addresses
    ]


@dataclass
class DeliveryReport:
    """What one delivery run did, by outbox row id."""

    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.retry)} to retry, {len(self.dead)} dead,"
            f" {len(self.recovered)} interrupted send(s) recovered"
        )


def backoff_seconds(attempts: int, settings: MailSettings) -> float:
    """Wait before the next attempt: doubling from MAIL_RETRY_SECONDS, capped."""
    return min(settings.retry_seconds * 2 ** max(attempts - 1, 0), settings.retry_max_seconds)


def deliver_due(
    db: Database,
    settings: MailSettings,
    holder: str,
    *,
    still_holding: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send every due message; ``still_holding`` is asked before each send (the lease).

    Each message is claimed (marked ``sending``) only just before it is handed to the server:
    a process killed mid-delivery leaves at most that one message in doubt, so only it is sent
    again marked as a possible duplicate, never the rest of a batch the server never saw."""
    report = DeliveryReport(recovered=stored.recover_interrupted(db, holder))
    for message_id in report.recovered:
        log.warning(
            "outbox message %s was left in 'sending' by a stopped process: it is sent"
            " again with the same Message-ID, marked as a possible duplicate",
            message_id,
        )
    transport = transport_for(settings)
    try:
        while True:
            if still_holding is not None and not still_holding():
                log.warning("lease lost: delivery stops, due messages left queued")
                return report
            claimed = stored.claim_due(db, holder, limit=1)
            if not claimed:
                break
            _deliver_one(db, transport, claimed[0], settings, report)
    finally:
        transport.close()
    if report.sent or report.retry or report.dead or report.recovered:
        log.info("outbox via %s: %s", transport.describe(), report)
    return report


def _deliver_one(db, transport, message: dict, settings: MailSettings, report) -> None:
    if message["attempts"] > settings.max_attempts:  # earlier attempts ended by crashes
        _failed(
            db,
            message,
            DeliveryFailure("delivery interrupted on every attempt", permanent=False),
            settings,
            report,
        )
        return
    try:
        transport.send(build_email(message, settings))
    except DeliveryFailure as failure:
        _failed(db, message, failure, settings, report)
        return
    except Exception as error:  # a poison message: its own failure, never the others'
        log.exception("outbox message %s cannot be built or sent", message["id"])
        transport.close()  # the connection may be mid-transaction
        _failed(
            db,
            message,
            DeliveryFailure(
                f"cannot build or send the message: {type(error).__name__}: {error}", permanent=False
            ),
            settings,
            report,
        )
        return
    stored.mark_sent(db, message["id"])
    report.sent.append(message["id"])


def _failed(db, message: dict, failure: DeliveryFailure, settings: MailSettings, report) -> None:
    """Dead when permanent or out of attempts, else retried after its backoff; a failure in
    doubt marks the message a possible duplicate, as a crash mid-send does."""
    error = str(failure)
    doubt = failure.in_doubt
    if failure.permanent or message["attempts"] >= settings.max_attempts:
        if not failure.permanent:
            error += f" (gave up after {message['attempts']} attempts)"
        stored.mark_dead(db, message["id"], error, in_doubt=doubt)
        report.dead.append(message["id"])
        log.error("outbox message %s to %s is dead: %s", message["id"], message["to_address"], error)
        return
    wait = backoff_seconds(message["attempts"], settings)
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
    stored.mark_retry(db, message["id"], error, moment.isoformat(timespec="microseconds"), in_doubt=doubt)
    report.retry.append(message["id"])
    log.warning(
        "outbox message %s to %s: %s; attempt %d failed, next in %.1f s%s",
        message["id"],
        message["to_address"],
        error,
        message["attempts"],
        wait,
        "; it is sent again with the same Message-ID, marked as a possible duplicate" if doubt else "",
    )
