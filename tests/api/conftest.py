"""An app with two studies, a recipient in each, donors, and a token maker for each role."""

from __future__ import annotations

import pytest
from api_world import make_world

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
    return make_world(db)
