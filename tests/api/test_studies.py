"""Studies and recipients: created, listed, fetched; bad input is a 422 naming the field."""

import pytest

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API

RULE = (
    ": use 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit"
    " (it appears in addresses)"
)


def test_a_study_is_created_with_its_visit_schedule_and_audited(client, admin, db):
    body = {
        "code": "CAR-T-03",
        "title": "CAR-T",
        "visit_schedule": [{"name": "D30", "day": 30, "window_days": 7}],
    }
    response = client.post(f"{API}/studies", json=body, headers=admin)
    assert response.status_code == 201
    study = response.get_json()
    assert (study["code"], study["title"], study["visit_schedule"]) == (
        "CAR-T-03",
        "CAR-T",
        [{"name": "D30", "day": 30, "window_days": 7}],
    )
    assert study["created_at"].endswith("+00:00")
    fetched = client.get(f"{API}/studies/CAR-T-03", headers=admin).get_json()
    assert fetched == study
    audit = store.list_audit(db, entity="study", entity_id=study["id"])
    assert [(a["action"], a["user"]) for a in audit] == [("create", "admin-all-0")]


def test_studies_are_listed_by_code(client, admin, world):
    response = client.get(f"{API}/studies", headers=admin)
    assert [s["code"] for s in response.get_json()["studies"]] == ["CORD-01", "KIDNEY-02"]


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({}, "code", "Missing data for required field."),
        ({"code": ""}, "code", "study code ''" + RULE),
        ({"code": " S1"}, "code", "study code ' S1'" + RULE),
        ({"code": "A/B"}, "code", "study code 'A/B'" + RULE),  # /studies/A/B: no such page
        ({"code": "MSC SLE"}, "code", "study code 'MSC SLE'" + RULE),
        ({"code": "S" * 41}, "code", f"study code {'S' * 41!r}" + RULE),
        ({"code": 7}, "code", "Not a valid string."),
        ({"code": "S1", "colour": "red"}, "colour", "Unknown field."),
        (
            {"code": "S1", "visit_schedule": [{"name": "D30", "day": "30", "window_days": 7}]},
            "visit_schedule",
            {"0": {"day": ["Not a valid integer."]}},
        ),
        (
            {"code": "S1", "visit_schedule": [{"name": "D30", "day": 30, "window_days": -1}]},
            "visit_schedule",
            {"0": {"window_days": ["Must be greater than or equal to 0 and less than or equal to 36500."]}},
        ),
    ],
)
def test_an_invalid_study_is_a_422_naming_the_field(client, admin, body, field, message):
    response = client.post(f"{API}/studies", json=body, headers=admin)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    details = error["details"][field]
    assert (details == message) if isinstance(message, dict) else (message in details)


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("{}", "text/plain"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_422(client, admin, data, content_type):
    response = client.post(f"{API}/studies", data=data, content_type=content_type, headers=admin)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "visits, message",
    [
        (
            [{"name": "M1", "day": 30, "window_days": 7}, {"name": "M1", "day": 91, "window_days": 7}],
            "visit names must be unique",
        ),
        ([{"name": "baseline", "day": 0, "window_days": 7}], "not 'baseline'"),
    ],
)
def test_a_visit_schedule_the_evaluation_cannot_read_is_refused(client, admin, db, visits, message):
    response = client.post(f"{API}/studies", json={"code": "S9", "visit_schedule": visits}, headers=admin)
    assert response.status_code == 422 and message in response.get_json()["error"]["message"]
    assert [s["code"] for s in store.list_studies(db)] == []


def test_a_study_code_twice_is_a_409(client, admin, world):
    response = client.post(f"{API}/studies", json={"code": "CORD-01"}, headers=admin)
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "conflict",
        "message": "study 'CORD-01' already exists",
        "details": {"study": "CORD-01"},
    }


def test_an_unknown_study_is_a_404(client, admin):
    response = client.get(f"{API}/studies/NOPE", headers=admin)
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


