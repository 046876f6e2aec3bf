"""An app with two studies, a recipient in each, donors, and a token maker for each role."""

from __future__ import annotations

import datetime as dt

import pytest

from dsa_monitor import store
from dsa_monitor.store import tokens


@pytest.fixture
def token(db):
    """``token(role, study=None)`` -> request headers carrying a new token of that role."""
    made = []

    def make(role: str, study: str | None = None, name: str | None = None) -> dict:
        name = name or f"{role}-{study or 'all'}-{len(made)}"
        _, secret = tokens.create_token(db, name, role, study=study, user="test")
        made.append(name)
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def admin(token):
    return token("admin")


@pytest.fixture
def world(db):
    """Studies CORD-01 (recipient R001, lab ID P-17; R002) and KIDNEY-02 (K001), donors."""
    store.create_study(db, "CORD-01", title="Cord blood", user="setup")
    store.create_study(db, "KIDNEY-02", title="Kidney", user="setup")
    r001 = store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="setup")
    r002 = store.create_recipient(db, "CORD-01", "R002", user="setup")
    k001 = store.create_recipient(db, "KIDNEY-02", "K001", user="setup")
    cord = store.create_donor(db, "CBU-1", kind="cord", user="setup")
    kidney = store.create_donor(db, "DD-9", kind="deceased", user="setup")
    free = store.create_donor(db, "LD-3", kind="living", user="setup")
    store.create_exposure(db, r001["id"], [cord["id"]], dt.date(2024, 1, 5), "infusion",
                          user="setup")
    store.create_exposure(db, k001["id"], [kidney["id"]], dt.date(2024, 2, 1), "transplant",
                          user="setup")
    return {"R001": r001["id"], "R002": r002["id"], "K001": k001["id"],
            "CBU-1": cord["id"], "DD-9": kidney["id"], "LD-3": free["id"]}
