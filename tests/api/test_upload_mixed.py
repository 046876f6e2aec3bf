"""The API answers what a mixed run file stored and what not (``not_stored`` with reasons); a
file of no enrolled recipient is a 422; ``strict``, ``study`` and ``date_format`` per upload."""

import io

import pytest
from run_files import run_file

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.sab import formats

DAY = run_file(("P-17", "S1"), ("P-99", "S2"), ("", "LS-NC 026"), ("", "PPS 008 1/2"))


def upload(client, headers, data, name="day.csv", **fields):
    return client.post(
        f"{API}/uploads",
        data={"file": (io.BytesIO(data), name), **fields},
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def lab(token):
    return token("lab", name="lab-bench")


def test_not_stored_samples_are_listed_with_their_reasons(client, lab, world, db):
    response = upload(client, lab, DAY)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert [s["lab_sample_id"] for s in answer["samples"]] == ["S1"]
    assert [(e["sample_id"], e["reason"]) for e in answer["not_stored"]] == [
        ("S2", "not enrolled"),
        ("LS-NC 026", "control serum"),
        ("PPS 008 1/2", "control serum"),
    ]
    fetched = client.get(f"{API}/uploads/{answer['upload_id']}", headers=lab).get_json()
    assert fetched["not_stored"] == answer["not_stored"]
    again = upload(client, lab, DAY).get_json()
    assert (again["outcome"], again["not_stored"]) == ("duplicate", answer["not_stored"])


def test_a_file_with_no_enrolled_sample_is_a_422_that_says_so(client, lab, world, db):
    response = upload(client, lab, run_file(("P-99", "S2"), ("", "LS-NC 026")))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unknown_patient"
    assert "no sample belongs to an enrolled recipient" in error["message"]
    assert [e["reason"] for e in error["details"]["not_stored"]] == ["not enrolled", "control serum"]
    assert store.list_samples(db) == []


def test_strict_refuses_the_whole_file(client, lab, world, db):
    response = upload(client, lab, DAY, strict="true")
    assert response.status_code == 422
    assert "unknown patient IDs: P-99 (strict upload" in response.get_json()["error"]["message"]
    assert store.list_samples(db) == []


def test_the_study_named_places_within_it_and_remembers_the_date_layout(client, lab, world, db):
    ambiguous = run_file(("P-17", "S1"), ("K001", "S5")).replace(b"2024-03-25", b"04-03-2024")
    unread = upload(client, lab, ambiguous, "a.csv", study="CORD-01")
    assert unread.status_code == 422 and "ambiguous date" in unread.get_json()["error"]["message"]
    read = upload(client, lab, ambiguous, "b.csv", study="CORD-01", date_format="DD-MM-YYYY")
    assert read.status_code == 201, read.get_json()
    answer = read.get_json()
    assert [s["lab_sample_id"] for s in answer["samples"]] == ["S1"]  # K001 is KIDNEY-02's
    assert [e["sample_id"] for e in answer["not_stored"]] == ["S5"]
    assert store.get_study(db, "CORD-01")["date_layout"] == "DD-MM-YYYY"
    later = upload(client, lab, ambiguous.replace(b'"S1"', b'"S7"'), "c.csv", study="CORD-01")
    assert later.status_code == 201
    assert (
        "dates read as DD-MM-YYYY, the date layout remembered for the study" in later.get_json()["warnings"]
    )


def test_a_scoped_token_may_not_name_another_study(client, token, world):
    kidney = token("lab", study="KIDNEY-02")
    assert upload(client, kidney, DAY, study="CORD-01").status_code == 404


# ---- an upload naming no study: the layout its recipients' studies remember, when they agree ----

# 04-03-2024: the 4th of March day-first, the 3rd of April month-first.
CORD_ONLY = run_file(("P-17", "S1"), ("P-99", "S2")).replace(b"2024-03-25", b"04-03-2024")
BOTH = run_file(("P-17", "S1"), ("K001", "S5")).replace(b"2024-03-25", b"04-03-2024")


def remember(db, **layouts):
    for code, layout in layouts.items():
        store.studies.update_study(db, code.replace("_", "-"), {"date_layout": layout}, user="setup")


def dates(answer) -> dict[str, str]:
    return {s["lab_sample_id"]: s["draw_date"] for s in answer["samples"]}


def ambiguous(response) -> bool:
    return response.status_code == 422 and "ambiguous date" in response.get_json()["error"]["message"]


def test_no_study_named_reads_with_the_layout_of_the_recipients_study(client, lab, world, db):
    remember(db, CORD_01="MM-DD-YYYY", KIDNEY_02="DD-MM-YYYY")  # KIDNEY-02's is not asked
    response = upload(client, lab, CORD_ONLY)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert dates(answer) == {"S1": "2024-04-03"}
    assert (
        "dates read as MM-DD-YYYY, the date layout remembered for the studies of its recipients"
    ) in answer["warnings"]
    assert store.get_study(db, "CORD-01")["date_layout"] == "MM-DD-YYYY"  # unchanged


def readings_counted(monkeypatch) -> list[str]:
    """The date formats each reading of an uploaded file was made with, in order."""
    made: list[str] = []
    real = formats.parse_file

    def counted(data, file_name, **kwargs):
        made.append(kwargs["options"].date_format)
        return real(data, file_name, **kwargs)

    monkeypatch.setattr(formats, "parse_file", counted)
    return made


def test_no_study_named_studies_that_agree_read_the_file_together(client, lab, world, db, monkeypatch):
    remember(db, CORD_01="DD-MM-YYYY", KIDNEY_02="DD-MM-YYYY")
    made = readings_counted(monkeypatch)
    response = upload(client, lab, BOTH)
    assert response.status_code == 201, response.get_json()
    assert dates(response.get_json()) == {"S1": "2024-03-04", "S5": "2024-03-04"}
    assert made == ["%d-%m-%Y"]  # the reading that found the layout is the upload's: read once


def test_a_first_reading_with_another_layout_is_not_the_uploads(client, lab, world, db, monkeypatch):
    remember(db, CORD_01="MM-DD-YYYY", KIDNEY_02="DD-MM-YYYY")  # read first day-first: not CORD-01's
    made = readings_counted(monkeypatch)
    response = upload(client, lab, CORD_ONLY)
    assert response.status_code == 201, response.get_json()
    assert dates(response.get_json()) == {"S1": "2024-04-03"}
    assert made == ["%d-%m-%Y", "%m-%d-%Y"]


@pytest.mark.parametrize("kidney", ["MM-DD-YYYY", None])
def test_no_study_named_studies_that_disagree_or_remember_none_ask(client, lab, world, db, kidney):
    remember(db, CORD_01="DD-MM-YYYY", KIDNEY_02=kidney)
    assert ambiguous(upload(client, lab, BOTH))
    assert store.list_samples(db) == []
    chosen = upload(client, lab, BOTH, date_format="MM-DD-YYYY")  # the choice still decides
    assert chosen.status_code == 201, chosen.get_json()
    assert dates(chosen.get_json()) == {"S1": "2024-04-03", "S5": "2024-04-03"}


def test_no_study_named_and_nothing_remembered_asks_as_before(client, lab, world, db):
    assert ambiguous(upload(client, lab, CORD_ONLY))
    assert store.list_samples(db) == []
