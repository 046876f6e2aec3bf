"""What an alert says when its ground moved: an assay change between sera, a correction's real
cause (a re-typed donor is not a corrected upload), and a scheduler run with a failed recipient."""

from __future__ import annotations

import re

import pytest
from evaluation.worked_sera import BASELINE, M1, M3, STUDY, make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.alerts import subscribe
from dsa_monitor.demo.seed import store_typing

DOCTOR = "transplant-md@hospital.example"


@pytest.fixture
def wx(world):
    ids = make_world(world.db)
    subscribe(world.db, DOCTOR, study=STUDY, user="admin")
    return ids


def text_of(message) -> str:
    return " ".join(message.get_body(("plain",)).get_content().split())


def mailed(world, heading):
    return [m for m in world.server.messages if m["Subject"].startswith(f"[dsa-monitor] {heading}")]


def test_a_change_across_a_lot_change_says_so_in_the_event_and_the_email(world, wx, cli):
    upload_serum(world.db, "WX-1-BL", BASELINE, lot="001")
    upload_serum(world.db, "WX-1-M1", M1, lot="002", mfi={"B*07:02": 5000.0})
    upload_serum(world.db, "WX-1-M3", M3, lot="001")
    run = cli("scheduler", "--once")
    assert run.returncode == 0, run.stderr
    for heading, before, after in (("De novo DSA", "001", "002"), ("Resolved DSA", "002", "001")):
        [message] = mailed(world, heading)
        text = text_of(message)
        said = re.search(r"Assay changed from (.+?) to (.+?): compare with care\.", text)
        assert said, text
        assert f"_{before}_" in said[1] and f"_{after}_" in said[2]
        assert "Assay change: assay changed from" in text
    events = {e["kind"]: e for e in store.list_events(world.db, recipient_id=wx["WX-1"])}
    assert events["de_novo"]["payload"]["assay_change"].endswith(": compare with care")


def test_no_assay_change_no_warning(world, wx, cli):
    upload_serum(world.db, "WX-1-BL", BASELINE)
    upload_serum(world.db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    assert cli("scheduler", "--once").returncode == 0
    [message] = mailed(world, "De novo DSA")
    assert "Assay change" not in text_of(message)


def test_a_correction_after_a_donor_retyping_names_that_cause_and_the_new_state(world, wx, cli):
    upload_serum(world.db, "WX-1-BL", BASELINE)
    upload_serum(world.db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    assert cli("scheduler", "--once").returncode == 0
    [alert] = mailed(world, "De novo DSA")
    store_typing(
        world.db, "donor", wx["D-1"], "A*02:01+A*03:01^B*35:01+B*44:02^DRB1*15:01+DRB1*04:01", user="lab"
    )
    assert cli("scheduler", "--once").returncode == 0
    [correction] = mailed(world, "Correction")
    text = text_of(correction)
    assert "The donor's HLA typing changed: this withdraws the De novo DSA alert of" in text
    assert "(B*07:02 at visit M1)" in text
    assert "Now: not called a DSA in any serum of this exposure." in text
    assert "corrected upload" not in text
    assert "Withdrawn MFI: 5,000" in text and "Cause: the donor's HLA typing changed" in text


def test_a_correction_after_a_corrected_upload_gives_the_new_value(world, wx, cli):
    upload_serum(world.db, "WX-1-BL", BASELINE)
    upload_serum(world.db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    upload_serum(world.db, "WX-1-M3", M3, mfi={"B*07:02": 6000.0})
    assert cli("scheduler", "--once").returncode == 0
    upload_serum(world.db, "WX-1-M1", M1, mfi={"B*07:02": 400.0})  # the lab's corrected run
    assert cli("scheduler", "--once").returncode == 0
    texts = {m["Subject"]: text_of(m) for m in mailed(world, "Correction")}
    m1 = texts[f"[dsa-monitor] Correction: {STUDY} WX-1, B*07:02 (M1)"]
    assert "A corrected upload replaced serum results: this withdraws the De novo DSA" in m1
    assert "Now: negative, MFI 400 (negative)." in m1
    m3 = texts[f"[dsa-monitor] Correction: {STUDY} WX-1, B*07:02 (M3)"]
    assert "withdraws the Persistent DSA alert" in m3 and "Now: de novo, MFI 6,000 (moderate)." in m3


def test_a_recipient_that_fails_makes_the_once_run_fail_and_the_others_are_alerted(world, wx, cli):
    other = store.create_recipient(world.db, STUDY, "WX-2", lab_ids=["P2"], user="setup")["id"]
    store_typing(
        world.db, "recipient", other, "A*01:01+A*02:01^B*08:01+B*44:02^DRB1*03:01+DRB1*15:01", user="setup"
    )
    store.create_exposure(world.db, other, [wx["D-1"]], BASELINE, "infusion", user="setup")
    upload_serum(world.db, "WX-1-BL", BASELINE)
    upload_serum(world.db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    upload_serum(world.db, "WX-2-M1", M1, patient="P2", mfi={"B*07:02": 5000.0})
    with store.write_transaction(world.db):
        world.db.conn.execute("UPDATE samples SET draw_date = '2026-02-31' WHERE recipient_id = ?", (other,))
    run = cli("scheduler", "--once")
    assert run.returncode == 1
    assert (
        f"evaluate: failed: 2 recipient(s) evaluated, 1 change(s); 1 recipient(s) not"
        f" evaluated, retried on the next run: recipient {other}: ValueError"
    ) in run.stdout
    assert "Error: job(s) failed: evaluate\n" in run.stderr  # the overdue check went on
    assert "overdue: failed" not in run.stdout
    assert f"recipient {other} not evaluated: ValueError" in run.stderr  # logged with its id
    assert [m["Subject"] for m in mailed(world, "De novo DSA")] == [
        f"[dsa-monitor] De novo DSA: {STUDY} WX-1, B*07:02 (M1)"
    ]
