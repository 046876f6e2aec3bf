"""The hlaR v3 eplet tables, read once per session (skipped, saying why, when absent)."""

from __future__ import annotations

import pytest
from eplet_examples import read_v3


@pytest.fixture(scope="session")
def v3():
    return read_v3()
