"""``dsa-monitor demo --no-serve``: the newcomer's study built, evaluated, alerted, summarised."""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.demo import build as demo
from dsa_monitor.demo.summary import summarise
from dsa_monitor.demo.trial import SCHEDULE, demo_trial
from dsa_monitor.sab.formats import parse_file
from dsa_monitor.sab.qc import evaluate_qc
from dsa_monitor.store import users

PORT = 5123  # the demo is built for it (never bound by --no-serve)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One demo built through the command (the slow part, shared by the tests below)."""
    folder = tmp_path_factory.mktemp("demo") / "tour"
    started = time.monotonic()
    result = CliRunner().invoke(
        main,
        ["demo", "--no-serve", "--dir", str(folder), "--port", str(PORT)],
        env={"DSA_MONITOR_DATABASE": str(folder.parent / "prod.sqlite3")},
    )
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output + repr(result.exception)
    return folder, result.output, seconds


def test_the_demo_is_built_fast_in_its_own_folder(built):
    folder, output, seconds = built
    assert seconds < 15
    assert {p.name for p in folder.iterdir()} >= {"demo.sqlite3", "files", "mail", "demo.json"}
    assert not (folder.parent / "prod.sqlite3").exists()  # the configured database untouched
    assert len(list((folder / "files").glob("fusion_*_class*.csv"))) == 12


@pytest.mark.parametrize(
    "line",
    [
        "8 recipients, 47 sera evaluated",
        "  baseline  8 sera, 1 with DSA, 1 preformed",
        "  M3        8 sera, 2 with DSA, 1 de novo",
        "  M6        8 sera, 2 with DSA, 2 rising, 1 QC failure",
        "  M12       7 sera, 2 with DSA, 1 overdue",
        "  de novo DSA: LUP-03 anti-A*24:02 (donor UC-MSC-03) at M3, MFI 2590",
        "  preformed DSA, rising: LUP-01 anti-A*03:01 (donor UC-MSC-01), MFI 1402 at baseline,"
        " rising at M6, M9",
        "  QC failure: LUP-05 M6 class I (PC bead raw MFI 375.94 below the minimum 1000)",
        "  preformed DSA alert: LUP-01 anti-A*03:01 at baseline",
        "  report: de novo DSA in 1 of 8 recipients, at M3",
    ],
)
def test_the_summary_names_each_case(built, line):
    assert line in built[1].splitlines()


def test_the_third_party_antibody_is_named(built):
    [line] = [x for x in built[1].splitlines() if "third-party" in x]
    assert re.fullmatch(
        r"  third-party antibody: LUP-06 anti-B\*08:01 at baseline, MFI 3\d{3}:"
        r" not donor-specific \(serum page\)",
        line,
    )


def test_the_overdue_visit_is_the_last_recipients_m12(built):
    folder, output, _ = built
    account = json.loads((folder / "demo.json").read_text())
    closes = dt.date.fromisoformat(account["as_of"]) - dt.timedelta(days=6)
    assert f"  overdue visit: LUP-08 M12 (no sample; window closed {closes})" in output


def test_the_stored_evaluations_hold_the_cases(built):
    folder, _, _ = built
    db = store.open_database(folder / "demo.sqlite3")
    try:
        results, summary = demo.demo_summary(db)
        failed = [s for s in store.list_samples(db) if s["qc_status"] == "fail"]
    finally:
        db.close()
    by_subject = {r.subject_code: r.summary() for r in results}
    assert len(by_subject) == 8
    assert {code for code, s in by_subject.items() if s["dsa"]} == {"LUP-01", "LUP-03"}
    assert (by_subject["LUP-01"]["preformed"], by_subject["LUP-01"]["rising"]) == (1, 2)
    assert (by_subject["LUP-03"]["de_novo"], by_subject["LUP-03"]["preformed"]) == (1, 0)
    assert by_subject["LUP-08"]["overdue"] == ["M12"]
    assert [v for code, s in by_subject.items() if code != "LUP-08" for v in s["overdue"]] == []
    assert [(s["lab_sample_id"], s["hla_class"]) for s in failed] == [("LUP-05-M6", "I")]
    assert summary.found["de_novo"] == [("LUP-03", "A*24:02", "M3")]
    assert summary.found["qc_failure"] == [("LUP-05", "I", "M6")]


def test_the_scheduler_wrote_the_alerts_as_eml_files(built):
    folder, output, _ = built
    messages = [email.message_from_bytes(p.read_bytes()) for p in (folder / "mail").glob("*.eml")]
    subjects = {m["Subject"] for m in messages}
    assert "[dsa-monitor] De novo DSA: MSC-SLE LUP-03, A*24:02 (M3)" in subjects
    # the QC failure's run by its label, never its key (issue 14); the demo is dated from today
    assert any(
        s.startswith("[dsa-monitor] QC failure: MSC-SLE LUP-05 (LUP-05-M6, class I run, drawn ")
        for s in subjects
    )
    assert "[dsa-monitor] Overdue visit: MSC-SLE LUP-08 (M12)" in subjects
    assert "[dsa-monitor] Preformed DSA: MSC-SLE LUP-01, A*03:01 (baseline)" in subjects
    assert {m["To"] for m in messages} == {"clinician@example.org"}
    assert f"e-mails: {len(messages)} .eml file(s) in {folder / 'mail'}" in output
    assert "scheduler run once: evaluate: 8 recipient(s) evaluated" in output
    assert f"deliver: {len(messages)} sent, 0 to retry, 0 dead" in output


