"""Alerts: events recorded once per fact, subscriptions, the e-mail outbox, the scheduled jobs.

Importing the package installs ``evaluation.record_changes`` as the evaluation's recorder, so each
stored evaluation records its events (``record_events``) in its own transaction, whichever door
evaluated; the scheduler (``scheduler.py``, ``jobs.py``) delivers the outbox and runs the QC,
overdue-visit and reminder checks.
"""

from . import evaluation as _installs_the_recorder  # noqa: F401  (see the docstring)
from .events import (
    CORRECTION,
    DE_NOVO,
    DSA_KINDS,
    KINDS,
    OVERDUE_VISIT,
    PERSISTENT,
    QC_FAILURE,
    RECURRENT,
    RESOLVED,
    RISING,
    EventFact,
    InvalidEvent,
    acknowledge,
    event_key,
    queue_reminders,
    record_events,
)
from .mailer import MailSettings
from .outbox import DeliveryReport, deliver_due
from .scheduler import Scheduler, run_once, scheduler
from .subscriptions import InvalidSubscription, list_subscriptions, subscribe, unsubscribe

__all__ = [
    "CORRECTION",
    "DE_NOVO",
    "DSA_KINDS",
    "DeliveryReport",
    "EventFact",
    "InvalidEvent",
    "InvalidSubscription",
    "KINDS",
    "MailSettings",
    "OVERDUE_VISIT",
    "PERSISTENT",
    "QC_FAILURE",
    "RECURRENT",
    "RESOLVED",
    "RISING",
    "Scheduler",
    "acknowledge",
    "deliver_due",
    "event_key",
    "list_subscriptions",
    "queue_reminders",
    "record_events",
    "run_once",
    "scheduler",
    "subscribe",
    "unsubscribe",
]
