"""Who is told: an e-mail address subscribes to a study or to one recipient, for chosen kinds."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlite_utils import Database

from .. import store
from ..errors import InvalidSubscription
from ..store import events as stored
from .events import DEFAULT_SUBSCRIPTION_KINDS, KINDS

# One address, no display name: what is stored is what is put in the To header.
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def subscribe(
    db: Database,
    email: str,
    *,
    study: int | str | None = None,
    recipient_id: int | None = None,
    kinds: Iterable[str] | None = None,
    user: str,
) -> dict:
    """Subscribe an address to a study (by id or code) or a recipient; again: replace its kinds."""
    address = email.strip().lower()
    if not _ADDRESS.match(address):
        raise InvalidSubscription(f"{email!r} is not an e-mail address", email=email)
    if (study is None) == (recipient_id is None):
        raise InvalidSubscription("subscribe to a study or to a recipient (one of them)")
    chosen = sorted(set(kinds or DEFAULT_SUBSCRIPTION_KINDS))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise InvalidSubscription(
            f"unknown event kind(s) {', '.join(unknown)}; expected some of {', '.join(KINDS)}"
        )
    study_id = None if study is None else store.get_study(db, study)["id"]
    if recipient_id is not None:
        store.get_recipient(db, recipient_id)
    return stored.save_subscription(
        db, address, study_id=study_id, recipient_id=recipient_id, kinds=chosen, user=user
    )


def unsubscribe(db: Database, subscription_id: int, *, user: str) -> None:
    """End one subscription."""
    stored.delete_subscription(db, subscription_id, user=user)


def list_subscriptions(db: Database, *, email: str | None = None) -> list[dict]:
    """Every subscription, or one address's."""
    return stored.list_subscriptions(db, email=None if email is None else email.strip().lower())
