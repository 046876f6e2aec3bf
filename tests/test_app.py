import pytest
from click.testing import CliRunner

from dsa_monitor.app import create_app
from dsa_monitor.cli import main
from dsa_monitor.config import InvalidSetting


def test_health_reports_reference_data(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert "release" in body["reference"]


def test_every_command_has_help():
    runner = CliRunner()
    assert main.commands, "no commands registered"
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert command.help, f"{name} has no docstring"


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("MAX_UPLOAD_MB", "-1", "a whole number of at least 1"),
        ("MAX_UPLOAD_MB", "1e9x", "a whole number of at least 1"),
        ("SCHEDULER_DELIVER_SECONDS", "-1", "a number greater than 0"),
        ("SCHEDULER_LEASE_SECONDS", "0", "a number greater than 0"),  # no lease: two senders
        ("SMTP_PORT", "abc", "a port number from 1 to 65535"),
        ("SMTP_PORT", "99999", "a port number from 1 to 65535"),
        ("SMTP_SECURITY", "tls", "one of none, starttls, ssl"),
        ("MAIL_MAX_ATTEMPTS", "0", "a whole number of at least 1"),
        ("MAIL_INCLUDE_PATIENT_NAMES", "maybe", "true or false"),
        ("BASE_URL", "notaurl", "the service's address, starting with http:// or https://"),
        ("MAIL_FROM", "nobody", "an e-mail address"),
    ],
)
def test_a_setting_the_service_cannot_run_with_is_refused_at_start(
    tmp_path, monkeypatch, key, value, expected
):
    monkeypatch.setenv(f"DSA_MONITOR_{key}", value)
    with pytest.raises(InvalidSetting) as refused:
        create_app({"TESTING": True, "DATABASE": str(tmp_path / "x.sqlite3")})
    assert refused.value.message == f"DSA_MONITOR_{key}={value!r}: expected {expected}"


def test_settings_from_the_environment_are_typed(tmp_path, monkeypatch):
    monkeypatch.setenv("DSA_MONITOR_MAX_UPLOAD_MB", "12")
    monkeypatch.setenv("DSA_MONITOR_SMTP_PORT", "2525")
    monkeypatch.setenv("DSA_MONITOR_SCHEDULER_DELIVER_SECONDS", "0.5")
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "x.sqlite3")})
    assert (
        app.config["MAX_UPLOAD_MB"],
        app.config["SMTP_PORT"],
        app.config["SCHEDULER_DELIVER_SECONDS"],
    ) == (12, 2525, 0.5)
    assert app.config["MAX_CONTENT_LENGTH"] == 12 * 1024 * 1024


@pytest.mark.parametrize("args", [["scheduler", "--once"], ["serve", "--port", "1"]])
def test_long_running_commands_refuse_a_database_that_does_not_exist(tmp_path, monkeypatch, args):
    missing = tmp_path / "typo" / "dsa.sqlite3"
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(missing))
    monkeypatch.setenv("DSA_MONITOR_REFERENCE_DIR", str(tmp_path / "reference"))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert f"no database at {missing}" in result.output and "dsa-monitor init" in result.output
    assert not missing.exists()
