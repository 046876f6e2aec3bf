"""GET /studies/{code}/dsa: each recipient of the demo trial at a glance, as the study page shows it."""

import pytest
import schemathesis

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.api.spec import build_spec
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference import service as reference_service

DOCUMENT = schemathesis.openapi.from_dict(build_spec())


@pytest.fixture
def demo(app, db):
    made = build_trial()
    stored = store_trial(db, made)
    evaluate_pending(db, reference=reference_service.current(app), as_of=made.as_of)
    return stored


def test_each_recipient_has_its_dsa_at_its_last_serum_as_its_own_answer_says(client, token, demo):
    response = client.get(f"{API}/studies/MSC-SLE/dsa", headers=token("clinician"))
    assert response.status_code == 200
    DOCUMENT["/studies/{code}/dsa"]["GET"].validate_response(response)  # raises if not
    answer = response.get_json()
    by_subject = {r["subject_code"]: r for r in answer["recipients"]}
    assert list(by_subject) == sorted(by_subject) and len(by_subject) == 8
    lup03 = by_subject["LUP-03"]
    assert lup03["evaluated"] and lup03["samples"] == 12 and lup03["last_sample"]
    detail = client.get(
        f"{API}/recipients/{lup03['recipient_id']}/dsa", headers=token("clinician")
    ).get_json()
    last_states = {
        (e["donor_code"], d["antigen"]): d["states"][-1] for e in detail["evaluations"] for d in e["dsa"]
    }
    assert {(d["donor"], d["target"]) for d in lup03["dsa"]} == set(last_states) != set()
    for dsa in lup03["dsa"]:  # the same last serum as the recipient's own answer
        state = last_states[(dsa["donor"], dsa["target"])]
        assert (dsa["visit"], dsa["mfi"], dsa["status"]) == (state["visit"], state["mfi"], state["status"])
    assert [d["mfi"] for d in lup03["dsa"] if d["positive"]] == sorted(
        (d["mfi"] for d in lup03["dsa"] if d["positive"]), reverse=True
    )
    assert by_subject["LUP-01"]["dsa"] == []


@pytest.mark.parametrize("study, status", [("MSC-SLE", 200), ("KIDNEY-02", 404), ("NOPE", 404)])
def test_a_study_token_reads_only_its_study(client, token, demo, db, study, status):
    if study == "KIDNEY-02":
        store.create_study(db, "KIDNEY-02", user="setup")
    response = client.get(f"{API}/studies/{study}/dsa", headers=token("clinician", "MSC-SLE"))
    assert response.status_code == status


def test_a_recipient_whose_evaluation_failed_says_so(client, token, demo, db):
    lup02 = demo.recipients["LUP-02"]
    with store.write_transaction(db):
        store.evaluations.record_failure(db, lup02, "OverflowError: date value out of range")
    answer = client.get(f"{API}/studies/MSC-SLE/dsa", headers=token("clinician")).get_json()
    errors = {r["subject_code"]: r["evaluation_error"] for r in answer["recipients"]}
    assert errors["LUP-02"] == "OverflowError: date value out of range"
    assert {code for code, error in errors.items() if error} == {"LUP-02"}


def test_a_study_read_a_page_at_a_time_answers_next_and_total(client, token, demo):
    headers = token("clinician")
    whole = client.get(f"{API}/studies/MSC-SLE/dsa", headers=headers).get_json()
    assert (whole["next"], whole["total"], len(whole["recipients"])) == (None, 8, 8)
    read, after, answers = [], None, 0
    while True:
        response = client.get(
            f"{API}/studies/MSC-SLE/dsa",
            headers=headers,
            query_string={"limit": 3, **({"after": after} if after else {})},
        )
        assert response.status_code == 200
        DOCUMENT["/studies/{code}/dsa"]["GET"].validate_response(response)
        page = response.get_json()
        answers += 1
        assert page["total"] == 8 and len(page["recipients"]) <= 3
        read += page["recipients"]
        if page["next"] is None:
            break
        assert page["next"] == page["recipients"][-1]["subject_code"]
        after = page["next"]
    assert answers == 3 and read == whole["recipients"]


@pytest.mark.parametrize(
    "query", [{"limit": 0}, {"limit": 1001}, {"limit": "ten"}, {"after": ""}, {"after": " LUP-01"}]
)
def test_a_page_out_of_range_is_refused(client, token, demo, query):
    response = client.get(f"{API}/studies/MSC-SLE/dsa", headers=token("clinician"), query_string=query)
    assert response.status_code == 422
