import pytest
from click.testing import CliRunner

from dsa_monitor.alerts import EventFact, record_events
from dsa_monitor.cli import main


class Result:
    def __init__(self, result):
        self.returncode, self.stdout, self.stderr = result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cli(world):
    """``dsa-monitor ARGS`` in this process (click's runner), on the world's database."""
    runner = CliRunner()
    return lambda *args: Result(runner.invoke(main, list(args), env=world.env))


def test_subscriptions_events_and_acknowledgement_from_the_command_line(world, cli):
    done = cli(
        "alerts",
        "subscribe",
        "Nurse@Hospital.example",
        "--study",
        "CORD-01",
        "--kind",
        "de_novo",
        "--kind",
        "overdue_visit",
        "--user",
        "admin",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "subscription 5: nurse@hospital.example to study CORD-01: de_novo, overdue_visit"
    )
    listed = cli("alerts", "subscriptions", "--email", "nurse@hospital.example").stdout
    assert listed == (
        "id\taddress\tscope\tkinds\n"  # a header row (issue 15)
        "5\tnurse@hospital.example\tstudy CORD-01\tde_novo,overdue_visit\n"
    )
    assert cli("alerts", "unsubscribe", "5").stdout == "subscription 5 ended\n"
    assert cli("alerts", "subscriptions", "--email", "nurse@hospital.example").stdout == (
        "no subscriptions\n"
    )  # an empty answer says so

    fact = EventFact(
        kind="de_novo",
        recipient_id=world.recipient["id"],
        donor_id=world.donor["id"],
        antigen="DR4",
        visit="M3",
    )
    [event_id] = record_events(world.db, [fact], settings=world.mail)
    header, line = cli("alerts", "list", "--unacknowledged").stdout.splitlines()
    assert header == "id\traised\tkind\trecipient\tantigen\tvisit\tstate"
    listed = line.split("\t")
    assert listed[0] == str(event_id) and listed[2:6] == ["de_novo", "CORD-01 R001", "DR4", "M3"]
    acked = cli("alerts", "ack", str(event_id), "--user", "dr.grey")
    assert acked.stdout.startswith(f"event {event_id} acknowledged by dr.grey at ")
    assert cli("alerts", "list", "--unacknowledged").stdout == "no events match\n"
    outbox = cli("alerts", "outbox").stdout.splitlines()[1:]
    assert len(outbox) == 2 and all("\tpending\t0\t" in line for line in outbox)


def test_command_line_mistakes_are_reported_without_a_traceback(world, cli):
    refused = cli("alerts", "subscribe", "nobody", "--study", "CORD-01")
    assert refused.returncode == 1
    assert "Error: 'nobody' is not an e-mail address" in refused.stderr
    assert "Traceback" not in refused.stderr
    missing = cli("alerts", "ack", "99")
    assert (missing.returncode, missing.stderr.splitlines()[-1]) == (1, "Error: no event 99")
    alive = cli("alerts", "requeue", "1")
    assert "Error: no outbox message 1" in alive.stderr
