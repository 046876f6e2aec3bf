"""GET /recipients/{id}/dsa: the demo trial's de novo A*24:02 at M3, as the scheduler stored it."""

import functools

import pytest
import schemathesis
from evaluation.worked_sera import BASELINE, M1, make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.alerts import MailSettings
from dsa_monitor.alerts.evaluation import record_changes
from dsa_monitor.api import PREFIX as API
from dsa_monitor.api.spec import build_spec
from dsa_monitor.demo.seed import store_trial, store_typing
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference import service as reference_service

DOCUMENT = schemathesis.openapi.from_dict(build_spec())


def run_scheduler_evaluation(app, db):
    """What ``dsa-monitor scheduler --once`` does first: evaluate new inputs, record events."""
    record = functools.partial(record_changes, settings=MailSettings.from_config(app.config))
    return evaluate_pending(db, reference=reference_service.current(app), record=record)


@pytest.fixture
def trial(app, db):
    """The demo trial stored through its uploads and evaluated once."""
    stored = store_trial(db, build_trial())
    run_scheduler_evaluation(app, db)
    return stored


def dsa_of(client, headers, recipient_id):
    return client.get(f"{API}/recipients/{recipient_id}/dsa", headers=headers)


def test_a_de_novo_dsa_is_given_with_its_beads_visits_and_rules(client, token, trial):
    response = dsa_of(client, token("clinician"), trial.recipients["LUP-03"])
    assert response.status_code == 200
    DOCUMENT["/recipients/{recipient_id}/dsa"]["GET"].validate_response(response)  # raises if not
    answer = response.get_json()
    assert (answer["subject_code"], answer["pending"]) == ("LUP-03", False)
    [donor] = answer["evaluations"]
    assert donor["donor_code"] == "UC-MSC-03"
    assert donor["rules"]["name"] == "default"
    assert donor["exposure_id"] == trial.exposures["LUP-03"]
    assert donor["baseline_serum"] is not None
    assert [v["visit"] for v in donor["visits"]] == ["baseline", "M1", "M3", "M6", "M9", "M12"]
    [dsa] = [d for d in donor["dsa"] if d["antigen"] == "A*24:02"]
    assert (dsa["level"], dsa["hla_class"], dsa["origin"]) == ("allele", "I", "de_novo")
    m3 = next(s for s in dsa["states"] if s["visit"] == "M3")
    assert (m3["positive"], m3["strength"], m3["status"], round(m3["mfi"])) == (True, "weak", "de_novo", 2438)
    assert m3["beads"] and all("mfi" in str(bead).lower() for bead in m3["beads"])
    assert [s["status"] for s in dsa["states"]][:2] == ["negative", "negative"]


def test_a_recipient_without_dsa_has_its_evaluation_and_no_dsa(client, admin, trial):
    answers = [dsa_of(client, admin, rid).get_json() for rid in trial.recipients.values()]
    assert all(a["evaluations"] for a in answers)
    assert any(all(not e["dsa"] for e in a["evaluations"]) for a in answers)


def test_new_inputs_make_the_answer_pending_until_the_next_evaluation(app, client, admin, db, trial):
    recipient_id = trial.recipients["LUP-03"]
    corrected = build_trial().recipients[2].typing.replace("A*32:01", "A*02:01")
    store_typing(db, "recipient", recipient_id, corrected, user="lab")  # a typing corrected
    assert dsa_of(client, admin, recipient_id).get_json()["pending"] is True
    other = trial.recipients["LUP-01"]
    assert dsa_of(client, admin, other).get_json()["pending"] is False
    run_scheduler_evaluation(app, db)
    assert dsa_of(client, admin, recipient_id).get_json()["pending"] is False


def test_a_recipient_not_yet_evaluated_is_pending_with_no_evaluation(client, admin, world):
    answer = dsa_of(client, admin, world["R001"]).get_json()
    assert (answer["pending"], answer["evaluations"], answer["study"]) == (True, [], "CORD-01")
    assert dsa_of(client, admin, world["R002"]).get_json()["pending"] is False  # no exposure


