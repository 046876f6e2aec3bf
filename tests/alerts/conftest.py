"""A real SMTP server (aiosmtpd on 127.0.0.1) and a small world: a study, a recipient, a donor."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from dsa_monitor import store
from dsa_monitor.alerts import MailSettings
from dsa_monitor.app import create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """Receives real SMTP; ``refuse[address]`` answers RCPT TO with that reply (e.g. 550)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self._controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        self.messages.append(message_from_bytes(data, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


class FaultyMailServer(MailServer):
    """A server that answers each DATA with the next of ``faults`` (then normally):

    ``drop``: keeps the message, closes the connection without a reply (after the final dot);
    ``late``: keeps it, replies after ``late_seconds`` (longer than the client's SMTP_TIMEOUT);
    a reply such as ``451 ...`` or ``554 ...``: refuses it with that answer (nothing kept).
    """

    def __init__(self, faults=(), late_seconds: float = 1.0) -> None:
        super().__init__()
        self.faults = list(faults)
        self.late_seconds = late_seconds

    async def handle_DATA(self, server, session, envelope):
        fault = self.faults.pop(0) if self.faults else "ok"
        if fault[:1] in "45":
            return fault
        accepted = await super().handle_DATA(server, session, envelope)
        if fault == "drop":
            server.transport.abort()
        elif fault == "late":
            await asyncio.sleep(self.late_seconds)
        return accepted


@pytest.fixture
def mail_server():
    server = FaultyMailServer()  # without faults, an ordinary server
    server.start()
    yield server
    server.stop()


CLINICIAN = "clinician@hospital.example"
INVESTIGATOR = "investigator@hospital.example"
LAB = "hla-lab@hospital.example"
COORDINATOR = "coordinator@trial.example"


@pytest.fixture
def world(tmp_path, mail_server, monkeypatch):
    """Study CORD-01 (default visits), recipient R001 (lab ID P-17), donor CB-0042, subscribers."""
    for key in list(os.environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    settings = {
        "DATABASE": str(tmp_path / "alerts.sqlite3"),
        "REFERENCE_DIR": str(tmp_path / "reference"),
        "MAIL_DIR": str(tmp_path / "eml"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail_server.port),
        "SMTP_TIMEOUT": "5",
        "MAIL_FROM": "dsa-monitor@transplant.example",
        "BASE_URL": "https://dsa.example.org",
        "MAIL_RETRY_SECONDS": "0.2",
        "SCHEDULER_LEASE_SECONDS": "2",
    }
    app = create_app({"TESTING": True, **settings})
    db = store.open_database(settings["DATABASE"])
    study = store.create_study(db, "CORD-01", title="Cord blood", user="coordinator")
    recipient = store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="coordinator")
    donor = store.create_donor(db, "CB-0042", kind="cord", user="coordinator")
    store.create_exposure(
        db, recipient["id"], [donor["id"]], dt.date(2024, 1, 10), "infusion", user="coordinator"
    )
    from dsa_monitor.alerts import subscribe

    subscribe(db, CLINICIAN, study="CORD-01", user="admin")
    subscribe(db, INVESTIGATOR, recipient_id=recipient["id"], user="admin")
    subscribe(db, LAB, study="CORD-01", kinds=["qc_failure"], user="admin")
    subscribe(db, COORDINATOR, study="CORD-01", kinds=["overdue_visit"], user="admin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSA_MONITOR_")}
    env.update({f"DSA_MONITOR_{k}": v for k, v in settings.items()})
    yield SimpleNamespace(
        app=app,
        db=db,
        env=env,
        path=tmp_path,
        study=study,
        recipient=recipient,
        donor=donor,
        mail=MailSettings.from_config(app.config),
        server=mail_server,
        to=SimpleNamespace(clinician=CLINICIAN, investigator=INVESTIGATOR, lab=LAB, coordinator=COORDINATOR),
    )
    db.close()


@pytest.fixture
def cli(world):
    """Run ``dsa-monitor ARGS`` as a real process on the world's database and mail server."""

    def run(*args: str, env: dict | None = None, **popen) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", "from dsa_monitor.cli import main; main()", *args],
            env={**world.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
            **popen,
        )

    return run
