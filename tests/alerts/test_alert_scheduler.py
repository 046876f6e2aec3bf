import dataclasses
import os
import signal
import subprocess
import sys
import time

import pytest

from dsa_monitor.alerts import Scheduler, jobs, record_events, run_once
from dsa_monitor.alerts.mailer import DUPLICATE_HEADER
from dsa_monitor.alerts.scheduler import EXTENSION, LEASE_NAME
from dsa_monitor.app import create_app
from dsa_monitor.store import leases
from dsa_monitor.store import outbox as stored_outbox

from .test_alert_delivery import de_novo


def received(world):
    return sorted((m["To"], m["Subject"]) for m in world.server.messages)


ONE_EACH = [
    ("clinician@hospital.example", "[dsa-monitor] De novo DSA: CORD-01 R001, DR4 (M3)"),
    ("investigator@hospital.example", "[dsa-monitor] De novo DSA: CORD-01 R001, DR4 (M3)"),
]


def test_once_three_times_sends_one_message_per_subscriber(world, cli):
    record_events(world.db, [de_novo(world)], settings=world.mail)
    runs = [cli("scheduler", "--once") for _ in range(3)]
    assert [r.returncode for r in runs] == [0, 0, 0], runs[0].stderr
    assert "deliver: 2 sent, 0 to retry, 0 dead" in runs[0].stdout
    assert "deliver: 0 sent" in runs[2].stdout
    assert "evaluate: 1 recipient(s) evaluated, 0 change(s)" in runs[0].stdout
    assert "evaluate: 0 recipient(s) evaluated, 0 change(s)" in runs[2].stdout
    assert received(world) == ONE_EACH
    assert leases.lease_holder(world.db, LEASE_NAME) is None  # each run gave the lease back


