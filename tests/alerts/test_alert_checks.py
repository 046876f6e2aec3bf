import datetime as dt

import pytest
from reference_paths import TEST_DATA

from dsa_monitor import store
from dsa_monitor.alerts import run_once, subscribe
from dsa_monitor.alerts.overdue import overdue_visit_facts
from dsa_monitor.ingest import import_upload
from dsa_monitor.store import events as stored_events

PC_FAILED = TEST_DATA / "ingest" / "fusion_pc_failed.csv"
TWO_SAMPLES = TEST_DATA / "ingest" / "fusion_two_samples.csv"
TODAY = dt.datetime.now(dt.UTC).date()


def upload(world, path, **options):
    return import_upload(world.db, path.read_bytes(), path.name, user="lab", **options)


def test_a_qc_failed_sample_is_told_to_the_laboratory_once(world, cli):
    result = upload(world, PC_FAILED)
    [sample] = result.samples
    assert sample.qc_status == "fail"
    first = cli("scheduler", "--once")
    assert first.returncode == 0, first.stderr
    assert "qc: samples 1..1: 1 QC-failure event(s)" in first.stdout
    # The same file again is recognised: nothing new is stored, nothing more is sent.
    assert upload(world, PC_FAILED).outcome == "duplicate"
    assert cli("scheduler", "--once").returncode == 0
    [event] = stored_events.list_events(world.db, kind="qc_failure")
    assert (event["recipient_id"], event["sample_id"]) == (world.recipient["id"], sample.sample_id)
    # the key stays (it makes the event unique); people read the label (issue 14)
    assert event["visit"] == "sample S24-003 (class II, lot LS2A01NC21_013_00, neat)"
    [email] = world.server.messages
    assert email["To"] == world.to.lab
    assert email["Subject"] == (
        "[dsa-monitor] QC failure: CORD-01 R001 (S24-003, class II run, drawn 2024-04-02)"
    )
    text = email.get_body(("plain",)).get_content()
    assert "Sample S24-003 of CORD-01 R001 failed quality control" in text
    assert "Run:" in text and "S24-003, class II run, drawn 2024-04-02" in text
    assert "QC reasons:" in text
    # the file's name is not the reason, and may hold a person's name: never in an e-mail
    assert "fusion_pc_failed.csv" not in text and "lot LS2A01NC21_013_00, neat" not in text


def test_samples_that_pass_qc_make_no_event_and_move_the_watermark(world):
    store.create_recipient(world.db, "CORD-01", "R002", user="coordinator")
    upload(world, TWO_SAMPLES)
    assert run_once(world.app, wait=1)["qc"] == "samples 1..2: 0 QC-failure event(s)"
    upload(world, PC_FAILED)
    assert run_once(world.app, wait=1)["qc"] == "samples 3..3: 1 QC-failure event(s)"
    assert run_once(world.app, wait=1)["qc"] == "no new samples"


SCHEDULE = [{"name": "M1", "day": 30, "window_days": 7}, {"name": "M3", "day": 91, "window_days": 14}]


@pytest.fixture
def followed(world):
    """Recipient T01 of study TRIAL-02 (M1, M3), lab ID P-17, exposed 60 days ago."""
    store.create_study(world.db, "TRIAL-02", visit_schedule=SCHEDULE, user="coordinator")
    recipient = store.create_recipient(world.db, "TRIAL-02", "T01", user="coordinator")
    store.create_exposure(
        world.db,
        recipient["id"],
        [world.donor["id"]],
        TODAY - dt.timedelta(days=60),
        "infusion",
        user="coordinator",
    )
    subscribe(world.db, world.to.coordinator, study="TRIAL-02", kinds=["overdue_visit"], user="admin")
    return recipient


def facts(world, max_age_days=30):
    return [
        (f.recipient_id, f.visit, f.payload["reason"])
        for f in overdue_visit_facts(world.db, today=TODAY, max_age_days=max_age_days)
    ]


