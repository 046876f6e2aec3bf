"""Donors and exposures: created, fetched, audited; bad input is a 422, unknown ids a 404."""

import datetime as dt

import pytest

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API


def test_a_donor_is_registered_fetched_and_audited(client, admin, db):
    response = client.post(f"{API}/donors", json={"code": "CBU-42", "kind": "cord"}, headers=admin)
    assert response.status_code == 201
    donor = response.get_json()
    assert (donor["code"], donor["kind"], donor["created_by"]) == ("CBU-42", "cord", "admin-all-0")
    assert client.get(f"{API}/donors/{donor['id']}", headers=admin).get_json() == donor
    assert [a["user"] for a in store.list_audit(db, entity="donor")] == ["admin-all-0"]


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"code": "CBU-42"}, 422, "kind"),
        ({"code": "CBU-42", "kind": "sibling"}, 422, "kind"),
        ({"kind": "cord"}, 422, "code"),
        ({"code": "CBU-1", "kind": "cord"}, 409, "donor"),
    ],
)
def test_a_donor_that_cannot_be_registered(client, admin, world, body, status, field):
    response = client.post(f"{API}/donors", json=body, headers=admin)
    assert response.status_code == status
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize("donor_id", ["999", "0", "9223372036854775808", "-1", "x"])
def test_an_unknown_donor_is_a_404(client, admin, world, donor_id):
    response = client.get(f"{API}/donors/{donor_id}", headers=admin)
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


def test_an_exposure_links_a_recipient_to_its_donors(client, admin, world, db):
    body = {
        "recipient_id": world["R002"],
        "donor_ids": [world["LD-3"], world["CBU-1"]],
        "date": "2024-06-30",
        "kind": "infusion",
    }
    response = client.post(f"{API}/exposures", json=body, headers=admin)
    assert response.status_code == 201
    exposure = response.get_json()
    assert {k: exposure[k] for k in ("recipient_id", "donor_ids", "date", "kind")} == {
        "recipient_id": world["R002"],
        "donor_ids": sorted([world["LD-3"], world["CBU-1"]]),
        "date": "2024-06-30",
        "kind": "infusion",
    }
    assert [e["id"] for e in store.list_exposures(db, world["R002"])] == [exposure["id"]]


def test_the_same_exposure_sent_twice_is_a_409_and_stored_once(client, admin, world, db):
    body = {
        "recipient_id": world["R002"],
        "donor_ids": [world["LD-3"]],
        "date": "2024-06-30",
        "kind": "infusion",
    }
    first = client.post(f"{API}/exposures", json=body, headers=admin)
    again = client.post(f"{API}/exposures", json=body, headers=admin)
    assert (first.status_code, again.status_code) == (201, 409)
    assert again.get_json()["error"]["details"]["exposure_id"] == first.get_json()["id"]
    other_day = client.post(f"{API}/exposures", json={**body, "date": "2024-09-30"}, headers=admin)
    assert other_day.status_code == 201  # a second infusion is a new exposure
    assert len(store.list_exposures(db, world["R002"])) == 2


@pytest.mark.parametrize(
    "change, status, field",
    [
        ({"date": "30/06/2024"}, 422, "date"),
        ({"date": "2024-02-30"}, 422, "date"),
        ({"kind": "graft"}, 422, "kind"),
        ({"donor_ids": []}, 422, "donor_ids"),
        ({"donor_ids": ["1"]}, 422, "donor_ids"),
        ({"recipient_id": 9223372036854775808}, 422, "recipient_id"),
        ({"recipient_id": 999}, 404, "recipient_id"),
        ({"donor_ids": [999]}, 404, "donor"),
        ({"date": "0001-01-01"}, 422, "date"),  # a typo that once stopped every evaluation
        ({"date": "1899-12-31"}, 422, "date"),
        ({"date": (dt.date.today() + dt.timedelta(days=400)).isoformat()}, 422, "date"),
    ],
)
def test_an_exposure_that_cannot_be_recorded(client, admin, world, db, change, status, field):
    body = {
        "recipient_id": world["R002"],
        "donor_ids": [world["LD-3"]],
        "date": "2024-06-30",
        "kind": "infusion",
        **change,
    }
    response = client.post(f"{API}/exposures", json=body, headers=admin)
    assert response.status_code == status
    assert field in response.get_json()["error"]["details"]
    assert store.list_exposures(db, world["R002"]) == []
