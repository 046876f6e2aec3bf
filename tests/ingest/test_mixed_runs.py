"""A run file holds more than the study: enrolled recipients' samples are stored (all or none of
them), control sera and other patients are listed as not stored, near-miss IDs are warned."""

import pytest
from run_files import run_file

from dsa_monitor import store
from dsa_monitor.errors import UnknownPatient
from dsa_monitor.ingest import import_upload

DAY = run_file(
    ("P-17", "S1"), ("P-99", "S2"), ("", "LS-NC 026"), ("", "PPS 008 1/2"), ("R002", "S3"), ("p 17", "S4")
)


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_enrolled_samples_are_stored_and_every_other_is_listed_with_its_reason(db):
    result = import_upload(db, DAY, "day.csv", user="lab")
    r001, r002 = (r["id"] for r in store.list_recipients(db, "CORD-01"))
    assert [(s.lab_sample_id, s.recipient_id) for s in result.samples] == [("S1", r001), ("S3", r002)]
    assert [(e["sample_id"], e["reason"]) for e in result.to_dict()["not_stored"]] == [
        ("S2", "not enrolled"),
        ("LS-NC 026", "control serum"),
        ("PPS 008 1/2", "control serum"),
        ("S4", "not enrolled"),
    ]
    assert count(db, "samples") == 2
    stored = store.get_upload(db, result.upload_id)
    assert [e["sample_id"] for e in stored["summary"]["not_stored"]] == [
        "S2",
        "LS-NC 026",
        "PPS 008 1/2",
        "S4",
    ]


def test_a_sample_id_nearly_an_enrolled_lab_id_is_warned_naming_both(db):
    result = import_upload(db, DAY, "day.csv", user="lab")
    near = [w for w in result.warnings if "nearly" in w]
    assert near == [
        "sample S4 was not stored (not enrolled), but 'p 17' is nearly the lab ID 'P-17' of"
        " CORD-01 R001: check the sample's ID (a typo would hide this serum's results)"
    ]
    assert result.not_stored[-1]["near"] == ["P-17"]


def test_a_file_with_no_enrolled_recipient_is_refused_saying_so(db):
    with pytest.raises(UnknownPatient) as raised:
        import_upload(db, run_file(("P-99", "S2"), ("", "LS-NC 026")), "other.csv", user="lab")
    assert raised.value.message == (
        "other.csv: no sample belongs to an enrolled recipient (sample S2 of patient P-99: not"
        " enrolled; sample LS-NC 026: control serum); enrol the recipients or add these IDs as"
        " their lab IDs first"
    )
    assert [e["reason"] for e in raised.value.details["not_stored"]] == ["not enrolled", "control serum"]
    assert count(db, "samples") == 0
    assert store.list_uploads(db)[0]["outcome"] == "rejected"


def test_strict_per_upload_refuses_the_file_but_skips_control_sera(db):
    with pytest.raises(UnknownPatient, match=r"unknown patient IDs: P-99, p 17 \(strict"):
        import_upload(db, DAY, "day.csv", user="lab", strict=True)
    assert count(db, "samples") == 0
    controls = run_file(("P-17", "S1"), ("", "LS-NC 026"))
    assert len(import_upload(db, controls, "c.csv", user="lab", strict=True).samples) == 1


def test_a_study_taking_strict_uploads_refuses_a_file_with_strays(db):
    db.execute("UPDATE studies SET strict_uploads = 1 WHERE code = 'CORD-01'")
    with pytest.raises(
        UnknownPatient,
        match="study CORD-01 takes strict uploads: every sample"
        " must belong to an enrolled recipient; not"
        " enrolled: S2, S4",
    ):
        import_upload(db, DAY, "day.csv", user="lab")
    assert count(db, "samples") == 0


def test_the_labs_own_control_pattern_names_its_controls(db):
    result = import_upload(
        db, run_file(("P-17", "S1"), ("", "QC-POOL-3")), "q.csv", user="lab", control_pattern=r"^QC-POOL"
    )
    assert [(e["sample_id"], e["reason"]) for e in result.not_stored] == [("QC-POOL-3", "control serum")]


def test_a_sample_is_placed_by_its_sample_name_when_its_patient_id_is_unknown(db):
    store.add_lab_id(db, store.list_recipients(db, "CORD-01")[1]["id"], "ACC-5", user="lab")
    result = import_upload(db, run_file(("P-17", "S1"), ("6430019", "ACC-5")), "a.csv", user="lab")
    assert [s.lab_sample_id for s in result.samples] == ["S1", "ACC-5"]
    assert (
        "sample ACC-5: its patient ID 6430019 is not enrolled; placed by its sample name,"
        " which is a recipient's lab ID"
    ) in result.warnings


def test_a_scoped_upload_names_no_other_studys_ids(db):
    store.create_study(db, "KIDNEY-02", user="coordinator")
    store.create_recipient(db, "KIDNEY-02", "K1", lab_ids=["P-99"], user="coordinator")
    result = import_upload(db, run_file(("P-17", "S1"), ("P-98", "S2")), "k.csv", user="lab", study="CORD-01")
    assert not [w for w in result.warnings if "nearly" in w]  # P-99 is another study's
    assert [e["reason"] for e in result.not_stored] == ["not enrolled"]