def test_a_recipient_is_enrolled_with_lab_ids_and_fetched(client, admin, world, db):
    body = {"study": "CORD-01", "subject_code": "R003", "lab_ids": ["P-20", "LAB-20"]}
    response = client.post(f"{API}/recipients", json=body, headers=admin)
    assert response.status_code == 201
    recipient = response.get_json()
    assert {k: recipient[k] for k in ("study", "subject_code", "lab_ids", "created_by")} == {
        "study": "CORD-01",
        "subject_code": "R003",
        "lab_ids": ["P-20", "LAB-20"],
        "created_by": "admin-all-0",
    }
    assert client.get(f"{API}/recipients/{recipient['id']}", headers=admin).get_json() == recipient
    actions = [a["action"] for a in store.list_audit(db, entity="recipient", entity_id=recipient["id"])]
    assert sorted(actions) == ["add_lab_id", "add_lab_id", "create"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["R001", "R002", "K001"]),
        ("?study=CORD-01", ["R001", "R002"]),
        ("?study=KIDNEY-02", ["K001"]),
    ],
)
def test_recipients_are_listed_by_study(client, admin, world, query, expected):
    response = client.get(f"{API}/recipients{query}", headers=admin)
    assert [r["subject_code"] for r in response.get_json()["recipients"]] == expected


def test_recipients_are_listed_page_by_page(client, admin, world):
    first = client.get(f"{API}/recipients?limit=2", headers=admin).get_json()
    assert ([r["subject_code"] for r in first["recipients"]], first["total"], first["next_offset"]) == (
        ["R001", "R002"],
        3,
        2,
    )
    last = client.get(f"{API}/recipients?limit=2&offset=2", headers=admin).get_json()
    assert ([r["subject_code"] for r in last["recipients"]], last["next_offset"]) == (["K001"], None)
    assert client.get(f"{API}/recipients?limit=0", headers=admin).status_code == 422


@pytest.mark.parametrize("subject", ["LUP\u202e99", "Z\u200b1", "A\x00B"])
def test_a_code_with_an_invisible_character_is_refused(client, admin, world, subject):
    response = client.post(
        f"{API}/recipients", headers=admin, json={"study": "CORD-01", "subject_code": subject}
    )
    assert response.status_code == 422
    assert "subject_code" in response.get_json()["error"]["details"]


@pytest.mark.parametrize(
    "body, status, where",
    [
        ({"study": "CORD-01"}, 422, "subject_code"),
        ({"study": "CORD-01", "subject_code": "R009", "lab_ids": "P-1"}, 422, "lab_ids"),
        ({"study": "CORD-01", "subject_code": "R009", "lab_ids": [""]}, 422, "lab_ids"),
        ({"study": "NOPE", "subject_code": "R009"}, 404, "study"),
        ({"study": "CORD-01", "subject_code": "R001"}, 409, "subject_code"),
        ({"study": "KIDNEY-02", "subject_code": "K009", "lab_ids": ["P-17", "P-17"]}, 409, "lab_id"),
    ],
)
def test_a_recipient_that_cannot_be_enrolled(client, admin, world, db, body, status, where):
    response = client.post(f"{API}/recipients", json=body, headers=admin)
    assert response.status_code == status
    assert where in response.get_json()["error"]["details"]
    assert len(store.list_recipients(db)) == 3  # nothing half-made


def test_an_unknown_recipient_or_query_field(client, admin, world):
    assert client.get(f"{API}/recipients/999", headers=admin).status_code == 404
    response = client.get(f"{API}/recipients?colour=red", headers=admin)
    assert response.status_code == 422
    assert "colour" in response.get_json()["error"]["details"]


def test_a_lab_id_added_after_enrolment_places_later_files_and_is_audited(client, admin, world, db, token):
    path = f"{API}/recipients/{world['R002']}/lab_ids"
    added = client.post(path, json={"lab_id": "25s1001"}, headers=admin)
    assert added.status_code == 201 and "25s1001" in added.get_json()["lab_ids"]
    again = client.post(
        f"{API}/recipients/{world['R001']}/lab_ids", json={"lab_id": "25s1001"}, headers=admin
    )
    assert again.status_code == 409  # one ID, one recipient of the study
    audit = store.list_audit(db, entity="recipient", entity_id=world["R002"])
    assert ("add_lab_id", {"lab_id": "25s1001"}) in [(a["action"], a["details"]) for a in audit]
    other = token("admin", study="KIDNEY-02")
    assert client.post(path, json={"lab_id": "x1"}, headers=other).status_code == 404
    clinician = token("clinician")
    assert client.post(path, json={"lab_id": "x2"}, headers=clinician).status_code == 403
