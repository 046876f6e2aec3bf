"""The house lint rules (ruff.toml: B, E, F, I, UP, W) hold for the whole tree, and the pure core
type-checks (mypy)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    if shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists():
        pytest.skip("ruff is not installed (it comes with the [test] extra)")
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run(
        [ruff, "check", "--no-cache", "dsa_monitor", "tests", "benchmarks", "hla_data", "wsgi.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
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
