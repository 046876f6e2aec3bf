"""A late serum belongs to its visit (issue 15): assigned through the API, audited, evaluated
again; the visit is then done late, not overdue, in the API, the recipient's evaluation and the
overdue alerts; clearing the assignment gives the dates their say back."""

from __future__ import annotations

import datetime as dt

import pytest
from evaluation.worked_sera import make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.alerts.overdue import overdue_visit_facts
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded

TODAY = dt.date.today()
EXPOSURE = TODAY - dt.timedelta(days=400)
LATE = EXPOSURE + dt.timedelta(days=381)  # the M12 window (365 ± 14) closed two days before


@pytest.fixture
def late(db):
    """WX-1 with a baseline and one serum drawn two days after the M12 window closed."""
    ids = make_world(db, exposure=EXPOSURE)
    upload_serum(db, "WX-1-BL", EXPOSURE - dt.timedelta(days=3))
    upload_serum(db, "WX-1-M12", LATE, mfi={"A*03:01": 4000})
    evaluate_pending(db, reference=embedded(), record=record_changes)
    sample = store.list_samples(db, recipient_id=ids["WX-1"])[-1]
    return ids["WX-1"], sample["id"]


def _visits(client, recipient_id, headers):
    answer = client.get(f"/api/v1/recipients/{recipient_id}/dsa", headers=headers).get_json()
    [evaluation] = answer["evaluations"]
    return (
        {v["date"]: (v["visit"], v["timing"]) for v in evaluation["visits"]},
        [o["visit"] for o in evaluation["overdue"]],
    )


def _overdue_alerts(db, recipient_id):
    return [
        f.payload["visit_name"]
        for f in overdue_visit_facts(db, today=TODAY, max_age_days=60)
        if f.recipient_id == recipient_id
    ]


def test_a_late_serum_assigned_to_m12_makes_m12_done_late_everywhere(client, db, token, late):
    recipient_id, sample_id = late
    reader = token("clinician")
    visits, overdue = _visits(client, recipient_id, reader)
    assert visits[LATE.isoformat()] == ("unscheduled", None) and "M12" in overdue
    assert _overdue_alerts(db, recipient_id) == ["M12"]

    url = f"/api/v1/recipients/{recipient_id}/sera/{sample_id}/visit"
    answer = client.put(
        url, json={"visit": "M12", "reason": "drawn late: patient travelling"}, headers=token("coordinator")
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["visit"] == "M12"
    assert answer.get_json()["serum_key"] == LATE.isoformat()

    visits, overdue = _visits(client, recipient_id, reader)
    assert visits[LATE.isoformat()] == ("M12", "late") and "M12" not in overdue
    assert _overdue_alerts(db, recipient_id) == []
    assert client.get(url, headers=reader).get_json()["reason"] == "drawn late: patient travelling"
    entry = store.list_audit(db, entity="recipient", entity_id=recipient_id)[0]
    assert entry["action"] == "assign_visit" and entry["details"]["visit"] == "M12"

    assert client.delete(url, headers=token("lab")).get_json()["visit"] is None
    visits, overdue = _visits(client, recipient_id, reader)
    assert visits[LATE.isoformat()] == ("unscheduled", None) and "M12" in overdue
    assert store.list_audit(db, entity="recipient", entity_id=recipient_id)[0]["action"] == ("clear_visit")


def test_who_may_assign_and_what_is_refused(client, db, token, late):
    recipient_id, sample_id = late
    url = f"/api/v1/recipients/{recipient_id}/sera/{sample_id}/visit"
    assert client.put(url, json={"visit": "M12"}, headers=token("clinician")).status_code == 403
    refused = client.put(url, json={"visit": "M99"}, headers=token("admin"))
    assert refused.status_code == 422 and "M99" in refused.get_json()["error"]["message"]
    baseline = store.list_samples(db, recipient_id=recipient_id)[0]["id"]
    before = client.put(
        f"/api/v1/recipients/{recipient_id}/sera/{baseline}/visit",
        json={"visit": "M1"},
        headers=token("admin"),
    )
    assert before.status_code == 422 and "before any exposure" in before.get_json()["error"]["message"]
    other = client.put(
        f"/api/v1/recipients/{recipient_id + 99}/sera/{sample_id}/visit",
        json={"visit": "M12"},
        headers=token("admin"),
    )
    assert other.status_code == 404