def test_the_printed_sign_in_works(built):
    folder, output, _ = built
    account = json.loads((folder / "demo.json").read_text())
    assert (
        f"web: open http://127.0.0.1:{PORT}/studies/MSC-SLE and sign in as demo@example.org"
        f" with password {account['password']}"
    ) in output.splitlines()
    db = store.open_database(folder / "demo.sqlite3")
    try:
        assert users.sign_in(db, "demo@example.org", account["password"])["role"] == "admin"
    finally:
        db.close()


def _sign_in(output: str) -> str:
    [line] = [x for x in output.splitlines() if x.startswith("web: open")]
    return line.split(" sign in as ")[1]


def _contents(database):
    db = store.open_database(database)
    try:
        return (
            [(u["id"], u["uploaded_at"]) for u in store.list_uploads(db)],
            db.conn.execute("SELECT count(*), max(at) FROM audit_log").fetchone(),
        )
    finally:
        db.close()


def test_a_second_run_without_force_does_not_rebuild(built):
    folder, first, _ = built
    database = folder / "demo.sqlite3"
    mails = sorted(p.name for p in (folder / "mail").iterdir())
    before = _contents(database)
    again = CliRunner().invoke(main, ["demo", "--no-serve", "--dir", str(folder)])
    assert again.exit_code == 0, again.output
    assert again.output.startswith(f"demo already built in {folder}")
    assert _contents(database) == before and len(before[0]) == 12
    assert sorted(p.name for p in (folder / "mail").iterdir()) == mails
    assert "  de novo DSA: LUP-03 anti-A*24:02 (donor UC-MSC-03) at M3, MFI 2590" in again.output
    assert _sign_in(again.output) == _sign_in(first)


def test_force_rebuilds_with_a_new_password(tmp_path):
    folder = tmp_path / "tour"
    first = CliRunner().invoke(main, ["demo", "--no-serve", "--dir", str(folder)])
    password = json.loads((folder / "demo.json").read_text())["password"]
    rebuilt = CliRunner().invoke(main, ["demo", "--no-serve", "--force", "--dir", str(folder)])
    assert (first.exit_code, rebuilt.exit_code) == (0, 0), rebuilt.output
    assert rebuilt.output.startswith(f"building the demo in {folder}")
    assert json.loads((folder / "demo.json").read_text())["password"] != password
    db = store.open_database(folder / "demo.sqlite3")
    try:
        assert len(store.list_recipients(db)) == 8 and len(store.list_uploads(db)) == 12
    finally:
        db.close()


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_with_other_files_is_never_cleared(tmp_path, force):
    (tmp_path / "thesis.docx").write_bytes(b"mine")
    result = CliRunner().invoke(
        main, ["demo", "--no-serve", "--dir", str(tmp_path), *(["--force"] if force else [])]
    )
    assert result.exit_code == 1
    assert "holds files no demo wrote (thesis.docx)" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]


def test_an_unfinished_demo_is_rebuilt_only_when_forced(tmp_path):
    (tmp_path / "demo.sqlite3").write_bytes(b"")
    refused = CliRunner().invoke(main, ["demo", "--no-serve", "--dir", str(tmp_path)])
    assert refused.exit_code == 1 and "holds an unfinished demo; --force rebuilds it" in refused.output
    forced = CliRunner().invoke(main, ["demo", "--no-serve", "--force", "--dir", str(tmp_path)])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "demo.json").is_file()


def test_the_demo_trial_is_dated_from_today():
    today = dt.date(2026, 11, 25)
    trial = demo_trial(today)
    assert trial.as_of == today and len(trial.recipients) == 8 and len(trial.sera) == 47
    assert {(s.subject_code, s.visit) for s in trial.sera} >= {("LUP-08", "M9")}
    assert ("LUP-08", "M12") not in {(s.subject_code, s.visit) for s in trial.sera}
    assert max(s.date for s in trial.sera) < today
    assert demo_trial(today).files == trial.files


def test_the_qc_failed_run_has_a_low_pc_bead():
    trial = demo_trial(dt.date(2026, 11, 25))
    (data,) = [data for name, data in trial.files if name == "fusion_M6_classI.csv"]
    verdicts = {s.sample_id: evaluate_qc(s) for s in parse_file(data, "m6.csv").samples}
    assert [k for k, v in verdicts.items() if v.status == "fail"] == ["LUP-05-M6"]
    assert "PC bead" in verdicts["LUP-05-M6"].reasons[0]


