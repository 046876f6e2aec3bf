"""POST /api/v1/enrolments: the enrolment CSV through HTTP (multipart ``file``)."""

from __future__ import annotations

import io
from pathlib import Path

from dsa_monitor import store

EXAMPLE = Path(__file__).parents[2] / "docs" / "enrolment-example.csv"
HEADER = (
    "study,subject_code,lab_ids,recipient_typing,donor_code,donor_kind,donor_typing,"
    "exposure_date,exposure_kind\n"
)


def send(client, headers, data: bytes, name: str = "sheet.csv"):
    return client.post(
        "/api/v1/enrolments",
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_coordinator_enrols_the_example_then_sending_it_again_changes_nothing(client, db, token):
    store.create_study(db, "CORD-01", user="setup")
    coordinator = token("coordinator", "CORD-01")
    first = send(client, coordinator, EXAMPLE.read_bytes(), "enrolment-example.csv")
    assert first.status_code == 201, first.json
    assert first.json["recipients"] == 3 and first.json["exposures"] == 2
    again = send(client, coordinator, EXAMPLE.read_bytes(), "enrolment-example.csv")
    assert again.status_code == 200
    assert again.json["changed"] is False and "nothing changed" in again.json["message"]
    listed = client.get("/api/v1/recipients?study=CORD-01", headers=coordinator).json
    assert [r["subject_code"] for r in listed["recipients"]] == ["R001", "R002", "R003"]


def test_a_refused_file_is_a_422_listing_problems_by_line_and_column(client, db, admin):
    store.create_study(db, "CORD-01", user="setup")
    response = send(
        client,
        admin,
        (HEADER + "CORD-01,R001,,HLA-A*99:99,,,,,\nCORD-01,R002,,,D1,,,2024-01-01,infusion\n").encode(),
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "enrolment_refused"
    assert [(p["line"], p["column"]) for p in error["details"]["problems"]] == [
        (2, "recipient_typing"),
        (3, "donor_kind"),
    ]
    assert "sheet.csv, line 2, column recipient_typing" in error["message"]
    assert store.list_recipients(db) == []


def test_a_scoped_token_cannot_enrol_in_another_study_and_a_lab_cannot_enrol(client, db, token):
    store.create_study(db, "CORD-01", user="setup")
    store.create_study(db, "KIDNEY-02", user="setup")
    kidney = token("coordinator", "KIDNEY-02")
    refused = send(client, kidney, (HEADER + "CORD-01,R001,,,,,,,\n").encode())
    assert refused.status_code == 422
    assert refused.json["error"]["details"]["problems"][0]["column"] == "study"
    assert send(client, token("lab"), (HEADER + "CORD-01,R001,,,,,,,\n").encode()).status_code == 403


def test_without_a_file_part_or_with_binary_garbage_no_500(client, admin):
    missing = client.post("/api/v1/enrolments", headers=admin, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert send(client, admin, b"\x00\xff\xfe garbage").status_code == 422
