"""No false de novo, through the real doors: a DSA positive in a serum drawn before the exposure is
preformed, even when that serum is older than the baseline window (worked example).

WX-1 receives cells from D-1 (A*03:01 is the donor's, not the recipient's) on 2026-01-10. A serum
of 2025-06-24 (200 days before, outside the 90-day baseline window) has the A*03:01 bead at 4,000
MFI; the baseline of 2026-01-05 is negative; M3 (2026-04-11) has it at 3,500. The laboratory
reports "A*03:01 preformed, earlier serum 2025-06-24", and nobody is paged for a de novo DSA:
one "preformed DSA" alert tells it.
"""

from __future__ import annotations

import datetime as dt

from evaluation.worked_sera import AS_OF, BASELINE, M3, STUDY, make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.alerts import subscribe
from dsa_monitor.evaluation import current_evaluations, evaluate_pending
from dsa_monitor.evaluation.report import format_table
from dsa_monitor.reference import service as reference_service
from dsa_monitor.store import tokens

EARLIER = dt.date(2025, 6, 24)
DOCTOR = "transplant-md@hospital.example"


def sera(db, *, earlier: bool) -> dict[str, int]:
    ids = make_world(db)
    subscribe(db, DOCTOR, study=STUDY, user="admin")
    if earlier:
        upload_serum(db, "WX-1-OLD", EARLIER, mfi={"A*03:01": 4000.0})
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M3", M3, mfi={"A*03:01": 3500.0})
    return ids


def outbox_subjects(db) -> list[str]:
    return [row[0] for row in db.conn.execute("SELECT subject FROM outbox ORDER BY id")]


def test_a_dsa_positive_before_the_baseline_window_is_reported_preformed_never_de_novo(app, client, db):
    ids = sera(db, earlier=True)
    with app.app_context():
        run = evaluate_pending(db, reference=reference_service.current(app), as_of=AS_OF)
    # no de novo fact: one preformed DSA alert, naming the earlier serum (issue 15)
    assert [(f.kind, f.antigen, f.visit) for f in run.changes] == [("preformed_dsa", "A*03:01", "M3")]
    [event] = store.list_events(db, recipient_id=ids["WX-1"])
    assert (event["kind"], event["payload"]["origin"]) == (
        "preformed",
        "preformed (earlier serum 2025-06-24)",
    )
    assert outbox_subjects(db) == [f"[dsa-monitor] Preformed DSA: {STUDY} WX-1, A*03:01 (M3)"]

    (evaluation,) = current_evaluations(db, ids["WX-1"])  # as stored
    assert [(p.visit, p.date) for p in evaluation.points] == [
        ("pre-exposure", EARLIER),
        ("baseline", BASELINE),
        ("M3", M3),
    ]
    m3 = next(s for s in evaluation.states if s.visit == "M3" and s.target == "A*03:01")
    assert (m3.positive, m3.status, m3.origin, m3.earlier_serum_date) == (
        True,
        "preformed",
        "preformed",
        EARLIER,
    )
    assert evaluation.summary()["preformed"] == 1 and evaluation.summary()["de_novo"] == 0
    assert "preformed, earlier serum 2025-06-24" in format_table(run.evaluations)

    _, secret = tokens.create_token(db, "reader", "clinician", user="test")
    answer = client.get(
        f"/api/v1/recipients/{ids['WX-1']}/dsa", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()
    [dsa] = [d for e in answer["evaluations"] for d in e["dsa"] if d["antigen"] == "A*03:01"]
    assert (dsa["origin"], dsa["earlier_serum_date"]) == ("preformed", EARLIER.isoformat())
    assert [(s["visit"], s["status"]) for s in dsa["states"]] == [
        ("baseline", "negative"),
        ("M3", "preformed"),
    ]
    assert answer["pending"] is False


def test_without_the_earlier_serum_the_same_dsa_is_de_novo_and_queued_once(app, db):
    ids = sera(db, earlier=False)
    with app.app_context():
        run = evaluate_pending(db, reference=reference_service.current(app), as_of=AS_OF)
    assert [(f.kind, f.antigen, f.visit) for f in run.changes] == [("de_novo_dsa", "A*03:01", "M3")]
    assert [e["kind"] for e in store.list_events(db, recipient_id=ids["WX-1"])] == ["de_novo"]
    assert outbox_subjects(db) == [f"[dsa-monitor] De novo DSA: {STUDY} WX-1, A*03:01 (M3)"]
