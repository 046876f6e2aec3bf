"""Open alerts: unacknowledged and not withdrawn by a correction, for every door alike."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..store import events as stored_events
from .labels import with_labels

PER_PAGE = 50


def open_alerts(
    db: Database, *, study: str | None = None, recipient_id: int | None = None, kind: str | None = None
) -> list[dict]:
    """Every open alert of a study or a recipient (or all), newest first, none left out."""
    return stored_events.list_events(
        db, study=study, recipient_id=recipient_id, kind=kind, state="open", limit=None
    )


def open_alert_counts(
    db: Database, study_id: int, recipient_ids: Collection[int] | None = None
) -> dict[int, int]:
    """Recipient id -> its open alerts, for a whole study (or the page ``recipient_ids``) in one
    query."""
    return stored_events.count_open(db, study_id, recipient_ids)


@dataclass
class InboxFilters:
    """What the inbox shows: a study, a kind, a state, one recipient (subject code), the days
    the alerts were raised (inclusive), and which page."""

    study: str | None = None
    kind: str | None = None
    state: str = "open"
    subject: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1

    def query(self) -> dict[str, Any]:
        """The store's filter arguments."""
        return {
            "study": self.study,
            "kind": self.kind,
            "state": self.state,
            "subject": self.subject or None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass
class InboxPage:
    events: list[dict]
    total: int
    page: int
    pages: int
    filters: InboxFilters = field(default_factory=InboxFilters)


def inbox_page(db: Database, filters: InboxFilters, *, per_page: int = PER_PAGE) -> InboxPage:
    """One page of alerts, newest first, each with its visit label; every alert is on some page
    (no cap), and the total says how many match."""
    total = stored_events.count_events(db, **filters.query())
    pages = max(1, math.ceil(total / per_page))
    page = min(max(filters.page, 1), pages)
    events = stored_events.list_events(db, **filters.query(), limit=per_page, offset=(page - 1) * per_page)
    return InboxPage(with_labels(events), total, page, pages, filters)