def test_summarise_with_nothing_evaluated():
    summary = summarise([], {}, [v["name"] for v in SCHEDULE])
    assert summary.lines()[:3] == [
        "0 recipients, 0 sera evaluated",
        "per visit:",
        "  baseline  0 sera, 0 with DSA",
    ]
    assert summary.cases == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_is_served_and_its_sign_in_opens_the_study(built):
    folder, _, _ = built
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dsa_monitor.cli", "demo", "--dir", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        deadline = time.monotonic() + 10
        while True:
            try:
                form = opener.open(f"{base}/sign-in", timeout=2).read().decode()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "not serving"
                time.sleep(0.05)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
        account = json.loads((folder / "demo.json").read_text())
        body = urllib.parse.urlencode(
            {"csrf_token": token, "email": account["email"], "password": account["password"], "next": ""}
        ).encode()
        opener.open(f"{base}/sign-in", data=body, timeout=5).read()
        page = opener.open(f"{base}/studies/MSC-SLE", timeout=5).read().decode()
        assert "LUP-03" in page and "LUP-08" in page
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"sign in as demo@example.org with password {account['password']}" in output


# ---- the port in the e-mail links, and the folder's next steps --------------------------------


def test_the_e_mail_links_open_the_port_the_demo_serves(built):
    folder, output, _ = built
    texts = [p.read_text() for p in (folder / "mail").glob("*.eml")]
    links = {link for text in texts for link in re.findall(r"https?://[^\s/\"<>]+", text)}
    assert links == {f"http://127.0.0.1:{PORT}"}
    assert "their links open" not in output  # built for this port: nothing to warn about


def _line(folder, command: str) -> str:
    """The line of the folder's next-steps.txt that runs ``dsa-monitor COMMAND``."""
    lines = (folder / "next-steps.txt").read_text().splitlines()
    [line] = [x.strip() for x in lines if x.rstrip().endswith(f"dsa-monitor {command}")]
    return line


def _run(line: str, configured) -> subprocess.CompletedProcess:
    """A line of next-steps.txt in a shell whose own settings name another database."""
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "DSA_MONITOR_DATABASE": str(configured),
        "DSA_MONITOR_SMTP_HOST": "smtp.invalid",
    }
    return subprocess.run(["sh", "-c", line], env=env, capture_output=True, text=True, timeout=60)


def _again(folder, port: int) -> str:
    """``demo --no-serve`` on the built demo for that port: its output (next-steps.txt rewritten)."""
    again = CliRunner().invoke(main, ["demo", "--no-serve", "--dir", str(folder), "--port", str(port)])
    assert again.exit_code == 0, again.output
    return again.output


def test_the_next_steps_run_the_scheduler_audit_and_ack_on_the_demo(built, tmp_path):
    folder = built[0]
    output = _again(folder, PORT)
    steps = (folder / "next-steps.txt").read_text()
    assert f"next: {folder / 'next-steps.txt'} says how to run other commands" in output
    assert f"  dsa-monitor demo --dir {folder} --host 127.0.0.1 --port {PORT}" in steps
    assert f"then open http://127.0.0.1:{PORT}/studies/MSC-SLE" in steps
    configured = tmp_path / "configured.sqlite3"
    database = folder / "demo.sqlite3"
    db = store.open_database(database)
    try:
        event = store.list_events(db, kind="de_novo")[0]["id"]
    finally:
        db.close()

    ack = _run(_line(folder, "alerts ack N").replace(" N", f" {event} --user coordinator"), configured)
    assert ack.returncode == 0, ack.stderr
    once = _run(_line(folder, "scheduler --once"), configured)
    assert once.returncode == 0, once.stderr
    assert "evaluate: 0 recipient(s) evaluated" in once.stdout
    audit = _run(_line(folder, "audit"), configured)
    assert audit.returncode == 0, audit.stderr
    assert "acknowledge" in audit.stdout and "coordinator" in audit.stdout
    assert not configured.exists()  # the configured database never touched (nor its SMTP)
    db = store.open_database(database)
    try:
        assert store.get_event(db, event)["acknowledged_by"] == "coordinator"
    finally:
        db.close()


def test_served_on_another_port_the_next_steps_follow_and_the_old_links_are_said(built):
    folder, _, _ = built
    other = PORT + 1
    output = _again(folder, other)
    assert (
        f"  (their links open http://127.0.0.1:{PORT}, where the demo was built to be"
        f" served; --force rebuilds it for http://127.0.0.1:{other})"
    ) in output
    steps = (folder / "next-steps.txt").read_text()
    assert (
        f"--port {other}" in steps
        and f"DSA_MONITOR_BASE_URL=http://127.0.0.1:{other} " in steps
        and f":{PORT}" not in steps
    )


def test_a_next_steps_file_of_someone_else_is_never_overwritten(tmp_path):
    (tmp_path / "next-steps.txt").write_text("my own plans\n")
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "holds files no demo wrote (next-steps.txt)" in result.output
    assert (tmp_path / "next-steps.txt").read_text() == "my own plans\n"
