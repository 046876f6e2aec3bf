"""Where the shared reference material lies, and a skip that says why when it is absent.

An importable module (``pythonpath = tests`` in setup.cfg) rather than ``conftest``: several
conftest.py files exist, so importing constants from a conftest module would be ambiguous.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HLA_REFERENCE = SHARED / "hla_reference"
IMGT_358 = HLA_REFERENCE / "imgthla_3.58.0"
SAB_EXAMPLES = HLA_REFERENCE / "sab_examples"
TEST_DATA = Path(__file__).resolve().parent / "data"


def need_shared(path: Path) -> Path:
    """Skip the calling test, saying why, when ../shared/ reference material is absent."""
    if not path.exists():
        pytest.skip(f"reference material not present: {path} (../shared/ is not checked out here)")
    return path
