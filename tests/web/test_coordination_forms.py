"""The coordinator's forms: study, recipient, donor, typing (GL String or per locus) and exposure;
a wrong field is shown beside it with the reason and nothing is stored."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dsa_monitor import store


@pytest.fixture
def coordinator(db, signed_in):
    store.create_study(db, "CORD-01", title="Cord blood", user="setup")
    return signed_in("coordinator")


def post(client, csrf_of, path: str, **fields):
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **fields})


def beside(html: str, field: str) -> str:
    found = re.search(rf'<span class="error field-error" id="{field}-error">([^<]*)</span>', html)
    return unescape(found.group(1)) if found else ""


def test_create_then_edit_a_study_with_its_schedule(db, coordinator, csrf_of):
    made = post(
        coordinator,
        csrf_of,
        "/enrol/study",
        code="MSC-02",
        title="MSC in lupus",
        visits="M1 30 7\nM3 90 14",
        strict="on",
        date_layout="DD-MM-YYYY",
    )
    assert made.status_code == 201, made.text
    study = store.get_study(db, "MSC-02")
    assert (study["visit_schedule"][1], study["strict_uploads"], study["date_layout"]) == (
        {"name": "M3", "day": 90, "window_days": 14},
        True,
        "DD-MM-YYYY",
    )
    recipient = store.create_recipient(db, "MSC-02", "L1", user="setup")
    page = coordinator.get("/enrol/study/MSC-02").text
    assert "M3 90 14" in page and 'name="strict" checked' in page
    edited = post(coordinator, csrf_of, "/enrol/study/MSC-02", title="MSC in lupus II", visits="M1 30 10")
    assert edited.status_code == 200
    assert "1 recipient(s) will be evaluated again" in edited.text
    assert store.studies.requested_evaluations(db) == [recipient["id"]]
    assert store.get_study(db, "MSC-02")["strict_uploads"] is False  # unticked: lenient


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"code": "bad code"}, "code", "use 1 to 40 letters"),
        ({"code": "X1", "visits": "M3 ninety 14"}, "visits", "line 1"),
        ({"code": "X1", "visits": "baseline 0 3"}, "visits", "baseline"),
        ({"code": "CORD-01"}, "code", "already exists"),
        ({"code": "X1", "control_pattern": "QC-(["}, "control_pattern", "not a regular expression"),
        ({"code": "X1", "date_layout": "YYYY/DD"}, "date_layout", "write it as DD, MM and YYYY"),
    ],
)
def test_a_wrong_study_field_is_shown_beside_it(db, coordinator, csrf_of, fields, field, reason):
    refused = post(coordinator, csrf_of, "/enrol/study", **fields)
    assert refused.status_code == 422
    assert reason in beside(refused.text, field)
    assert [s["code"] for s in store.list_studies(db)] == ["CORD-01"]


def test_enrol_register_type_and_expose(db, coordinator, csrf_of):
    enrolled = post(
        coordinator, csrf_of, "/enrol/recipient", study="CORD-01", subject_code="R001", lab_ids="P-17; LAB-1"
    )
    assert enrolled.status_code == 201 and "P-17, LAB-1" in enrolled.text
    assert (
        post(coordinator, csrf_of, "/enrol/donor", study="CORD-01", code="CBU-1", kind="cord").status_code
        == 201
    )
    typed = post(
        coordinator,
        csrf_of,
        "/enrol/typing",
        owner="recipient",
        study="CORD-01",
        subject_code="R001",
        A_1="A*02:01",
        A_2="A24",
        B_1="B*44:02",
    )
    assert typed.status_code == 201, typed.text
    donor_typed = post(
        coordinator,
        csrf_of,
        "/enrol/typing",
        owner="donor",
        donor_code="CBU-1",
        gl_string="HLA-A*01:01+HLA-A*02:01^HLA-B*08:01+HLA-B*44:02",
    )
    assert donor_typed.status_code == 201
    exposed = post(
        coordinator,
        csrf_of,
        "/enrol/exposure",
        study="CORD-01",
        subject_code="R001",
        donors="CBU-1",
        date="2024-01-05",
        kind="infusion",
    )
    assert exposed.status_code == 201, exposed.text
    recipient = store.list_recipients(db)[0]
    typing = store.current_typing(db, "recipient", recipient["id"])
    assert typing["source"] == "web" and set(typing["typing"]["loci"]) == {"A", "B"}
    assert store.list_audit(db, entity="recipient", entity_id=recipient["id"])[0]["action"] == "set_typing"
    assert store.list_exposures(db, recipient["id"])[0]["donor_ids"] == [store.get_donor(db, "CBU-1")["id"]]


def test_an_invalid_name_is_shown_beside_its_locus_field_and_nothing_is_stored(db, coordinator, csrf_of):
    store.create_recipient(db, "CORD-01", "R001", user="setup")
    refused = post(
        coordinator,
        csrf_of,
        "/enrol/typing",
        owner="recipient",
        study="CORD-01",
        subject_code="R001",
        A_1="A*02:01",
        B_2="B*99:99",
        DRB1_1="DR15",
    )
    assert refused.status_code == 422
    assert beside(refused.text, "B_2").startswith('"B*99:99": no allele group B*99')
    assert beside(refused.text, "A_1") == ""
    assert 'value="A*02:01"' in refused.text  # what was typed is kept
    gl = post(
        coordinator,
        csrf_of,
        "/enrol/typing",
        owner="recipient",
        study="CORD-01",
        subject_code="R001",
        gl_string="HLA-A*02:01+HLA-A*99:01",
    )
    assert gl.status_code == 422 and "A*99:01" in beside(gl.text, "gl_string")
    assert store.current_typing(db, "recipient", store.list_recipients(db)[0]["id"]) is None


def test_refusals_beside_their_fields_on_the_other_forms(db, coordinator, csrf_of):
    store.create_recipient(db, "CORD-01", "R001", lab_ids=["P-17"], user="setup")
    taken = post(
        coordinator, csrf_of, "/enrol/recipient", study="CORD-01", subject_code="R002", lab_ids="P-17"
    )
    assert taken.status_code == 422 and "already used" in beside(taken.text, "lab_ids")
    assert (
        post(coordinator, csrf_of, "/enrol/donor", study="CORD-01", code="D1", kind="kidney").status_code
        == 422
    )
    exposure = post(
        coordinator,
        csrf_of,
        "/enrol/exposure",
        study="CORD-01",
        subject_code="R001",
        donors="NOPE",
        date="2024-02-30",
        kind="infusion",
    )
    assert exposure.status_code == 422
    assert beside(exposure.text, "donors") and beside(exposure.text, "date")
    assert store.list_recipients(db)[0]["subject_code"] == "R001"
    assert len(store.list_recipients(db)) == 1


def test_a_scoped_coordinator_cannot_reach_another_study(db, signed_in, csrf_of):
    store.create_study(db, "CORD-01", user="setup")
    store.create_study(db, "KIDNEY-02", user="setup")
    kidney = signed_in("coordinator", "KIDNEY-02")
    assert kidney.get("/enrol/study/CORD-01").status_code == 404
    refused = post(kidney, csrf_of, "/enrol/recipient", study="CORD-01", subject_code="R9")
    assert refused.status_code == 422 and store.list_recipients(db) == []
    assert post(kidney, csrf_of, "/enrol/study", code="NEW").status_code == 422
    assert 'href="/enrol/study"' not in kidney.get("/enrolments").text  # nor offered it
    assert 'href="/enrol/study/KIDNEY-02"' in kidney.get("/enrolments").text
    assert signed_in("lab").get("/enrol/recipient").status_code == 403


# ---- a visit's day and window: ±36500 days, the store's one rule and message ------------------


@pytest.mark.parametrize(
    ("visits", "message"),
    [
        ("M3 36501 14", "visit M3: day 36501 is beyond 36500 days from the exposure"),
        ("PRE -99999999999999999999 14", "visit PRE: day -99999999999999999999 is beyond 36500"),
        ("M3 90 36501", "visit M3: a window of 36501 days is over 36500 days"),
    ],
)
def test_the_study_form_refuses_visit_days_beyond_the_limit(db, coordinator, csrf_of, visits, message):
    made = post(coordinator, csrf_of, "/enrol/study", code="FAR-01", visits=visits)
    assert made.status_code == 422
    assert beside(made.text, "visits").startswith(message)
    assert [s["code"] for s in store.list_studies(db)] == ["CORD-01"]


def test_the_edit_form_refuses_them_too_and_keeps_the_schedule(db, coordinator, csrf_of):
    assert post(coordinator, csrf_of, "/enrol/study/CORD-01", visits="M1 30 7").status_code == 200
    edited = post(coordinator, csrf_of, "/enrol/study/CORD-01", visits="M1 30 7\nM9 40000 7")
    assert edited.status_code == 422
    assert beside(edited.text, "visits").startswith("visit M9: day 40000 is beyond 36500 days")
    assert store.get_study(db, "CORD-01")["visit_schedule"] == [{"name": "M1", "day": 30, "window_days": 7}]
    edge = post(coordinator, csrf_of, "/enrol/study/CORD-01", visits="PRE -36500 0\nL 36500 36500")
    assert edge.status_code == 200, beside(edge.text, "visits")
    assert [v["day"] for v in store.get_study(db, "CORD-01")["visit_schedule"]] == [-36500, 36500]
