from click.testing import CliRunner

from dsa_monitor.cli import main


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
