"""GET /events (a cursor over ids, ascending) and POST /events/{id}/acknowledge, with their audit."""

import pytest
import schemathesis

from dsa_monitor import store
from dsa_monitor.alerts.events import EventFact, record_events
from dsa_monitor.api import PREFIX as API
from dsa_monitor.api.spec import build_spec

DOCUMENT = schemathesis.openapi.from_dict(build_spec())


@pytest.fixture
def events(world, db):
    """Five events: R001 (CORD-01) de novo and rising, K001 (KIDNEY-02) de novo, qc, overdue."""
    facts = [
        EventFact(
            "de_novo",
            world["R001"],
            world["CBU-1"],
            "A*24:02",
            "M3",
            payload={"mfi": 2438.0, "strength": "weak"},
        ),
        EventFact("de_novo", world["K001"], world["DD-9"], "DR4", "M1"),
        EventFact("rising", world["R001"], world["CBU-1"], "A*24:02", "M6"),
        EventFact("qc_failure", world["K001"], None, "", "M3"),
        EventFact("overdue_visit", world["R001"], None, "", "M12"),
    ]
    return record_events(db, facts, user="scheduler")


def poll(client, headers, **args):
    return client.get(f"{API}/events", query_string=args, headers=headers)


def test_polling_pages_through_every_event_once_in_id_order(client, token, events):
    headers, seen, cursor = token("integration"), [], 0
    for _ in range(5):
        page = poll(client, headers, since=cursor, limit=2).get_json()
        seen.extend(e["id"] for e in page["events"])
        assert page["next"] == (page["events"][-1]["id"] if page["events"] else cursor)
        cursor = page["next"]
    assert seen == events == sorted(events)
    assert poll(client, headers, since=cursor).get_json() == {"events": [], "next": cursor}


def test_an_event_carries_its_recipient_donor_and_payload(client, admin, world, events):
    response = poll(client, admin, limit=1)
    DOCUMENT["/events"]["GET"].validate_response(response)  # raises if not as documented
    first = response.get_json()["events"][0]
    assert {
        k: first[k]
        for k in (
            "id",
            "kind",
            "study",
            "subject_code",
            "donor_code",
            "antigen",
            "visit",
            "payload",
            "acknowledged_at",
            "withdrawn_by",
        )
    } == {
        "id": events[0],
        "kind": "de_novo",
        "study": "CORD-01",
        "subject_code": "R001",
        "donor_code": "CBU-1",
        "antigen": "A*24:02",
        "visit": "M3",
        "payload": {"mfi": 2438.0, "strength": "weak"},
        "acknowledged_at": None,
        "withdrawn_by": None,
    }


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"study": "CORD-01"}, [0, 2, 4]),
        ({"study": "KIDNEY-02"}, [1, 3]),
        ({"kind": "de_novo"}, [0, 1]),
        ({"kind": "de_novo", "study": "KIDNEY-02"}, [1]),
        ({"since": "__2__"}, [3, 4]),  # after the third event's id
    ],
)
def test_events_are_filtered_by_study_kind_and_cursor(client, admin, events, args, expected):
    args = {k: (events[2] if v == "__2__" else v) for k, v in args.items()}
    answer = poll(client, admin, **args).get_json()["events"]
    assert [e["id"] for e in answer] == [events[i] for i in expected]


def test_a_study_token_polls_only_its_study(client, token, events):
    headers = token("integration", study="KIDNEY-02")
    assert [e["id"] for e in poll(client, headers).get_json()["events"]] == [events[1], events[3]]
    response = poll(client, headers, study="CORD-01")
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    "args, field",
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"since": "-1"}, "since"),
        ({"since": "1.5"}, "since"),
        ({"kind": "gossip"}, "kind"),
        ({"study": ""}, "study"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_poll_arguments_are_a_422_naming_them(client, admin, events, args, field):
    response = poll(client, admin, **args)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_an_unknown_study_is_a_404(client, admin, events):
    assert poll(client, admin, study="NOPE").status_code == 404


@pytest.mark.parametrize(
    "role, status",
    [
        ("integration", 200),
        ("admin", 200),
        ("clinician", 403),
        ("lab", 403),
    ],
)
def test_polling_is_for_integrations(client, token, events, role, status):
    assert poll(client, token(role)).status_code == status


def acknowledge(client, headers, event_id):
    return client.post(f"{API}/events/{event_id}/acknowledge", headers=headers)


def test_an_acknowledgement_is_kept_once_and_audited_with_the_token(client, token, db, events):
    headers = token("clinician", name="dr-house")
    response = acknowledge(client, headers, events[0])
    assert response.status_code == 200
    DOCUMENT["/events/{event_id}/acknowledge"]["POST"].validate_response(response)
    body = response.get_json()
    assert (body["id"], body["acknowledged_by"]) == (events[0], "dr-house")
    assert body["acknowledged_at"].endswith("+00:00")
    again = acknowledge(client, token("admin", name="boss"), events[0]).get_json()
    assert (again["acknowledged_by"], again["acknowledged_at"]) == ("dr-house", body["acknowledged_at"])
    audit = store.list_audit(db, entity="event", entity_id=events[0])
    assert [(a["action"], a["user"]) for a in audit if a["action"] == "acknowledge"] == [
        ("acknowledge", "dr-house")
    ]


def test_an_acknowledgement_keeps_a_note_of_what_was_done(client, token, db, events):
    """Issue 15: a note when acknowledging; the body stays optional for older clients."""
    response = client.post(
        f"{API}/events/{events[0]}/acknowledge",
        headers=token("clinician"),
        json={"note": "phoned the transplant team"},
    )
    assert response.status_code == 200
    DOCUMENT["/events/{event_id}/acknowledge"]["POST"].validate_response(response)
    assert response.get_json()["acknowledged_note"] == "phoned the transplant team"
    audit = store.list_audit(db, entity="event", entity_id=events[0])
    assert audit[0]["details"] == {"note": "phoned the transplant team"}
    too_long = client.post(
        f"{API}/events/{events[1]}/acknowledge", headers=token("clinician"), json={"note": "x" * 501}
    )
    assert too_long.status_code == 422


@pytest.mark.parametrize(
    "role, study, which, status",
    [
        ("clinician", "CORD-01", 0, 200),
        ("clinician", "KIDNEY-02", 0, 404),  # R001's event, outside the token's study
        ("integration", None, 0, 403),
        ("lab", None, 0, 403),
        ("admin", None, None, 404),  # no such event
    ],
)
def test_who_may_acknowledge_what(client, token, events, role, study, which, status):
    event_id = 999 if which is None else events[which]
    response = acknowledge(client, token(role, study=study), event_id)
    assert response.status_code == status


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_events_need_a_valid_token(client, events, headers):
    assert poll(client, headers).status_code == 401
    assert acknowledge(client, headers, events[0]).status_code == 401


def test_a_revoked_token_polls_no_more(client, token, db, events):
    headers = token("integration", name="trial-system")
    assert poll(client, headers).status_code == 200
    store.tokens.revoke_token(db, "trial-system", user="test")
    assert poll(client, headers).status_code == 401
    assert acknowledge(client, headers, events[0]).status_code == 401
