"""The README stays true: its first two commands, every CLI command, every configuration variable."""

from __future__ import annotations

import re
from pathlib import Path

import click

from dsa_monitor import config
from dsa_monitor.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CI_RUN = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")


def _command_paths(group: click.Group, prefix: str = "dsa-monitor") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        paths.append(path)
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, path))
    return paths


def test_readme_opens_with_run_and_test_commands():
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", README, re.S).group(1)
    lines = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert len(lines) == 2
    assert lines[0].startswith("pip install") and "dsa-monitor" in lines[0]
    assert lines[1] == "pip install -e '.[test]' && pytest"


def test_ci_runs_exactly_the_readme_test_command():
    assert "pip install -e '.[test]' && pytest" in CI_RUN
    assert "set -euo pipefail" in CI_RUN


def test_every_command_is_in_the_readme():
    missing = [path for path in _command_paths(main) if f"`{path}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_setting_is_in_the_readme():
    missing = [key for key in config.DEFAULTS if f"DSA_MONITOR_{key}" not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_test_the_rules_document_names_exists():
    """docs/dsa-rules.md pins each rule to tests: a renamed or deleted test must not go unseen."""
    root = Path(__file__).resolve().parents[1]
    rules = (root / "docs" / "dsa-rules.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+(?:\.py)?)(?:::(\w+))?`", rules)
    assert len(named) > 40
    missing = []
    for path, test in named:
        target = root / path
        if not target.exists():
            missing.append(path)
        elif test and not re.search(rf"^def {test}\(", target.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{test}")
    assert not missing, f"docs/dsa-rules.md names tests that do not exist: {missing}"
