"""The README's curl tour, run line by line against a real server, so that it never goes stale.

``dsa-monitor init`` then ``dsa-monitor serve`` on a free port of 127.0.0.1 with a fresh database;
each line of the tour's block is run by bash from the repository's folder, with the token it
creates and the server's address in place of 127.0.0.1:5000. The tour must end with the DSA it
promises: A*24:02 de novo at M3, and its alert queued.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def tour_lines() -> list[str]:
    """The commands of the block under "### The API with curl", continuation lines joined."""
    section = README[README.index("### The API with curl") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines, pending = [], ""
    for line in block.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined = (pending + line).strip()
        pending = ""
        if joined and not joined.startswith("#"):
            lines.append(joined)
    return lines


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def service(tmp_path):
    """A fresh database, initialised, and ``dsa-monitor serve`` on it (killed at the end)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSA_MONITOR_")}
    env.update(
        {
            "DSA_MONITOR_DATABASE": str(tmp_path / "tour.sqlite3"),
            "DSA_MONITOR_REFERENCE_DIR": str(tmp_path / "reference"),
            "DSA_MONITOR_MAIL_DIR": str(tmp_path / "mail"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    subprocess.run(["dsa-monitor", "init"], env=env, check=True, capture_output=True, timeout=60)
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")
    server = subprocess.Popen(
        ["dsa-monitor", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "serve.log").read_text())
            time.sleep(0.1)
    try:
        yield env, url, tmp_path
    finally:
        server.kill()
        server.wait(timeout=10)
        log.close()


def test_the_readme_tour_ends_with_a_de_novo_dsa(service):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed: the tour's lines are curl commands")
    env, url, folder = service
    lines = tour_lines()
    assert lines[0].startswith("dsa-monitor token create") and lines[1].startswith("export TOKEN")
    made = subprocess.run(
        lines[0],
        shell=True,
        executable="/bin/bash",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    env = {**env, "TOKEN": made.stdout.strip()}
    answers = []
    for line in lines[2:]:
        done = subprocess.run(
            line.replace("http://127.0.0.1:5000", url),
            shell=True,
            executable="/bin/bash",
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (line, done.stdout, done.stderr)
        answers.append((line, done.stdout))
    for line, output in answers:
        if line.startswith("curl") and "openapi" not in line:
            assert '"error"' not in output, (line, output)
    reading = json.loads(next(out for line, out in answers if "/recipients/1/dsa" in line))
    [evaluation] = reading["evaluations"]
    dsa = {d["antigen"]: d for d in evaluation["dsa"]}
    assert dsa["A*24:02"]["origin"] == "de_novo"
    assert [v["visit"] for v in evaluation["visits"]] == ["baseline", "M3"]
    mails = list((folder / "mail").glob("*.eml"))
    assert any("A*24:02" in mail.read_text(errors="replace") for mail in mails), mails
