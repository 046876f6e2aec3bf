import datetime as dt

import pytest

from dsa_monitor import store
from dsa_monitor.errors import Conflict, DSAMonitorError, NotFound
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.store.studies import find_recipients


@pytest.fixture
def db(tmp_path):
    """A migrated database in a real SQLite file."""
    database = store.open_database(tmp_path / "store.sqlite3")
    yield database
    database.close()


@pytest.fixture
def study(db):
    return store.create_study(
        db, "CORD-01", title="Cord blood", visit_schedule=[0, 30, 100], user="coordinator"
    )


def test_a_study_keeps_its_visit_schedule_and_refuses_a_second_code(db, study):
    assert store.get_study(db, "CORD-01")["visit_schedule"] == [0, 30, 100]
    with pytest.raises(Conflict, match="CORD-01"):
        store.create_study(db, "CORD-01", user="coordinator")


def test_a_recipient_keeps_the_labs_patient_ids(db, study):
    recipient = store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17", "12345"], user="lab")
    assert recipient["study_code"] == "CORD-01"
    assert recipient["lab_ids"] == ["P-17", "12345"]
    assert store.list_recipients(db, "CORD-01") == [recipient]


@pytest.mark.parametrize(
    "second_study, lab_id, conflict",
    [
        ("CORD-01", "P-17", True),  # unique within a study
        ("KIDNEY-02", "P-17", False),  # another study may reuse it
        ("CORD-01", "P-18", False),
    ],
)
def test_lab_ids_are_unique_per_study(db, study, second_study, lab_id, conflict):
    store.create_study(db, "KIDNEY-02", user="coordinator")
    store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="lab")
    if conflict:
        with pytest.raises(Conflict, match="P-17"):
            store.create_recipient(db, second_study, "R002", lab_ids=[lab_id], user="lab")
        assert [r["subject_code"] for r in store.list_recipients(db)] == ["R001"]  # all or nothing
    else:
        store.create_recipient(db, second_study, "R002", lab_ids=[lab_id], user="lab")
        assert len(store.list_recipients(db)) == 2


def test_patient_ids_find_recipients_by_lab_id_or_subject_code(db, study):
    one = store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="lab")
    two = store.create_recipient(db, "CORD-01", "R002", user="lab")
    assert find_recipients(db, {"P-17", "R002", "nobody"}) == {
        "P-17": {one["id"]},
        "R002": {two["id"]},
        "nobody": set(),
    }


@pytest.mark.parametrize("kind", ["cord", "living", "deceased", "other"])
def test_donor_kinds(db, kind):
    donor = store.create_donor(db, f"D-{kind}", kind=kind, user="lab")
    assert store.get_donor(db, f"D-{kind}") == donor


def test_an_unknown_donor_kind_is_refused(db):
    with pytest.raises(DSAMonitorError, match="sibling"):
        store.create_donor(db, "D1", kind="sibling", user="lab")
    assert store.list_donors(db) == []


def test_a_typing_change_adds_a_version_and_keeps_the_old_one(db, study):
    recipient = store.create_recipient(db, "CORD-01", "R001", user="lab")
    first = store.set_typing(
        db,
        "recipient",
        recipient["id"],
        "HLA-A*02:01+HLA-A*24:02",
        {"A": ["A*02:01", "A*24:02"]},
        "3.58.0",
        "lab report 1",
        "typist",
    )
    same = store.set_typing(
        db,
        "recipient",
        recipient["id"],
        "HLA-A*02:01+HLA-A*24:02",
        {"A": ["A*02:01", "A*24:02"]},
        "3.58.0",
        "lab report 1 again",
        "typist",
    )
    second = store.set_typing(
        db,
        "recipient",
        recipient["id"],
        "HLA-A*02:01+HLA-A*24:03",
        {"A": ["A*02:01", "A*24:03"]},
        "3.58.0",
        "retyping",
        "reviewer",
    )
    assert (first["version"], same["version"], second["version"]) == (1, 1, 2)
    history = store.typing_history(db, "recipient", recipient["id"])
    assert [(t["version"], t["gl_string"], t["created_by"]) for t in history] == [
        (1, "HLA-A*02:01+HLA-A*24:02", "typist"),
        (2, "HLA-A*02:01+HLA-A*24:03", "reviewer"),
    ]
    assert history[1]["typing"] == {"A": ["A*02:01", "A*24:03"]}
    assert store.current_typing(db, "recipient", recipient["id"])["version"] == 2
    audited = store.list_audit(db, entity="recipient", entity_id=recipient["id"])
    changes = [a for a in audited if a["action"] == "set_typing"]
    assert [(a["user"], a["details"]["previous_gl_string"]) for a in changes] == [
        ("reviewer", "HLA-A*02:01+HLA-A*24:02"),
        ("typist", None),
    ]


def test_the_audit_of_a_serologic_typing_says_what_changed(db, study):
    recipient = store.create_recipient(db, "CORD-01", "R001", user="lab")
    for loci in ({"A": ["A2", "A24"], "B": ["B44", "Bw4"]}, {"A": ["A2", "A23"], "B": ["B44"]}):
        typing = HLATyping.from_loci(loci)
        store.set_typing(db, "recipient", recipient["id"], "", typing.to_dict(), None, "lab", "typist")
    audited = [
        a
        for a in store.list_audit(db, entity="recipient", entity_id=recipient["id"])
        if a["action"] == "set_typing"
    ]
    latest = audited[0]["details"]
    assert latest["gl_string"] == "" and latest["loci"] == {"A": ["A2", "A23"], "B": ["B44", "B44"]}
    assert latest["previous_loci"] == {"A": ["A2", "A24"], "B": ["B44", "B44", "Bw4"]}


def test_a_typing_needs_an_existing_owner(db):
    with pytest.raises(NotFound):
        store.set_typing(db, "donor", 99, "HLA-A*01:01", {}, "3.58.0", "x", "lab")


def test_an_exposure_joins_a_recipient_to_its_donors(db, study):
    recipient = store.create_recipient(db, "CORD-01", "R001", user="lab")
    cords = [store.create_donor(db, f"CBU-{i}", kind="cord", user="lab")["id"] for i in (1, 2)]
    exposure = store.create_exposure(db, recipient["id"], cords, dt.date(2024, 3, 1), "infusion", user="lab")
    assert exposure["donor_ids"] == sorted(cords)
    assert exposure["date"] == "2024-03-01"
    assert store.list_exposures(db, recipient["id"]) == [exposure]


def test_an_exposure_to_an_unknown_donor_stores_nothing(db, study):
    recipient = store.create_recipient(db, "CORD-01", "R001", user="lab")
    with pytest.raises(NotFound, match="donor 42"):
        store.create_exposure(db, recipient["id"], [42], dt.date(2024, 3, 1), "transplant", user="lab")
    assert store.list_exposures(db, recipient["id"]) == []


def test_every_write_is_audited_with_who_and_when(db, study):
    store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-1"], user="lab")
    store.create_donor(db, "D1", kind="living", user="coordinator")
    entries = store.list_audit(db)
    assert [(e["action"], e["entity"], e["user"]) for e in reversed(entries)] == [
        ("create", "study", "coordinator"),
        ("create", "recipient", "lab"),
        ("add_lab_id", "recipient", "lab"),
        ("create", "donor", "coordinator"),
    ]
    assert all(dt.datetime.fromisoformat(e["at"]).utcoffset() == dt.timedelta(0) for e in entries)
