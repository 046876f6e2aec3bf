"""The 414 of an over-long request line, through real server processes (issue 16): gunicorn as the
README deploys it (``wsgi:app``) and ``dsa-monitor serve``. Each answers 414 just past the limit
the OpenAPI document states for it, and a line at the limit reaches the API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.api.spec import REQUEST_LINE_LIMITS, build_spec

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_of(port: int, line: bytes) -> int:
    """The status a raw request with this request line gets (no client library in between)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = connection.makefile("rb").readline()
    return int(answer.split()[1])


def request_line(length: int) -> bytes:
    """``GET /api/v1/recipients?study=xxx... HTTP/1.1`` of exactly ``length`` bytes."""
    head, tail = f"GET {API}/recipients?study=".encode(), b" HTTP/1.1"
    return head + b"x" * (length - len(head) - len(tail)) + tail


@pytest.fixture
def served(tmp_path):
    """Start a server command on a free port; its port once it answers. Stopped afterwards."""
    database = tmp_path / "served.sqlite3"
    store.open_database(str(database)).close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSA_MONITOR_")}
    env.update(DSA_MONITOR_DATABASE=str(database), DSA_MONITOR_REFERENCE_DIR=str(tmp_path / "reference"))
    started: list[subprocess.Popen] = []

    def serve(server: str) -> int:
        port = free_port()
        command = (
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"]
            if server == "gunicorn"
            else [
                sys.executable,
                "-c",
                "from dsa_monitor.cli import main; main()",
                "serve",
                "--port",
                str(port),
            ]
        )
        started.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if status_of(port, f"GET {API}/health HTTP/1.1".encode()) == 200:
                    return port
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"{server} did not answer within 30 s")

    yield serve
    for process in started:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("server", sorted(REQUEST_LINE_LIMITS))
def test_an_over_long_request_line_is_the_documented_414(served, server):
    if server == "gunicorn" and not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this environment")
    limit = REQUEST_LINE_LIMITS[server]
    port = served(server)
    documented = build_spec()["paths"]["/recipients"]["get"]["responses"]
    assert f"{limit:,} bytes under {server}" in documented["414"]["description"]
    assert status_of(port, request_line(limit)) == 401  # reached the API: no token
    assert status_of(port, request_line(limit + 1)) == 414
    assert all(
        "414" in op["responses"] for methods in build_spec()["paths"].values() for op in methods.values()
    )
