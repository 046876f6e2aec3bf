"""Whether a recipient's DSA reading is current, or new data awaits the scheduler."""

from __future__ import annotations

from sqlite_utils import Database

from ..store import evaluations as stored


def is_pending(db: Database, recipient_id: int) -> bool:
    """An input of this recipient is newer than what the scheduler last evaluated, or its last
    evaluation failed (retried by every run)."""
    if stored.failed_recipients(db, [recipient_id]):
        return True
    newest = stored.newest_input_ids(db)
    since = stored.read_watermark(db)
    if since is not None and all(since[k] >= v for k, v in newest.items()):
        return False
    return recipient_id in stored.touched_recipients(db, since, newest)
