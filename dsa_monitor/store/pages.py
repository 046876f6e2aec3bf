"""A page of recipients as a filter of the study-wide reads: one query each, whatever the page."""

from __future__ import annotations

import json
from collections.abc import Collection


def among(column: str, recipient_ids: Collection[int] | None) -> tuple[str, list]:
    """`` AND <column> IN (the ids)`` and its one parameter (a JSON array), or nothing when
    ``recipient_ids`` is None (the whole study)."""
    if recipient_ids is None:
        return "", []
    return (f" AND {column} IN (SELECT value FROM json_each(?))", [json.dumps(sorted(recipient_ids))])
