"""The coordinator: creates and edits studies (``PATCH /studies/{code}``; a schedule change
marks the study's recipients for the scheduler's next evaluation run), enrols recipients,
registers donors, enters typings and exposures, within its study scope; labs add lab IDs."""

import pytest

from dsa_monitor import store
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.api import PREFIX as API
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded

SCHEDULE = [{"name": "M1", "day": 30, "window_days": 7}, {"name": "M3", "day": 90, "window_days": 14}]


@pytest.fixture
def coordinator(token, world):
    return token("coordinator", study="CORD-01")


def test_a_coordinator_of_every_study_creates_one(client, token, db):
    response = client.post(
        f"{API}/studies", headers=token("coordinator"), json={"code": "NEW-1", "visit_schedule": SCHEDULE}
    )
    assert response.status_code == 201
    assert response.get_json()["strict_uploads"] is False


def test_a_scoped_coordinator_edits_its_study_only(client, coordinator, world, db):
    edited = client.patch(
        f"{API}/studies/CORD-01",
        headers=coordinator,
        json={
            "title": "Cord blood, phase II",
            "strict_uploads": True,
            "date_layout": "dd-mm-yyyy",
            "control_pattern": "^QC-",
        },
    )
    assert edited.status_code == 200, edited.get_json()
    body = edited.get_json()
    assert (
        body["title"],
        body["strict_uploads"],
        body["date_layout"],
        body["control_pattern"],
        body["reevaluated"],
    ) == ("Cord blood, phase II", True, "DD-MM-YYYY", "^QC-", 0)
    assert (
        client.patch(f"{API}/studies/KIDNEY-02", headers=coordinator, json={"title": "x"}).status_code == 404
    )
    assert client.post(f"{API}/studies", headers=coordinator, json={"code": "OTHER"}).status_code == 403
    trail = store.list_audit(db, entity="study", entity_id=body["id"])
    assert trail[0]["details"]["title"] == {"was": "Cord blood", "now": "Cord blood, phase II"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"visit_schedule": [{"name": "baseline", "day": 0, "window_days": 1}]}, None),
        ({"date_layout": "YY/MM"}, None),
        ({"control_pattern": "(QC"}, None),
        ({"code": "RENAMED"}, "code"),
        ({"strict_uploads": "perhaps"}, "strict_uploads"),
    ],
)
def test_an_invalid_edit_is_refused_and_changes_nothing(client, coordinator, world, db, change, field):
    response = client.patch(f"{API}/studies/CORD-01", headers=coordinator, json=change)
    assert response.status_code in (400, 422), response.get_json()
    if field:
        assert field in response.get_json()["error"]["details"]
    study = store.get_study(db, "CORD-01")
    assert (study["title"], study["visit_schedule"], study["date_layout"]) == ("Cord blood", [], None)


def test_a_schedule_change_marks_the_studys_recipients_for_the_next_run(client, coordinator, world, db):
    evaluate_pending(db, reference=embedded(), record=record_changes)  # nothing else pending
    response = client.patch(f"{API}/studies/CORD-01", headers=coordinator, json={"visit_schedule": SCHEDULE})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reevaluated"] == 2
    (exposure,) = store.list_exposures(db, world["R001"])
    before = store.latest_evaluation(db, world["R001"], exposure["id"], world["CBU-1"])
    run = evaluate_pending(db, reference=embedded(), record=record_changes, user="scheduler")
    assert world["R001"] in run and store.studies.requested_evaluations(db) == []
    after = store.latest_evaluation(db, world["R001"], exposure["id"], world["CBU-1"])
    assert after["id"] != before["id"] and after["created_by"] == "scheduler"
    assert evaluate_pending(db, reference=embedded(), record=record_changes) == []
    unchanged = client.patch(f"{API}/studies/CORD-01", headers=coordinator, json={"visit_schedule": SCHEDULE})
    assert unchanged.get_json()["reevaluated"] == 0


def test_a_coordinator_enrols_registers_donors_and_exposures_in_its_study(client, coordinator, world, db):
    recipient = client.post(
        f"{API}/recipients",
        headers=coordinator,
        json={"study": "CORD-01", "subject_code": "R003", "lab_ids": ["P-30"]},
    )
    assert recipient.status_code == 201, recipient.get_json()
    other = client.post(
        f"{API}/recipients", headers=coordinator, json={"study": "KIDNEY-02", "subject_code": "K9"}
    )
    assert other.status_code == 404
    donor = client.post(f"{API}/donors", headers=coordinator, json={"code": "CBU-7", "kind": "cord"})
    assert donor.status_code == 201, donor.get_json()


def test_a_lab_adds_a_lab_id_but_enrols_nobody(client, token, world):
    lab = token("lab")
    added = client.post(f"{API}/recipients/{world['R002']}/lab_ids", headers=lab, json={"lab_id": "ACC-9"})
    assert added.status_code == 201 and added.get_json()["lab_ids"] == ["ACC-9"]
    assert (
        client.post(
            f"{API}/recipients", headers=lab, json={"study": "CORD-01", "subject_code": "R9"}
        ).status_code
        == 403
    )


def test_users_and_tokens_may_be_coordinators(db):
    from dsa_monitor.store import users

    made = users.create_user(
        db, "coord@example.org", "coordinator", password="correct horse battery staple", user="t"
    )
    assert made["role"] == "coordinator"
    assert users.sign_in(db, "coord@example.org", "correct horse battery staple")["id"] == made["id"]
