"""Alerts: events recorded once per fact, subscriptions, the e-mail outbox, the scheduled jobs.

The evaluation calls ``record_events(db, [EventFact(...)])``; the scheduler (``scheduler.py``,
``jobs.py``) delivers the outbox and runs the QC, overdue-visit and reminder checks.
"""

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
