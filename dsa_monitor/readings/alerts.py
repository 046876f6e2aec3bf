"""Open alerts: unacknowledged and not withdrawn by a correction, for every door alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from ..store import events as stored_events


def is_open(event: Mapping[str, Any]) -> bool:
    """An alert is open until someone acknowledges it or a correction withdraws it."""
    return event["acknowledged_at"] is None and event["withdrawn_by"] is None


def open_alerts(db: Database, *, study: str | None = None, recipient_id: int | None = None,
                kind: str | None = None) -> list[dict]:
    """Every open alert of a study or a recipient (or all), newest first, none left out."""
    return stored_events.list_events(db, study=study, recipient_id=recipient_id, kind=kind,
                                     state="open", limit=None)


def open_alert_counts(db: Database, study_id: int) -> dict[int, int]:
    """Recipient id -> its open alerts, for a whole study in one query."""
    return stored_events.count_open(db, study_id)
