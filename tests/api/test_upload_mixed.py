"""The API answers what a mixed run file stored and what not (``not_stored`` with reasons); a
file of no enrolled recipient is a 422; ``strict``, ``study`` and ``date_format`` per upload."""

import io

import pytest
from run_files import run_file

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API

DAY = run_file(("P-17", "S1"), ("P-99", "S2"), ("", "LS-NC 026"), ("", "PPS 008 1/2"))


def upload(client, headers, data, name="day.csv", **fields):
    return client.post(f"{API}/uploads", data={"file": (io.BytesIO(data), name), **fields},
                       headers=headers, content_type="multipart/form-data")


@pytest.fixture
def lab(token):
    return token("lab", name="lab-bench")


def test_not_stored_samples_are_listed_with_their_reasons(client, lab, world, db):
    response = upload(client, lab, DAY)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert [s["lab_sample_id"] for s in answer["samples"]] == ["S1"]
    assert [(e["sample_id"], e["reason"]) for e in answer["not_stored"]] == [
        ("S2", "not enrolled"), ("LS-NC 026", "control serum"), ("PPS 008 1/2", "control serum")]
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
    assert [e["reason"] for e in error["details"]["not_stored"]] == [
        "not enrolled", "control serum"]
    assert store.list_samples(db) == []


def test_strict_refuses_the_whole_file(client, lab, world, db):
    response = upload(client, lab, DAY, strict="true")
    assert response.status_code == 422
    assert "unknown patient IDs: P-99 (strict upload" in response.get_json()["error"]["message"]
    assert store.list_samples(db) == []


def test_the_study_named_places_within_it_and_remembers_the_date_layout(client, lab, world,
                                                                        db):
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
    assert ("dates read as DD-MM-YYYY, the date layout remembered for the study"
            in later.get_json()["warnings"])


def test_a_scoped_token_may_not_name_another_study(client, token, world):
    kidney = token("lab", study="KIDNEY-02")
    assert upload(client, kidney, DAY, study="CORD-01").status_code == 404
