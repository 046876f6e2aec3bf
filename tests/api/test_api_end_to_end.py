"""End to end through real processes on loopback: ``dsa-monitor serve`` answers HTTP, ``dsa-monitor
scheduler --once`` evaluates and mails; an aiosmtpd server on 127.0.0.1 receives the alert.

The trial system's whole path: enrol, type, record the infusion, upload baseline and M3 Fusion
files, subscribe a clinician, run the scheduler, then read the de novo DSA and poll its event.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from dsa_monitor import store
from dsa_monitor.demo.fusion_writer import FusionSample, write_fusion_csv
from dsa_monitor.demo.trial import SCHEDULE, TYPINGS, demo_panel
from dsa_monitor.store import tokens

CLINICIAN = "transplant-md@hospital.example"
INFUSION = dt.date(2025, 1, 13)
RECIPIENT_TYPING, DONOR_TYPING = TYPINGS[2]  # the donor carries A*24:02, the recipient does not


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox():
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def env(tmp_path, inbox):
    """The processes' environment: a fresh database, mail to the inbox, no inherited settings."""
    settings = {
        "DATABASE": str(tmp_path / "e2e.sqlite3"),
        "REFERENCE_DIR": str(tmp_path / "reference"),
        "MAIL_DIR": str(tmp_path / "eml"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "SMTP_TIMEOUT": "5",
        "MAIL_FROM": "dsa-monitor@transplant.example",
        "BASE_URL": "https://dsa.example.org",
        "MAIL_RETRY_SECONDS": "0.2",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DSA_MONITOR_")}
    return {**clean, **{f"DSA_MONITOR_{k}": v for k, v in settings.items()}}


def dsa_monitor(*args: str) -> list[str]:
    return [sys.executable, "-c", "from dsa_monitor.cli import main; main()", *args]


class Client:
    """JSON over http.client to the server on 127.0.0.1, with a bearer token."""

    def __init__(self, port: int, secret: str) -> None:
        self.port, self.headers = port, {"Authorization": f"Bearer {secret}"}

    def call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            data = raw if raw is not None else (None if body is None else json.dumps(body))
            headers = dict(self.headers)
            if data is not None:
                headers["Content-Type"] = content_type
            connection.request(method, "/api/v1" + path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read()
            return response.status, (json.loads(text) if text else {})
        finally:
            connection.close()

    def upload(self, name: str, data: bytes) -> tuple[int, dict]:
        boundary = uuid.uuid4().hex
        form = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.call(
            "POST", "/uploads", raw=form, content_type=f"multipart/form-data; boundary={boundary}"
        )


@pytest.fixture
def server(env, tmp_path):
    """``dsa-monitor serve`` on a free port, killed at the end whatever happens."""
    db = store.open_database(env["DSA_MONITOR_DATABASE"])
    _, secret = tokens.create_token(db, "coordinator", "admin", user="setup")
    db.close()
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")
    process = subprocess.Popen(
        dsa_monitor("serve", "--port", str(port)), env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        client = Client(port, secret)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.call("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {(tmp_path / 'serve.log').read_text()}")
            time.sleep(0.1)
        yield client
    finally:
        process.kill()
        process.wait(timeout=10)
        log.close()


def fusion_file(sample_id: str, draw_date: dt.date, anti_a24: float) -> bytes:
    """A class I run of the patient's serum: background beads, plus the anti-A*24:02 bead."""
    panel = demo_panel("I")
    raw = [60.0, 18000.0] + [150.0] * (len(panel.beads) - 2)
    raw[next(i for i, b in enumerate(panel.beads) if "A*24:02" in b.alleles)] = anti_a24
    return write_fusion_csv(
        panel, [FusionSample(sample_id, "P-9001", draw_date, raw)], run_date=draw_date + dt.timedelta(days=2)
    )


def test_a_de_novo_dsa_travels_from_upload_to_api_and_mail(server, env, inbox):
    assert (
        server.call(
            "POST", "/studies", {"code": "E2E-01", "title": "End to end", "visit_schedule": SCHEDULE}
        )[0]
        == 201
    )
    status, recipient = server.call(
        "POST", "/recipients", {"study": "E2E-01", "subject_code": "E001", "lab_ids": ["P-9001"]}
    )
    assert status == 201, recipient
    status, donor = server.call("POST", "/donors", {"code": "CBU-9", "kind": "cord"})
    assert status == 201, donor
    rid, did = recipient["id"], donor["id"]
    assert server.call("PUT", f"/recipients/{rid}/typing", {"gl_string": RECIPIENT_TYPING})[0] in (200, 201)
    assert server.call("PUT", f"/donors/{did}/typing", {"gl_string": DONOR_TYPING})[0] in (200, 201)
    status, exposure = server.call(
        "POST",
        "/exposures",
        {"recipient_id": rid, "donor_ids": [did], "date": INFUSION.isoformat(), "kind": "infusion"},
    )
    assert status == 201, exposure
    for name, sample, day, mfi in (("baseline.csv", "E001-BL", -7, 150.0), ("m3.csv", "E001-M3", 91, 6000.0)):
        status, upload = server.upload(name, fusion_file(sample, INFUSION + dt.timedelta(day), mfi))
        assert status == 201, upload
    status, subscription = server.call("POST", "/subscriptions", {"email": CLINICIAN, "study": "E2E-01"})
    assert status == 201, subscription
    status, before = server.call("GET", f"/recipients/{rid}/dsa")
    assert (status, before["pending"], before["evaluations"]) == (200, True, [])

    run = subprocess.run(
        dsa_monitor("scheduler", "--once"), env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr

    status, answer = server.call("GET", f"/recipients/{rid}/dsa")
    assert (status, answer["pending"]) == (200, False)
    [evaluation] = answer["evaluations"]
    [dsa] = [d for d in evaluation["dsa"] if d["antigen"] == "A*24:02"]
    m3 = next(s for s in dsa["states"] if s["visit"] == "M3")
    assert (dsa["origin"], m3["status"], m3["positive"]) == ("de_novo", "de_novo", True)
    status, page = server.call("GET", "/events?study=E2E-01&kind=de_novo")
    assert status == 200
    [event] = page["events"]
    assert (event["subject_code"], event["antigen"], event["visit"], page["next"]) == (
        "E001",
        "A*24:02",
        "M3",
        event["id"],
    )
    deadline = time.monotonic() + 15
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = inbox.messages
    assert message["To"] == CLINICIAN
    assert message["Subject"] == "[dsa-monitor] De novo DSA: E2E-01 E001, A*24:02 (M3)"
    status, acknowledged = server.call("POST", f"/events/{event['id']}/acknowledge")
    assert (status, acknowledged["acknowledged_by"]) == (200, "coordinator")
