"""The demo's next-steps.txt lines keep its mail in its folder even when the instance file
(``instance/dsa_monitor.cfg``) names an SMTP server and another database: the lines give every
setting explicitly, the SMTP host as ``none`` (an unset variable would let the file's host in)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.config import check
from dsa_monitor.store.connection import write_transaction

PACKAGE = Path(__file__).resolve().parents[2] / "dsa_monitor"


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "tour"
    result = CliRunner().invoke(
        main,
        ["demo", "--no-serve", "--dir", str(folder)],
        env={"DSA_MONITOR_DATABASE": str(folder.parent / "x.sqlite3")},
    )
    assert result.exit_code == 0, result.output
    return folder


def _line(folder: Path, command: str) -> str:
    lines = (folder / "next-steps.txt").read_text().splitlines()
    [line] = [x.strip() for x in lines if x.rstrip().endswith(f"dsa-monitor {command}")]
    return line


def _configured_shell(tmp_path: Path, configured: Path) -> dict[str, str]:
    """A shell whose dsa-monitor reads an instance file naming another SMTP host and database:
    the package is imported through a link, so that its instance folder is ``tmp_path``'s (the
    shared checkout's instance folder is left alone)."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "dsa_monitor").symlink_to(PACKAGE, target_is_directory=True)
    instance = source / "instance"
    instance.mkdir()
    (instance / "dsa_monitor.cfg").write_text(
        f'SMTP_HOST = "smtp.invalid"\nSMTP_PORT = 2525\nDATABASE = "{configured}"\n'
    )
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(source),
    }


def test_the_scheduler_line_writes_mail_to_the_demo_folder_not_the_configured_server(demo_folder, tmp_path):
    configured = tmp_path / "configured.sqlite3"
    env = _configured_shell(tmp_path, configured)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from dsa_monitor.app import create_app; print(create_app().config['SMTP_HOST'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert probe.stdout.strip() == "smtp.invalid", probe.stderr  # the file is read
    db = store.open_database(demo_folder / "demo.sqlite3")
    try:
        with write_transaction(db):
            message = store.outbox.insert_message(
                db,
                event_id=None,
                purpose="password_reset",
                to_address="demo@example.org",
                subject="queued by the test",
                body_text="text",
                body_html="<p>html</p>",
                message_id="<next-steps-test@example.org>",
            )
    finally:
        db.close()
    before = set((demo_folder / "mail").glob("*.eml"))

    once = subprocess.run(
        ["sh", "-c", _line(demo_folder, "scheduler --once")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )

    assert once.returncode == 0, once.stderr
    assert "deliver: 1 sent, 0 to retry, 0 dead" in once.stdout
    written = set((demo_folder / "mail").glob("*.eml")) - before
    assert [p.name for p in written] == ["next-steps-test@example.org.eml"]
    db = store.open_database(demo_folder / "demo.sqlite3")
    try:
        assert store.outbox.get_message(db, message)["state"] == "sent"
    finally:
        db.close()
    assert not configured.exists()


def test_smtp_host_none_means_no_server_whatever_the_file_said():
    settings = {**_defaults(), "SMTP_HOST": " None "}
    check(settings)
    assert settings["SMTP_HOST"] is None


def _defaults() -> dict:
    from dsa_monitor.config import DEFAULTS

    return dict(DEFAULTS)