@pytest.mark.parametrize(
    "headers, status, code",
    [
        ({}, 401, "unauthenticated"),
        ({"Authorization": "Bearer nope"}, 401, "unauthenticated"),
        ({"Authorization": "Basic abc"}, 401, "unauthenticated"),
    ],
)
def test_a_dsa_read_needs_a_valid_token(client, world, headers, status, code):
    response = dsa_of(client, headers, world["R001"])
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)


def test_a_revoked_token_is_refused(client, db, token, world):
    headers = token("clinician", name="dr-revoked")
    assert dsa_of(client, headers, world["R001"]).status_code == 200
    store.tokens.revoke_token(db, "dr-revoked", user="test")
    assert dsa_of(client, headers, world["R001"]).status_code == 401


@pytest.mark.parametrize("recipient, status", [("R001", 200), ("K001", 404), ("999", 404)])
def test_a_study_token_sees_only_its_study(client, token, world, recipient, status):
    recipient_id = world.get(recipient, recipient)
    response = dsa_of(client, token("clinician", study="CORD-01"), recipient_id)
    assert response.status_code == status
    if status == 404:
        assert response.get_json()["error"]["code"] == "not_found"


def test_the_document_check_refuses_an_answer_of_another_shape(client, admin, trial):
    response = dsa_of(client, admin, trial.recipients["LUP-03"])
    assert DOCUMENT["/recipients/{recipient_id}/dsa"]["GET"].is_valid_response(response)
    assert not DOCUMENT["/health"]["GET"].is_valid_response(response)


def test_dsa_mfi_per_class_and_self_beads_are_given_per_serum(app, client, admin, db):
    ids = make_world(db)
    for hla_class in ("I", "II"):
        upload_serum(db, "WX-1-BL", BASELINE, hla_class=hla_class)
    upload_serum(
        db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0, "A*03:01": 2000.0, "A*02:01": 4000.0}
    )  # A*02:01: shared, self
    upload_serum(db, "WX-1-M1", M1, hla_class="II", mfi={"DRB1*04:01": 3000.0})
    run_scheduler_evaluation(app, db)
    response = dsa_of(client, admin, ids["WX-1"])
    DOCUMENT["/recipients/{recipient_id}/dsa"]["GET"].validate_response(response)
    [donor] = response.get_json()["evaluations"]
    m1 = next(v for v in donor["visits"] if v["visit"] == "M1")
    assert m1["by_class"] == [
        {"hla_class": "I", "immunodominant_dsa": "B*07:02", "immunodominant_mfi": 5000.0, "sum_mfi": 7000.0},
        {
            "hla_class": "II",
            "immunodominant_dsa": "DRB1*04:01",
            "immunodominant_mfi": 3000.0,
            "sum_mfi": 3000.0,
        },
    ]
    assert (m1["immunodominant_mfi"], m1["sum_mfi"]) == (5000.0, 10000.0)
    [bead] = m1["self_beads"]
    assert (bead["target"], bead["mfi"], bead["reason"], bead["hla_class"]) == (
        "A*02:01",
        4000.0,
        "self: shared with the recipient",
        "I",
    )
    assert "A*02:01" not in {d["antigen"] for d in donor["dsa"]}
    b7 = next(d for d in donor["dsa"] if d["antigen"] == "B*07:02")
    state = next(s for s in b7["states"] if s["visit"] == "M1")
    assert state["assay"] and state["previous_assay"] == state["assay"]  # one lot throughout


def test_a_recipient_the_scheduler_failed_on_stays_pending(app, client, admin, db):
    ids = make_world(db)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    with store.write_transaction(db):
        db.conn.execute("UPDATE samples SET draw_date = '2026-02-31'")
    assert run_scheduler_evaluation(app, db).failures
    assert dsa_of(client, admin, ids["WX-1"]).get_json()["pending"] is True
    with store.write_transaction(db):
        db.conn.execute("UPDATE samples SET draw_date = ?", (M1.isoformat(),))
    assert not run_scheduler_evaluation(app, db).failures
    assert dsa_of(client, admin, ids["WX-1"]).get_json()["pending"] is False