def test_a_visit_window_closed_without_a_sample_is_overdue(world, followed):
    exposure = store.list_exposures(world.db, followed["id"])[0]
    # CORD-01's R001 was exposed in 2024: its visits closed long ago and are not alerted.
    assert facts(world) == [(followed["id"], f"M1@exposure{exposure['id']}", "no sample")]
    assert facts(world, max_age_days=10) == []  # M1 closed 23 days ago


@pytest.mark.parametrize(
    ("day", "status", "expected"),
    [
        (31, "pass", []),
        (31, "fail", ["only QC-failed samples"]),
        (45, "pass", ["no sample"]),  # outside M1's window (day 23 to 37)
    ],
)
def test_a_usable_sample_in_the_window_fulfils_the_visit(world, followed, day, status, expected):
    store.add_lab_id(world.db, followed["id"], "T-01", user="coordinator")
    path = PC_FAILED if status == "fail" else TWO_SAMPLES
    data = path.read_bytes().replace(b'"P-17"', b'"T-01"')
    for run_date in (b'"2024-03-25"', b'"2024-04-02"'):  # tested after it is drawn
        data = data.replace(run_date, f'"{TODAY.isoformat()}"'.encode())
    drawn = TODAY - dt.timedelta(days=60) + dt.timedelta(days=day)
    names = ["S24-003"] if status == "fail" else ["S24-001", "S24-002"]
    if status == "pass":  # S24-002 belongs to R002 (no such subject here): keep S24-001 only
        data = b"\n".join(line for line in data.split(b"\n") if b"S24-002" not in line)
    result = import_upload(world.db, data, "visit.csv", user="lab", manifest={name: drawn for name in names})
    assert [s.qc_status for s in result.samples] == [status]
    assert [reason for _, _, reason in facts(world)] == expected


def test_the_coordinator_is_told_once_of_an_overdue_visit(world, followed, cli):
    for _ in range(2):
        assert cli("scheduler", "--once").returncode == 0
    [email] = world.server.messages
    assert email["To"] == world.to.coordinator
    assert email["Subject"] == "[dsa-monitor] Overdue visit: TRIAL-02 T01 (M1)"
    text = email.get_body(("plain",)).get_content()
    window_closes = TODAY - dt.timedelta(days=60) + dt.timedelta(days=37)
    assert f"Visit window:  {window_closes - dt.timedelta(days=14)} to {window_closes}" in text
    assert "Reason:        no sample" in text


def test_a_corrected_upload_that_passes_qc_withdraws_the_qc_alert(world):
    failed = PC_FAILED.read_bytes()
    upload(world, PC_FAILED)
    run_once(world.app, wait=1)
    # A second correction that still fails is the same fact: nothing is sent or withdrawn.
    still_failing = failed.replace(b'"120";"70"', b'"121";"71"')
    assert import_upload(world.db, still_failing, "again.csv", user="lab").superseded
    assert run_once(world.app, wait=1)["qc"] == "samples 2..2: 0 QC-failure event(s)"
    passing = failed.replace(b'"300";"250"', b'"18000";"17950"')
    result = import_upload(world.db, passing, "fixed.csv", user="lab")
    assert [s.qc_status for s in result.samples] != ["fail"]
    assert run_once(world.app, wait=1)["qc"] == (
        "samples 3..3: 0 QC-failure event(s), 1 withdrawn by a corrected upload"
    )
    assert run_once(world.app, wait=1)["qc"] == "no new samples"
    [correction, failure] = stored_events.list_events(world.db)
    assert (correction["kind"], correction["corrects"]) == ("correction", failure["id"])
    assert failure["withdrawn_by"] == correction["id"]
    first, second = world.server.messages
    assert [first["To"], second["To"]] == [world.to.lab, world.to.lab]
    assert second["Subject"] == "[dsa-monitor] Correction: CORD-01 R001 (S24-003)"
    text = second.get_body(("plain",)).get_content()
    assert "withdraws the QC failure alert of" in text and "fixed.csv" not in text
