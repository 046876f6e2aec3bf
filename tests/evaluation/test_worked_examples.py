"""Worked examples of the external audit: raw-only files, DSA MFI per class, self beads, and one
recipient's failure beside the others (each through the real upload door and real SQLite)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from evaluation.worked_sera import AS_OF, BASELINE, M1, M3, make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.dsa.rules import Rules
from dsa_monitor.evaluation import evaluate_pending, evaluate_recipient, stored_evaluation
from dsa_monitor.evaluation.changes import DE_NOVO_DSA
from dsa_monitor.evaluation.inputs import MFI_KINDS, with_raw_minus_nc
from dsa_monitor.reference.service import embedded

REFERENCE = embedded()


@pytest.fixture
def db(tmp_path):
    database = store.open_database(tmp_path / "worked.sqlite3")
    yield database
    database.close()


def evaluated(db, recipient_id, rules=None):
    options = {} if rules is None else {"rules": rules}
    (evaluation,) = evaluate_recipient(
        db, recipient_id, reference=REFERENCE, as_of=AS_OF, **options
    ).evaluations
    return evaluation


def point_at(evaluation, visit):
    return next(p for p in evaluation.points if p.visit == visit)


NAN = float("nan")


@pytest.mark.parametrize(
    ("raw", "nc", "expected"),
    [
        ([1600.0, 300.0, 900.0], 900.0, [700.0, 0.0, 0.0]),  # floored at 0; the NC bead itself 0
        ([1600.0, NAN, 900.0], 900.0, [700.0, NAN, 0.0]),  # a bead without raw MFI stays unknown
        ([1600.0, 300.0, 900.0], NAN, [NAN, NAN, NAN]),  # no NC bead: no raw − NC value at all
    ],
)
def test_raw_minus_nc_is_computed_for_every_run_at_once(raw, nc, expected):
    stored = np.full((1, 3, 3), NAN, dtype=np.float32)  # normalized, bcm, raw
    stored[0, 2] = raw
    values = with_raw_minus_nc(stored, np.array([nc], dtype=np.float32))
    assert values.shape == (1, len(MFI_KINDS), 3)
    np.testing.assert_array_equal(values[0, MFI_KINDS.index("raw_minus_nc")], expected)
    np.testing.assert_array_equal(values[0, MFI_KINDS.index("raw")], raw)


def test_a_raw_only_file_is_read_as_raw_minus_the_nc_bead(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE, nc=900.0, raw_only=True)
    # A*03:01 at raw 1600 is 700 over the NC bead: negative; B*07:02 at raw 5900 is 5000
    upload_serum(db, "WX-1-M1", M1, nc=900.0, raw_only=True, mfi={"A*03:01": 700.0, "B*07:02": 5000.0})
    evaluation = evaluated(db, ids["WX-1"])
    assert evaluation.dsa_targets() == ["B*07:02"]
    m1 = next(s for s in evaluation.states if s.visit == "M1")
    assert (m1.status, m1.mfi, m1.value_kind) == ("de_novo", 5000.0, "raw_minus_nc")
    assert point_at(evaluation, "M1").notes == (
        f"class I run (sample {m1.sample_id}): the file gives raw MFI only; raw − NC bead (900) used",
    )
    # value_preference=("raw",) (the Wisse rule's) still reads raw MFI as is: 1600 is positive
    raw = evaluated(db, ids["WX-1"], Rules(name="raw", value_preference=("raw",)))
    assert "A*03:01" in raw.dsa_targets()
    assert {s.value_kind for s in raw.states} == {"raw"}


def test_the_wisse_rule_keeps_working_on_raw_mfi(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    wisse = evaluated(db, ids["WX-1"], Rules(positivity="wisse", value_preference=("raw",)))
    assert [(s.visit, s.status, s.value_kind) for s in wisse.states if s.positive] == [
        ("M1", "de_novo", "raw")
    ]


def test_a_serum_run_on_two_class_i_lots_counts_each_dsa_once(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M1", M1, lot="001", mfi={"B*07:02": 5000.0})
    upload_serum(db, "WX-1-M1", M1, lot="002", mfi={"B*07:02": 5600.0})
    evaluation = evaluated(db, ids["WX-1"])
    m1 = point_at(evaluation, "M1")
    assert len(m1.sample_ids) == 2
    ((hla_class, dominant, dominant_mfi, total),) = [
        (c.hla_class, c.immunodominant_dsa, c.immunodominant_mfi, c.sum_mfi) for c in m1.by_class
    ]
    # not 10600: the same antigen tested twice, at its highest value among the runs
    assert (hla_class, dominant, dominant_mfi, total) == ("I", "B*07:02", 5600.0, 5600.0)
    assert (m1.immunodominant_mfi, m1.sum_mfi) == (5600.0, 5600.0)
    [state] = [s for s in evaluation.states if s.visit == "M1"]
    assert state.mfi == 5600.0 and state.beads[0]["mfi"] == 5600.0


def test_immunodominant_dsa_and_sum_are_per_class(db):
    ids = make_world(db)
    for hla_class in ("I", "II"):
        upload_serum(db, "WX-1-BL", BASELINE, hla_class=hla_class)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0, "A*03:01": 2000.0})
    upload_serum(db, "WX-1-M1", M1, hla_class="II", mfi={"DRB1*04:01": 3000.0})
    evaluation = evaluated(db, ids["WX-1"])
    expected = [("I", "B*07:02", 5000.0, 7000.0), ("II", "DRB1*04:01", 3000.0, 3000.0)]
    m1 = point_at(evaluation, "M1")
    assert [
        (c.hla_class, c.immunodominant_dsa, c.immunodominant_mfi, c.sum_mfi) for c in m1.by_class
    ] == expected
    assert (m1.immunodominant_mfi, m1.sum_mfi) == (5000.0, 10000.0)  # over both classes
    baseline = point_at(evaluation, "baseline")
    assert [(c.hla_class, c.immunodominant_dsa, c.sum_mfi) for c in baseline.by_class] == [
        ("I", None, 0.0),
        ("II", None, 0.0),
    ]
    # stored as made
    kept = point_at(stored_evaluation(db, evaluation.evaluation_id), "M1")
    assert kept.by_class == m1.by_class


def test_a_self_bead_is_listed_per_serum_and_is_never_a_dsa(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE)
    # A*02:01 is the donor's and the recipient's: a positive bead, flagged, not a DSA
    upload_serum(db, "WX-1-M1", M1, mfi={"A*02:01": 4000.0, "B*07:02": 2000.0})
    evaluation = evaluated(db, ids["WX-1"])
    assert evaluation.dsa_targets() == ["B*07:02"]
    [bead] = point_at(evaluation, "M1").self_beads
    assert {k: bead[k] for k in ("target", "specificity", "mfi", "hla_class", "reason")} == {
        "target": "A*02:01",
        "specificity": "A*02:01",
        "mfi": 4000.0,
        "hla_class": "I",
        "reason": "self: shared with the recipient",
    }
    assert point_at(evaluation, "baseline").self_beads == ()
    kept = stored_evaluation(db, evaluation.evaluation_id)
    assert point_at(kept, "M1").self_beads == (bead,)
    run = evaluate_pending(db, reference=REFERENCE, as_of=AS_OF)
    assert {f.antigen for f in run.changes} <= {"B*07:02"}


def test_an_exposure_in_year_one_is_evaluated_beside_the_others(db):
    ids = make_world(db, ("WX-1",))
    good = ids["WX-1"]
    donor = ids["D-1"]
    bad = store.create_recipient(db, "WX", "WX-2", lab_ids=["P2"], user="setup")["id"]
    with store.write_transaction(db):  # stored before exposure dates were checked
        exposure = db.conn.execute(
            "INSERT INTO exposures (recipient_id, date, kind, created_at, created_by)"
            " VALUES (?, '0001-01-01', 'infusion', '2026-01-01', 'setup')",
            (bad,),
        ).lastrowid
        db.conn.execute("INSERT INTO exposure_donors VALUES (?, ?)", (exposure, donor))
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    upload_serum(db, "WX-2-M1", M1, patient="P2", mfi={"B*07:02": 5000.0})
    run = evaluate_pending(db, reference=REFERENCE, as_of=AS_OF)
    assert sorted(run) == [good, bad] and run.failures == []
    assert sorted((f.recipient_id, f.kind, f.visit) for f in run.changes) == [
        (good, DE_NOVO_DSA, "M1"),
        (bad, DE_NOVO_DSA, "unscheduled 2026-02-09"),
    ]
    year_one = next(r for r in run.evaluations if r.recipient_id == bad).evaluations[0]
    assert [p.visit for p in year_one.points] == ["unscheduled"]


def test_one_recipients_failure_is_reported_and_retried_while_the_others_are_stored(db):
    ids = make_world(db, ("WX-1", "WX-2"))
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    upload_serum(db, "WX-2-M1", M1, patient="P2", mfi={"B*07:02": 5000.0})
    with store.write_transaction(db):  # a stored row the evaluation cannot read
        db.conn.execute("UPDATE samples SET draw_date = '2026-02-31' WHERE recipient_id = ?", (ids["WX-2"],))
    run = evaluate_pending(db, reference=REFERENCE, as_of=AS_OF)
    assert list(run) == [ids["WX-1"]]
    assert [(f.kind, f.visit) for f in run.changes] == [(DE_NOVO_DSA, "M1")]
    [failure] = run.failures
    assert failure.recipient_id == ids["WX-2"] and failure.error.startswith("ValueError")
    failed = db.conn.execute("SELECT recipient_id, attempts FROM evaluation_failures").fetchall()
    assert failed == [(ids["WX-2"], 1)]
    # nothing new arrives, yet the next run tries WX-2 again (the watermark did not skip it)
    assert evaluate_pending(db, reference=REFERENCE, as_of=AS_OF).failures[0].recipient_id == (ids["WX-2"])
    with store.write_transaction(db):
        db.conn.execute("UPDATE samples SET draw_date = '2026-02-09' WHERE recipient_id = ?", (ids["WX-2"],))
    again = evaluate_pending(db, reference=REFERENCE, as_of=AS_OF)
    assert list(again) == [ids["WX-2"]] and again.failures == []
    assert db.conn.execute("SELECT count(*) FROM evaluation_failures").fetchone()[0] == 0


def test_an_explicit_evaluation_raises_the_error(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-M1", M1)
    with store.write_transaction(db):
        db.conn.execute("UPDATE samples SET draw_date = 'soon'")
    with pytest.raises(ValueError, match="soon"):
        evaluate_recipient(db, ids["WX-1"], reference=REFERENCE, as_of=AS_OF)


def test_a_third_serum_keeps_the_per_class_values_apart(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    upload_serum(db, "WX-1-M3", M3, hla_class="II", mfi={"DRB1*04:01": 3000.0})
    evaluation = evaluated(db, ids["WX-1"])
    # M3 has a class II run only: its class I DSA is not measured there (not 0)
    assert [(c.hla_class, c.sum_mfi) for c in point_at(evaluation, "M3").by_class] == [("II", 3000.0)]


def test_the_class_runs_of_one_draw_are_one_serum_whatever_their_sample_ids(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL-I", BASELINE)  # a HAML file names each test's sample on its own
    upload_serum(db, "WX-1-BL-II", BASELINE, hla_class="II")
    upload_serum(db, "WX-1-M1-I", M1)
    upload_serum(db, "WX-1-M1-II", M1, hla_class="II", mfi={"DRB1*04:01": 3000.0})
    evaluation = evaluated(db, ids["WX-1"])
    assert [p.visit for p in evaluation.points] == ["baseline", "M1"]
    assert point_at(evaluation, "baseline").serum == "WX-1-BL-I + WX-1-BL-II"
    [state] = [s for s in evaluation.states if s.visit == "M1"]
    assert (state.target, state.status) == ("DRB1*04:01", "de_novo")  # its baseline was tested


def test_a_treated_run_beside_its_neat_run_is_one_serum_at_its_strongest(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    # M3: the neat run is low (prozone), the EDTA run of the same draw shows the DSA
    upload_serum(db, "WX-1-M3", M3, mfi={"B*07:02": 600.0})
    upload_serum(db, "WX-1-M3", M3, mfi={"B*07:02": 7000.0}, treatment="EDTA")
    evaluation = evaluated(db, ids["WX-1"])
    assert [p.visit for p in evaluation.points] == ["baseline", "M1", "M3"]
    m3 = [s for s in evaluation.states if s.visit == "M3"]
    assert [(s.target, s.mfi, s.status) for s in m3] == [("B*07:02", 7000.0, "persistent")]
    assert point_at(evaluation, "M3").serum == "WX-1-M3 + WX-1-M3 (EDTA)"


def test_a_class_ii_run_added_to_a_serum_is_no_assay_change_for_a_class_i_dsa(db):
    ids = make_world(db)
    upload_serum(db, "WX-1-BL", BASELINE)
    upload_serum(db, "WX-1-M1", M1, mfi={"B*07:02": 5000.0})
    upload_serum(db, "WX-1-M3", M3, mfi={"B*07:02": 5200.0})
    upload_serum(db, "WX-1-M3", M3, hla_class="II")
    evaluation = evaluated(db, ids["WX-1"])
    [m3] = [s for s in evaluation.states if s.visit == "M3"]
    assert not m3.assay_changed


def test_a_second_infusion_ends_the_first_ones_follow_up_and_says_so(db):
    ids = make_world(db)
    second = store.create_donor(db, "D-2", kind="cord", user="setup")
    store.create_exposure(db, ids["WX-1"], [second["id"]], M3, "infusion", user="setup")
    upload_serum(db, "WX-1-BL", BASELINE)
    first, later = evaluate_recipient(db, ids["WX-1"], reference=REFERENCE, as_of=AS_OF).evaluations
    day_before = (M3 - dt.timedelta(days=1)).isoformat()
    assert any(f"follow-up of this exposure ends on {day_before}" in n for n in first.notes)
    assert not any("follow-up of this exposure ends" in n for n in later.notes)