def test_two_scheduler_processes_at_once_send_one_message_per_subscriber(world, cli):
    record_events(world.db, [de_novo(world)], settings=world.mail)
    command = [sys.executable, "-c", "from dsa_monitor.cli import main; main()", "scheduler", "--once"]
    processes = [
        subprocess.Popen(command, env=world.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    sent = sorted(line for out, _ in outputs for line in out.splitlines() if line.startswith("deliver:"))
    assert sent == [
        "deliver: 0 sent, 0 to retry, 0 dead, 0 interrupted send(s) recovered",
        "deliver: 2 sent, 0 to retry, 0 dead, 0 interrupted send(s) recovered",
    ]
    assert received(world) == ONE_EACH


def _wait(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_second_scheduler_waits_and_takes_over_when_the_first_dies(world):
    env = {
        **world.env,
        "DSA_MONITOR_SCHEDULER_LEASE_SECONDS": "1.5",
        "DSA_MONITOR_SCHEDULER_DELIVER_SECONDS": "0.2",
    }
    command = [sys.executable, "-c", "from dsa_monitor.cli import main; main()", "scheduler"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second = None
    try:
        assert _wait(lambda: leases.lease_holder(world.db, LEASE_NAME) is not None)
        holder = leases.lease_holder(world.db, LEASE_NAME)["holder"]
        assert f":{first.pid}:" in holder
        second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        record_events(world.db, [de_novo(world)], settings=world.mail)
        assert len(world.server.wait_for(2)) == 2
        first.send_signal(signal.SIGKILL)  # dies without giving the lease back
        first.wait(timeout=10)
        assert _wait(
            lambda: f":{second.pid}:" in (leases.lease_holder(world.db, LEASE_NAME) or {}).get("holder", "")
        )
        record_events(world.db, [de_novo(world, antigen="DQ7")], settings=world.mail)
        world.server.wait_for(4)
        time.sleep(0.5)  # nothing more arrives
        # Killed between the server's reply and marking a message sent, the first scheduler
        # leaves it in doubt: the second sends it again, with its Message-ID, marked (RFC 1047).
        copies: dict[str, list] = {}
        for message in world.server.messages:
            copies.setdefault(message["Message-ID"], []).append(message)
        assert sorted(c[0]["Subject"][-8:] for c in copies.values()) == [
            "DQ7 (M3)",
            "DQ7 (M3)",
            "DR4 (M3)",
            "DR4 (M3)",
        ]
        assert all(again[DUPLICATE_HEADER] for c in copies.values() for again in c[1:])
        second.send_signal(signal.SIGTERM)  # stops cleanly and gives the lease back
        assert second.wait(timeout=10) == 0
        assert leases.lease_holder(world.db, LEASE_NAME) is None
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


def test_a_failing_job_does_not_stop_the_others(world, monkeypatch):
    record_events(world.db, [de_novo(world)], settings=world.mail)

    def broken(db, config, lease):
        raise ValueError("a job that cannot run")

    monkeypatch.setitem(jobs.JOBS, "overdue", broken)
    results = run_once(world.app, wait=0.1)
    assert results["overdue"] == "failed: ValueError: a job that cannot run"
    assert results["deliver"].startswith("2 sent")
    assert received(world) == ONE_EACH


def test_a_setting_the_service_cannot_run_with_stops_the_start_in_one_line(world, cli):
    run = cli("scheduler", "--once", env={"DSA_MONITOR_OVERDUE_MAX_AGE_DAYS": "a month"})
    assert run.returncode != 0
    assert "DSA_MONITOR_OVERDUE_MAX_AGE_DAYS='a month': expected a whole number" in run.stderr
    assert "Traceback" not in run.stderr
    assert received(world) == []


def test_once_waits_for_the_lease_and_says_so_when_it_cannot_have_it(world, cli):
    assert leases.acquire_lease(world.db, LEASE_NAME, "another-host:1:x", 30)
    run = cli("scheduler", "--once", "--wait", "0.3")
    assert run.returncode == 0
    assert run.stdout.strip() == "another scheduler holds the lease: nothing run"
    assert run_once(world.app, wait=0.1) is None
    leases.release_lease(world.db, LEASE_NAME, "another-host:1:x")
    assert run_once(world.app, wait=0.1)["deliver"].startswith("0 sent")


@pytest.mark.parametrize("in_web", ["false", "true"])
def test_the_web_server_runs_jobs_only_when_configured_and_from_its_first_request(world, in_web):
    app = create_app({**world.app.config, "SCHEDULER_IN_WEB": in_web, "SCHEDULER_DELIVER_SECONDS": "0.2"})
    Scheduler(app)
    state = app.extensions[EXTENSION]
    assert state.background is None  # nothing starts with the app itself
    record_events(world.db, [de_novo(world)], settings=world.mail)
    client = app.test_client()
    try:
        client.get("/api/v1/health")
        client.get("/api/v1/health")
        if in_web == "false":
            assert state.background is None
            time.sleep(0.3)
            assert world.server.messages == []
        else:
            assert state.background is not None and state.background.running
            assert len(world.server.wait_for(2)) == 2
            assert received(world) == ONE_EACH
    finally:
        Scheduler().stop(app)
    assert leases.lease_holder(world.db, LEASE_NAME) is None


def test_two_web_workers_with_the_scheduler_run_the_jobs_once(world):
    config = {**world.app.config, "SCHEDULER_IN_WEB": "true", "SCHEDULER_DELIVER_SECONDS": "0.1"}
    workers = [create_app(config) for _ in range(2)]
    extension = Scheduler()
    for app in workers:
        extension.init_app(app)
        app.test_client().get("/api/v1/health")
    try:
        for number in range(3):
            record_events(world.db, [de_novo(world, antigen=f"DR{number + 1}")], settings=world.mail)
        assert len(world.server.wait_for(6)) == 6
        time.sleep(0.4)
        assert len(world.server.messages) == 6
        sending = {m["claimed_by"] for m in stored_outbox.list_messages(world.db)}
        assert len(sending) == 1  # one worker held the lease and did all the work
    finally:
        for app in workers:
            extension.stop(app)


def test_settings_mistakes_are_reported_not_guessed(world):
    from dsa_monitor.alerts.mailer import MailSettings
    from dsa_monitor.config import InvalidSetting

    with pytest.raises(InvalidSetting, match="SMTP_SECURITY='tls': expected one of none"):
        MailSettings.from_config({**world.app.config, "SMTP_SECURITY": "tls"})
    with pytest.raises(InvalidSetting, match="SMTP_PORT='smtp': expected a port number"):
        MailSettings.from_config({**world.app.config, "SMTP_PORT": "smtp"})
    ssl = MailSettings.from_config({**world.app.config, "SMTP_SECURITY": "SSL", "SMTP_PORT": None})
    assert (ssl.security, ssl.smtp_port) == ("ssl", 465)
    assert dataclasses.replace(ssl, mail_from="Alerts <alerts@lab.example>").domain == "lab.example"
    assert os.path.basename(world.app.config["MAIL_DIR"]) == "eml"
