"""A run file sent again after a lab ID was added: the samples it listed as not enrolled are
stored now, into the first upload; nothing is stored twice and nothing waiting is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from evaluation.worked_sera import M3, make_world

from dsa_monitor import store
from dsa_monitor.demo.fusion_writer import FusionSample, write_fusion_csv
from dsa_monitor.demo.trial import demo_panel
from dsa_monitor.ingest import import_upload


@pytest.fixture
def db(tmp_path):
    database = store.open_database(tmp_path / "resend.sqlite3")
    yield database
    database.close()


def run_file() -> bytes:
    """The day's run: WX-1's serum (lab ID P1) and a serum of patient P9, enrolled later."""
    panel = demo_panel("I")
    raw = [60.0, 18000.0] + [210.0] * (len(panel.beads) - 2)
    return write_fusion_csv(
        panel,
        [FusionSample("S-WX1-M3", "P1", M3, raw), FusionSample("S-P9-M3", "P9", M3, raw)],
        run_date=M3 + dt.timedelta(days=1),
    )


def test_a_sample_not_enrolled_then_is_stored_when_the_file_comes_again(db):
    ids = make_world(db, subjects=("WX-1", "WX-2"))
    data = run_file()
    first = import_upload(db, data, "run.csv", user="lab")
    assert [s.lab_sample_id for s in first.samples] == ["S-WX1-M3"]
    assert [(e["sample_id"], e["reason"]) for e in first.not_stored] == [("S-P9-M3", "not enrolled")]

    store.add_lab_id(db, ids["WX-2"], "P9", user="coordinator")
    second = import_upload(db, data, "run (again).csv", user="lab")
    assert second.outcome == "stored" and second.upload_id == first.upload_id
    assert [(s.lab_sample_id, s.recipient_id) for s in second.samples] == [("S-P9-M3", ids["WX-2"])]
    assert second.not_stored == [] and "not enrolled then, are stored now" in second.warnings[0]
    kept = store.get_upload(db, first.upload_id)["summary"]
    assert [s["lab_sample_id"] for s in kept["samples"]] == ["S-WX1-M3", "S-P9-M3"]
    assert kept["not_stored"] == []
    stored = store.list_samples(db, recipient_id=ids["WX-2"])
    assert [s["upload_id"] for s in stored] == [first.upload_id]

    third = import_upload(db, data, "run.csv", user="lab")
    assert third.outcome == "duplicate" and len(third.samples) == 2
    assert len(store.list_samples(db, recipient_id=ids["WX-1"])) == 1


def test_a_file_sent_again_whose_waiting_samples_are_still_not_enrolled_is_a_duplicate(db):
    make_world(db, subjects=("WX-1",))
    data = run_file()
    first = import_upload(db, data, "run.csv", user="lab")
    again = import_upload(db, data, "run.csv", user="lab")
    assert again.outcome == "duplicate" and again.duplicate_of == first.upload_id
    assert [e["sample_id"] for e in again.not_stored] == ["S-P9-M3"]
