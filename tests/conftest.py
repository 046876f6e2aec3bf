"""Shared fixtures: an app on a temporary instance folder, its test client and CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsa_monitor.app import create_app

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


@pytest.fixture
def app(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "test.sqlite3"),
            "REFERENCE_DIR": str(tmp_path / "reference"),
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()
