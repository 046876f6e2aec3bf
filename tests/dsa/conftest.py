"""Worked examples run on both references: the embedded default and IPD-IMGT/HLA 3.58.0."""

from __future__ import annotations

import pytest
from reference_paths import IMGT_358, need_shared

from dsa_monitor.reference.service import embedded, load_release


@pytest.fixture(params=["embedded", "3.58.0"], scope="module")
def reference(request):
    """The embedded default table, then the real 3.58.0 release (skipped without ../shared)."""
    if request.param == "embedded":
        return embedded()
    return load_release(need_shared(IMGT_358))
