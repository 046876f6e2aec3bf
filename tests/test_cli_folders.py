"""``dsa-monitor init`` (and ``serve``) say where the data lives: database, reference, mail."""

from __future__ import annotations

from click.testing import CliRunner

from dsa_monitor.cli import main


def test_init_prints_the_database_reference_and_mail_folders(cli_db, tmp_path, monkeypatch):
    monkeypatch.setenv("DSA_MONITOR_MAIL_DIR", str(tmp_path / "mail"))
    done = CliRunner().invoke(main, ["init"])
    assert done.exit_code == 0, done.output
    assert f"database:  {cli_db}" in done.output
    assert f"reference: {tmp_path / 'reference'}" in done.output
    assert f"mail:      {tmp_path / 'mail'} (.eml files" in done.output
    monkeypatch.setenv("DSA_MONITOR_SMTP_HOST", "smtp.example.org")
    assert "mail:      SMTP smtp.example.org" in CliRunner().invoke(main, ["init"]).output
