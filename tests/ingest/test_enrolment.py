"""Bulk enrolment from one CSV (ingest.enrolment): all or nothing, problems by line and column,
the same file twice changes nothing; the documented example file imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.ingest import EnrolmentRefused, enrol_file
from dsa_monitor.reference.service import embedded

EXAMPLE = Path(__file__).parents[2] / "docs" / "enrolment-example.csv"
HEADER = (
    "study,subject_code,lab_ids,recipient_typing,donor_code,donor_kind,donor_typing,"
    "exposure_date,exposure_kind\n"
)
TYPING = "HLA-A*02:01+HLA-A*24:02^HLA-B*44:02+HLA-B*07:02"


def enrol(db, text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return enrol_file(db, data, "sheet.csv", reference=embedded(), user="coord", **kwargs)


def refusal(db, text: str, **kwargs) -> list[tuple[int, str | None]]:
    with pytest.raises(EnrolmentRefused) as caught:
        enrol(db, text, **kwargs)
    assert caught.value.status == 422
    return [(p.line, p.column) for p in caught.value.problems]


def counts(db) -> tuple[int, ...]:
    return tuple(
        db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("recipients", "recipient_lab_ids", "donors", "typings", "exposures", "audit_log")
    )


@pytest.fixture
def fresh(tmp_path):
    database = store.open_database(tmp_path / "enrol.sqlite3")
    store.create_study(database, "CORD-01", user="setup")
    store.create_study(database, "KIDNEY-02", user="setup")
    yield database
    database.close()


def test_the_documented_example_enrols_a_double_cord_and_a_living_donor(fresh):
    result = enrol(fresh, EXAMPLE.read_bytes())
    assert (result.recipients, result.lab_ids, result.donors, result.typings, result.exposures) == (
        3,
        4,
        3,
        6,
        2,
    )
    r001 = store.studies.find_recipient(fresh, store.get_study(fresh, "CORD-01")["id"], "R001")
    assert r001["lab_ids"] == ["P-17", "LAB-0001"]
    (exposure,) = store.list_exposures(fresh, r001["id"])
    cords = {store.get_donor(fresh, "CBU-101")["id"], store.get_donor(fresh, "CBU-102")["id"]}
    assert (exposure["date"], exposure["kind"], set(exposure["donor_ids"])) == (
        "2024-01-05",
        "infusion",
        cords,
    )
    typing = store.current_typing(fresh, "donor", store.get_donor(fresh, "LD-7")["id"])
    assert typing["source"] == "enrolment" and typing["gl_string"].startswith("HLA-A*11:01")
    audit = store.list_audit(fresh, entity="enrolment_file")
    assert audit[0]["details"]["exposures"] == 2 and audit[0]["user"] == "coord"


def test_the_same_file_again_changes_nothing_and_says_so(fresh):
    enrol(fresh, EXAMPLE.read_bytes())
    before = counts(fresh)
    again = enrol(fresh, EXAMPLE.read_bytes())
    assert not again.changed and counts(fresh) == before
    assert "nothing changed" in again.summary()


def test_rows_already_enrolled_by_hand_are_completed_not_duplicated(db):
    result = enrol(db, HEADER + "CORD-01,R001,P-17;P-99,,,,,,\nCORD-01,R009,,,,,,,\n")
    assert (result.recipients, result.lab_ids) == (1, 1)
    assert store.get_recipient(db, 1)["lab_ids"] == ["P-17", "P-99"]


def test_every_problem_is_named_by_line_and_column_and_nothing_is_stored(fresh):
    before = counts(fresh)
    text = (
        HEADER
        + "\n".join(
            [
                "CORD-01,R001,,HLA-A*99:99,,,,,",  # 2 bad allele
                "NOPE,R002,,,,,,,",  # 3 unknown study
                "CORD-01,R003,,,CBU-1,cord,,2024-13-01,infusion",  # 4 not a date
                "CORD-01,R004,,,,,,2024-01-01,infusion",  # 5 exposure without donor
                "CORD-01,R005,,,CBU-2,kidney,,,",  # 6 unknown kind
                "CORD-01,,,,,,,,",  # 7 subject required
                "CORD-01,R006,,,CBU-3,cord,,2024-01-01,",  # 8 kind missing
                "CORD-01,R007,,,CBU-4,cord,,1066-10-14,transplant",  # 9 implausible date
            ]
        )
        + "\n"
    )
    assert refusal(fresh, text) == [
        (2, "recipient_typing"),
        (3, "study"),
        (4, "exposure_date"),
        (5, "exposure_date"),
        (5, "exposure_kind"),
        (6, "donor_kind"),
        (7, "subject_code"),
        (8, "exposure_kind"),
        (9, "exposure_date"),
    ]
    assert counts(fresh) == before


def test_the_message_names_file_line_column_and_reason(fresh):
    with pytest.raises(EnrolmentRefused) as caught:
        enrol(fresh, HEADER + "CORD-01,R001,,HLA-A*99:99,,,,,\n")
    assert (
        'sheet.csv, line 2, column recipient_typing: "A*99:99": no allele group A*99' in caught.value.message
    )
    assert caught.value.details["problems"][0]["line"] == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace("lab_ids", "lab_id"), [(1, "lab_id"), (1, "lab_ids")]),
        (HEADER.rstrip("\n") + ",notes\n", [(1, "notes")]),
        (HEADER.replace(",", ";"), [(1, None)]),
    ],
)
def test_the_columns_are_exactly_the_documented_ones(fresh, header, expected):
    assert refusal(fresh, header + "CORD-01,R001,,,,,,,\n") == expected
    assert refusal(fresh, "") == [(1, None)]


def test_rows_that_disagree_about_one_recipient_or_donor_are_refused(fresh):
    text = HEADER + (
        f"CORD-01,R001,,{TYPING},CBU-1,cord,,,\nCORD-01,R001,,HLA-A*01:01+HLA-A*03:01,CBU-1,living,,,\n"
    )
    assert refusal(fresh, text) == [(3, "recipient_typing"), (3, "donor_kind")]


def test_a_lab_id_of_another_recipient_rolls_back_the_whole_file(db):
    before = counts(db)
    assert refusal(db, HEADER + "CORD-01,R010,,,,,,,\nCORD-01,R011,P-17,,,,,,\n") == [(3, "lab_ids")]
    assert counts(db) == before


def test_a_donor_registered_with_another_kind_is_refused(fresh):
    store.create_donor(fresh, "CBU-1", kind="cord", user="setup")
    assert refusal(fresh, HEADER + "CORD-01,R001,,,CBU-1,living,,,\n") == [(2, "donor_kind")]


def test_a_scoped_caller_enrols_only_in_its_study(fresh):
    kidney = store.get_study(fresh, "KIDNEY-02")["id"]
    assert refusal(fresh, HEADER + "CORD-01,R001,,,,,,,\n", study_scope=kidney) == [(2, "study")]
    assert enrol(fresh, HEADER + "KIDNEY-02,K001,,,,,,,\n", study_scope=kidney).recipients == 1


def test_a_changed_typing_is_a_new_audited_version(fresh):
    enrol(fresh, HEADER + f"CORD-01,R001,,{TYPING},,,,,\n")
    changed = enrol(fresh, HEADER + "CORD-01,R001,,HLA-A*01:01+HLA-A*03:01,,,,,\n")
    assert changed.typings == 1
    rid = store.list_recipients(fresh)[0]["id"]
    assert [t["version"] for t in store.typing_history(fresh, "recipient", rid)] == [1, 2]
    entry = store.list_audit(fresh, entity="recipient", entity_id=rid)[0]
    assert entry["action"] == "set_typing" and entry["details"]["previous_gl_string"] == TYPING


def test_an_exposure_date_already_used_with_other_donors_is_refused(fresh):
    enrol(fresh, HEADER + "CORD-01,R001,,,CBU-1,cord,,2024-01-05,infusion\n")
    assert refusal(
        fresh,
        HEADER + "CORD-01,R001,,,CBU-1,cord,,2024-01-05,infusion\n"
        "CORD-01,R001,,,CBU-2,cord,,2024-01-05,infusion\n",
    ) == [(2, "exposure_date")]


def test_a_file_that_is_not_utf8_or_has_only_a_header_is_refused(fresh):
    assert refusal(fresh, HEADER) == [(2, None)]
    with pytest.raises(EnrolmentRefused, match="not UTF-8"):
        enrol(fresh, b"\xff\xfe" + HEADER.encode("utf-16-le"))
