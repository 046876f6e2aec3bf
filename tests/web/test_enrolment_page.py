"""The enrolment page: a coordinator sends the CSV, sees what was enrolled or each problem."""

from __future__ import annotations

import io
from pathlib import Path

from dsa_monitor import store

EXAMPLE = Path(__file__).parents[2] / "docs" / "enrolment-example.csv"


def post(client, csrf_of, data: bytes):
    token = csrf_of(client.get("/enrolments").text)
    return client.post(
        "/enrolments",
        data={"csrf_token": token, "file": (io.BytesIO(data), "sheet.csv")},
        content_type="multipart/form-data",
    )


def test_a_coordinator_enrols_from_the_page_and_again_nothing_changes(db, signed_in, csrf_of):
    store.create_study(db, "CORD-01", user="setup")
    client = signed_in("coordinator", "CORD-01")
    assert 'href="/enrolments"' in client.get("/enrolments").text
    first = post(client, csrf_of, EXAMPLE.read_bytes())
    assert first.status_code == 201 and "added 3 recipients" in first.text
    again = post(client, csrf_of, EXAMPLE.read_bytes())
    assert again.status_code == 200 and "Nothing changed" in again.text


def test_a_refused_file_shows_each_problem_with_line_and_column(db, signed_in, csrf_of):
    client = signed_in("admin")
    refused = post(client, csrf_of, EXAMPLE.read_bytes())
    assert refused.status_code == 422
    assert '<td class="line">2</td><td class="column">study</td>' in refused.text
    assert store.list_recipients(db) == []


def test_a_lab_finds_the_typing_and_lab_id_forms_but_may_not_enrol(db, signed_in, csrf_of):
    lab = signed_in("lab")
    page = lab.get("/enrolments").text
    assert 'href="/enrol/typing"' in page and 'href="/lab-ids/new"' in page
    assert 'href="/enrol/recipient"' not in page and 'name="file"' not in page
    refused = lab.post(
        "/enrolments",
        data={"csrf_token": csrf_of(page), "file": (io.BytesIO(EXAMPLE.read_bytes()), "e.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403 and store.list_recipients(db) == []
    assert signed_in("clinician").get("/enrolments").status_code == 403
