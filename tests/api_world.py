"""The API tests' world (two studies, their recipients, donors and exposures), for the ``world``
fixture and for tests that need it on several fresh databases (the stateful fuzzing)."""

from __future__ import annotations

import datetime as dt

from dsa_monitor import store


def make_world(db) -> dict:
    """Studies CORD-01 (recipient R001, lab ID P-17; R002) and KIDNEY-02 (K001), donors."""
    store.create_study(db, "CORD-01", title="Cord blood", user="setup")
    store.create_study(db, "KIDNEY-02", title="Kidney", user="setup")
    r001 = store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="setup")
    r002 = store.create_recipient(db, "CORD-01", "R002", user="setup")
    k001 = store.create_recipient(db, "KIDNEY-02", "K001", user="setup")
    cord = store.create_donor(db, "CBU-1", kind="cord", user="setup")
    kidney = store.create_donor(db, "DD-9", kind="deceased", user="setup")
    free = store.create_donor(db, "LD-3", kind="living", user="setup")
    store.create_exposure(db, r001["id"], [cord["id"]], dt.date(2024, 1, 5), "infusion", user="setup")
    store.create_exposure(db, k001["id"], [kidney["id"]], dt.date(2024, 2, 1), "transplant", user="setup")
    return {
        "R001": r001["id"],
        "R002": r002["id"],
        "K001": k001["id"],
        "CBU-1": cord["id"],
        "DD-9": kidney["id"],
        "LD-3": free["id"],
    }
