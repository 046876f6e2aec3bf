"""What an evaluation changed, recorded once per fact, with its e-mails queued in the same write.

The evaluation (and the QC and overdue checks here) describe each change as an ``EventFact``;
``record_events`` stores the new ones and queues one message per subscribed address. The
idempotency key (kind, recipient, donor, antigen, visit) is unique in the database: re-running an
evaluation, re-uploading a file or restarting a process finds the key taken and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..errors import InvalidEvent
from ..store import events as stored
from ..store import outbox as stored_outbox
from ..store.connection import write_transaction
from .mailer import MailSettings
from .outbox import queue_messages

log = logging.getLogger(__name__)

DE_NOVO = "de_novo"
PREFORMED = "preformed"  # positive in the baseline or another serum before the exposure
RECURRENT = "recurrent"  # positive again after it had resolved
RISING = "rising"
PERSISTENT = "persistent"
RESOLVED = "resolved"
QC_FAILURE = "qc_failure"
OVERDUE_VISIT = "overdue_visit"
CORRECTION = "correction"
DSA_KINDS = (DE_NOVO, PREFORMED, RECURRENT, RISING, PERSISTENT, RESOLVED)
KINDS = (*DSA_KINDS, QC_FAILURE, OVERDUE_VISIT, CORRECTION)

# What a subscription receives when it names no kinds: the clinician's events. The laboratory
# subscribes to qc_failure, the study coordinator to overdue_visit.
DEFAULT_SUBSCRIPTION_KINDS = (*DSA_KINDS, CORRECTION)


@dataclass(frozen=True, slots=True)
class EventFact:
    """One change worth telling someone about, as the evaluation or a check found it.

    ``antigen`` and ``visit`` are free text that must be stable between runs (they make the key):
    e.g. antigen "DR4" or "DQB1*02:01", visit "M3". ``payload`` carries what the message shows:
    mfi, strength, level, status, previous_mfi, antigens, rules_version, rules_name, draw_date,
    lab_sample_id, reason... (any JSON-ready values). A correction names in ``withdraws`` the
    kind of the earlier event it withdraws; its other key fields are that event's.
    """

    kind: str
    recipient_id: int
    donor_id: int | None = None
    antigen: str = ""
    visit: str = ""
    sample_id: int | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    withdraws: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidEvent(f"event kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if (self.kind == CORRECTION) != (self.withdraws is not None):
            raise InvalidEvent("a correction, and only a correction, names the kind it withdraws")
        if self.withdraws is not None and self.withdraws not in KINDS[:-1]:
            raise InvalidEvent(f"a correction cannot withdraw a {self.withdraws!r} event")

    @property
    def key(self) -> str:
        """The idempotency key: the same fact always gives the same key."""
        kind = self.kind if self.withdraws is None else f"{self.kind}/{self.withdraws}"
        return event_key(kind, self.recipient_id, self.donor_id, self.antigen, self.visit)

    @property
    def withdrawn_key(self) -> str | None:
        """For a correction, the key of the event it withdraws."""
        if self.withdraws is None:
            return None
        return event_key(self.withdraws, self.recipient_id, self.donor_id, self.antigen, self.visit)


def event_key(kind: str, recipient_id: int, donor_id: int | None, antigen: str, visit: str) -> str:
    """``kind|r<recipient>|d<donor or ->|antigen|visit``, as stored in ``events.key``."""
    donor = "-" if donor_id is None else str(donor_id)
    return f"{kind}|r{recipient_id}|d{donor}|{antigen}|{visit}"


def _newest(known: Mapping[str, dict], key: str) -> tuple[dict | None, str]:
    """A fact's newest event among ``known`` (``stored.events_under_keys``) and the key a new one
    would take.

    A fact withdrawn by a correction and later found again is told again: its events take the
    keys ``key``, ``key#2``, ``key#3``... one per time it was established.
    """
    newest, generation, candidate = None, 1, key
    while (found := known.get(candidate)) is not None:
        newest, generation = found, generation + 1
        candidate = f"{key}#{generation}"
    return newest, candidate


# An event stored now: its id, the id of the event it withdraws (a correction) and its fact's key.
_Made = tuple[int, int | None, str]


def record_events(
    db: Database,
    facts: Iterable[EventFact],
    *,
    settings: MailSettings | None = None,
    user: str = "scheduler",
) -> list[int]:
    """Store the facts not yet known and queue their e-mails, all in one transaction.

    Returns the ids of the events created now (facts already recorded are skipped). A correction
    goes to every address the withdrawn event's alert went to; it is skipped when that event was
    never recorded or is already withdrawn. A withdrawn fact established again is a new event.
    A batch (an evaluation run's facts) reads what it needs in a few queries, whatever its size;
    its facts are decided in order, each seeing the ones before it.
    """
    settings = settings or MailSettings.current()
    facts = list(facts)
    if not facts:
        return []
    with write_transaction(db):
        known = stored.events_under_keys(db, [fact.withdrawn_key or fact.key for fact in facts])
        made = [stored_now for fact in facts if (stored_now := _store(db, fact, known, user)) is not None]
        _queue_alerts(db, made, settings)
    return [event_id for event_id, _, _ in made]


def _store(db: Database, fact: EventFact, known: dict[str, dict], user: str) -> _Made | None:
    """Store one fact unless it is known, and keep ``known`` up to date for the facts after it."""
    original, withdrawn_key, fact_key = None, fact.withdrawn_key, fact.key
    if withdrawn_key is not None:
        original, _ = _newest(known, withdrawn_key)
        if original is None or original["withdrawn_by"] is not None:
            return None
        key = fact_key + original["key"][len(withdrawn_key) :]
    else:
        newest, key = _newest(known, fact_key)
        if newest is not None and newest["withdrawn_by"] is None:
            return None
    event_id = stored.insert_event(
        db, key=key, kind=fact.kind, recipient_id=fact.recipient_id,
        donor_id=fact.donor_id, antigen=fact.antigen, visit=fact.visit,
        sample_id=fact.sample_id, payload=dict(fact.payload), user=user,
        corrects=None if original is None else original["id"],
    )  # fmt: skip
    if event_id is None:
        return None
    known[key] = {"id": event_id, "key": key, "withdrawn_by": None}
    if original is None:
        return event_id, None, fact_key
    known[original["key"]] = {**original, "withdrawn_by": event_id}
    return event_id, original["id"], fact_key


def _queue_alerts(db: Database, made: list[_Made], settings: MailSettings) -> None:
    """Queue the alerts of the events just stored, in their order: a correction to the addresses
    the event it withdraws went to (queued earlier in this batch or before it), any other event
    to the addresses subscribed to its kind for its recipient or study. Only the events someone
    is told of are read back (rendered with their study, subject and donor codes)."""
    stored_now = [event_id for event_id, _, _ in made]
    corrected = {event_id: original_id for event_id, original_id, _ in made if original_id is not None}
    sent = stored_outbox.addresses_sent_for_each(db, set(corrected.values()) - set(stored_now))
    sent |= stored.subscribed_addresses_for(db, [e for e in stored_now if e not in corrected])
    told = {e: sent.get(corrected.get(e, e), []) for e in stored_now}
    read = [e for e in stored_now if told[e]]
    events = stored.events_by_id(db, read + [corrected[e] for e in read if e in corrected])
    for event_id, original_id, key in made:
        if told[event_id]:
            original = None if original_id is None else events[original_id]
            queue_messages(db, events[event_id], told[event_id], "alert", settings, original=original)
        log.info("event %s (%s) recorded; %d message(s) queued", event_id, key, len(told[event_id]))


def queue_reminders(db: Database, *, delay_hours: float, settings: MailSettings | None = None) -> list[int]:
    """Re-send, once, each de novo alert still unacknowledged after the delay; return event ids."""
    settings = settings or MailSettings.current()
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(hours=delay_hours)
    reminded = []
    with write_transaction(db):
        for event in stored.events_due_for_reminder(db, DE_NOVO, moment.isoformat(timespec="microseconds")):
            queue_messages(db, event, stored_outbox.addresses_sent_for(db, event["id"]), "reminder", settings)
            stored.mark_reminded(db, event["id"])
            reminded.append(event["id"])
    return reminded


def acknowledge(db: Database, event_id: int, *, user: str, note: str | None = None) -> dict:
    """Record that someone has seen an event, and what was done (``note``): no reminder will
    follow."""
    return stored.acknowledge_event(db, event_id, user=user, note=note)
