"""A recipient's eplet reading (``eplets.recipient_reading``) from the stored typings: the same
for the API and the command line."""

from __future__ import annotations

from sqlite_utils import Database

from .. import store
from ..eplets import EpletTable, recipient_reading


def recipient_eplets(db: Database, table: EpletTable, recipient_id: int) -> tuple[dict, bool]:
    """Each donor of the recipient's exposures against the recipient, from their current
    typings (an untyped side is said in the reading, never guessed); and whether the recipient
    is typed."""
    own = store.current_typing(db, "recipient", recipient_id)
    donor_ids = dict.fromkeys(d for e in store.list_exposures(db, recipient_id) for d in e["donor_ids"])
    donors = [
        (store.get_donor(db, d)["code"], (store.current_typing(db, "donor", d) or {}).get("typing"))
        for d in donor_ids
    ]
    return recipient_reading(table, own["typing"] if own else None, donors), own is not None
