"""The house lint rules (ruff.toml: B, E, F, I, UP, W) and its format hold for the whole tree, and
the whole package type-checks (mypy)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


TREE = ("dsa_monitor", "tests", "benchmarks", "hla_data", "wsgi.py")


def _ruff(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists():
        pytest.skip("ruff is not installed (it comes with the [test] extra)")
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    return subprocess.run(
        [ruff, *args, "--no-cache", *TREE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_ruff_finds_nothing():
    result = _ruff("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tree_is_as_ruff_format_writes_it():
    # ruff is pinned in the [test] extra: another version may lay out the same code otherwise.
    result = _ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


# What mypy holds to no error: the whole package, the core, the layers under the doors and the
# doors (api, web, commands, demo) alike (issue 14). Settings in setup.cfg [mypy].
TYPED = ("dsa_monitor",)


def test_mypy_finds_nothing_in_the_typed_packages():
    pytest.importorskip("mypy", reason="mypy is not installed (it comes with the [test] extra)")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", *TYPED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
