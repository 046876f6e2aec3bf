"""Subscriptions over HTTP: a clinician manages its own, an admin all; each write is audited."""

import pytest
import schemathesis

from dsa_monitor import store
from dsa_monitor.alerts.events import DEFAULT_SUBSCRIPTION_KINDS
from dsa_monitor.api import PREFIX as API
from dsa_monitor.api.spec import build_spec
from dsa_monitor.store import events as stored_events

DOCTOR = "transplant-md@hospital.example"
DOCUMENT = schemathesis.openapi.from_dict(build_spec())


def subscribe(client, headers, **body):
    return client.post(f"{API}/subscriptions", json=body, headers=headers)


def listed(client, headers):
    return [
        (s["email"], s["study"], s["recipient_id"])
        for s in client.get(f"{API}/subscriptions", headers=headers).get_json()["subscriptions"]
    ]


def test_a_clinician_subscribes_to_a_study_and_is_audited(client, token, db, world):
    headers = token("clinician", name="dr-grey")
    response = subscribe(client, headers, email=" Transplant-MD@hospital.example", study="CORD-01")
    assert response.status_code == 201
    DOCUMENT["/subscriptions"]["POST"].validate_response(response)  # raises if not as documented
    body = response.get_json()
    assert (body["email"], body["study"], body["recipient_id"], body["created_by"]) == (
        DOCTOR,
        "CORD-01",
        None,
        "dr-grey",
    )
    assert body["kinds"] == sorted(DEFAULT_SUBSCRIPTION_KINDS)
    audit = store.list_audit(db, entity="subscription", entity_id=body["id"])
    assert [(a["action"], a["user"]) for a in audit] == [("subscribe", "dr-grey")]
    assert stored_events.subscribed_addresses(db, study_id=1, recipient_id=world["R001"], kind="de_novo") == [
        DOCTOR
    ]


def test_subscribing_again_replaces_the_kinds(client, token, world):
    headers = token("clinician", name="dr-grey")
    first = subscribe(client, headers, email=DOCTOR, recipient_id=world["R001"], kinds=["de_novo"]).get_json()
    again = subscribe(client, headers, email=DOCTOR, recipient_id=world["R001"], kinds=["rising", "resolved"])
    assert again.status_code == 200
    assert (again.get_json()["id"], again.get_json()["kinds"]) == (first["id"], ["resolved", "rising"])
    assert again.get_json()["subject_code"] == "R001"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"study": "CORD-01"}, "email"),
        ({"email": DOCTOR}, "_schema"),
        ({"email": DOCTOR, "study": "CORD-01", "recipient_id": 1}, "_schema"),
        ({"email": DOCTOR, "study": "CORD-01", "kinds": ["gossip"]}, "kinds"),
        ({"email": DOCTOR, "study": "CORD-01", "kinds": []}, "kinds"),
        ({"email": DOCTOR, "recipient_id": "1"}, "recipient_id"),
        ({"email": DOCTOR, "recipient_id": 0}, "recipient_id"),
        ({"email": DOCTOR, "study": "CORD-01", "colour": "red"}, "colour"),
    ],
)
def test_an_invalid_subscription_is_a_422_naming_the_field(client, admin, world, body, field):
    response = subscribe(client, admin, **body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize("email", ["not-an-address", "a@b", "Dr <dr@x.example>"])
def test_an_address_that_is_not_one_is_a_422(client, admin, world, email):
    response = subscribe(client, admin, email=email, study="CORD-01")
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "invalid_subscription")


@pytest.mark.parametrize("body", [{"study": "NOPE"}, {"recipient_id": 999}])
def test_an_unknown_study_or_recipient_is_a_404(client, admin, world, body):
    assert subscribe(client, admin, email=DOCTOR, **body).status_code == 404


def test_a_clinician_sees_and_ends_only_its_own(client, token, db, world):
    grey, house, admin = (
        token("clinician", name="dr-grey"),
        token("clinician", name="dr-house"),
        token("admin", name="boss"),
    )
    mine = subscribe(client, grey, email=DOCTOR, study="CORD-01").get_json()
    theirs = subscribe(client, house, email="house@hospital.example", study="CORD-01").get_json()
    assert listed(client, grey) == [(DOCTOR, "CORD-01", None)]
    assert len(listed(client, admin)) == 2
    DOCUMENT["/subscriptions"]["GET"].validate_response(client.get(f"{API}/subscriptions", headers=admin))
    assert client.delete(f"{API}/subscriptions/{theirs['id']}", headers=grey).status_code == 404
    # Another clinician cannot take over (or change) a subscription it did not make.
    taken = subscribe(client, house, email=DOCTOR, study="CORD-01", kinds=["resolved"])
    assert taken.status_code == 409
    assert client.delete(f"{API}/subscriptions/{mine['id']}", headers=grey).status_code == 204
    assert listed(client, grey) == []
    assert client.delete(f"{API}/subscriptions/{mine['id']}", headers=grey).status_code == 404
    assert client.delete(f"{API}/subscriptions/{theirs['id']}", headers=admin).status_code == 204
    audit = store.list_audit(db, entity="subscription")
    assert [(a["action"], a["user"]) for a in audit if a["action"] == "unsubscribe"] == [
        ("unsubscribe", "boss"),
        ("unsubscribe", "dr-grey"),
    ]


@pytest.mark.parametrize("body", [{"study": "KIDNEY-02"}, {"recipient_id": "K001"}])
def test_a_study_token_cannot_subscribe_outside_its_study(client, token, world, body):
    body = {k: world.get(v, v) for k, v in body.items()}
    response = subscribe(client, token("clinician", study="CORD-01"), email=DOCTOR, **body)
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


def test_a_study_admin_sees_and_ends_no_subscription_of_another_study(client, token, world):
    kidney = subscribe(client, token("admin"), email=DOCTOR, recipient_id=world["K001"])
    subscribe(client, token("admin"), email=DOCTOR, study="CORD-01")
    cord_admin = token("admin", study="CORD-01")
    assert listed(client, cord_admin) == [(DOCTOR, "CORD-01", None)]
    gone = client.delete(f"{API}/subscriptions/{kidney.get_json()['id']}", headers=cord_admin)
    assert (gone.status_code, gone.get_json()["error"]["code"]) == (404, "not_found")
    assert len(listed(client, token("admin"))) == 2


@pytest.mark.parametrize(
    "role, status", [("clinician", 201), ("admin", 201), ("lab", 403), ("integration", 403)]
)
def test_who_may_subscribe(client, token, world, role, status):
    assert subscribe(client, token(role), email=DOCTOR, study="CORD-01").status_code == status
    expected = 200 if status == 201 else 403
    assert client.get(f"{API}/subscriptions", headers=token(role)).status_code == expected


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_subscriptions_need_a_valid_token(client, world, headers):
    assert subscribe(client, headers, email=DOCTOR, study="CORD-01").status_code == 401
    assert client.get(f"{API}/subscriptions", headers=headers).status_code == 401
    assert client.delete(f"{API}/subscriptions/1", headers=headers).status_code == 401


def test_a_revoked_token_manages_nothing(client, token, db, world):
    headers = token("clinician", name="dr-gone")
    made = subscribe(client, headers, email=DOCTOR, study="CORD-01").get_json()
    store.tokens.revoke_token(db, "dr-gone", user="test")
    assert client.delete(f"{API}/subscriptions/{made['id']}", headers=headers).status_code == 401
    assert subscribe(client, headers, email=DOCTOR, study="CORD-01").status_code == 401
