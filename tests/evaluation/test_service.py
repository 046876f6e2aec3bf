"""The trial that motivated the service, replayed through the real doors, then changed.

8 recipients with lupus, one umbilical-cord MSC infusion each from a typed donor, sera at
baseline, M1, M3, M6, M9, M12 in HLA Fusion files; LUP-03 develops a de novo DSA at M3.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dsa_monitor import store
from dsa_monitor.demo.fusion_writer import FusionSample, write_fusion_csv
from dsa_monitor.demo.seed import store_trial, store_typing
from dsa_monitor.demo.trial import build_trial, demo_panel
from dsa_monitor.dsa.rules import DEFAULT_RULES, Rules
from dsa_monitor.errors import NotFound
from dsa_monitor.evaluation import (
    current_evaluations,
    evaluate_pending,
    evaluate_recipient,
    stored_evaluation,
)
from dsa_monitor.evaluation.changes import (
    DE_NOVO_DSA,
    PERSISTENT_DSA,
    RISING_DSA,
    WITHDRAWN,
)
from dsa_monitor.ingest import import_upload
from dsa_monitor.reference.service import embedded

REFERENCE = embedded()


def stored(tmp_path, **trial_options):
    db = store.open_database(tmp_path / "trial.sqlite3")
    trial = build_trial(**trial_options)
    ids = store_trial(db, trial)
    return db, trial, ids


@pytest.fixture
def trial_db(tmp_path):
    db, trial, ids = stored(tmp_path)
    run = evaluate_pending(db, reference=REFERENCE, as_of=trial.as_of)
    yield db, trial, ids, run
    db.close()


def totals(run):
    by_subject = {r.subject_code: r.summary() for r in run.evaluations}
    return by_subject


def test_the_trial_summary(trial_db):
    db, trial, ids, run = trial_db
    assert sorted(run) == sorted(ids.recipients.values())
    summary = totals(run)
    assert len(summary) == 8 and all(s["sera"] == 6 for s in summary.values())
    with_dsa = {code: s for code, s in summary.items() if s["dsa"]}
    assert list(with_dsa) == ["LUP-03"]  # LUP-06's anti-B8 is not donor-specific
    assert {
        k: with_dsa["LUP-03"][k] for k in ("dsa", "preformed", "de_novo", "persistent", "resolved", "rising")
    } == {"dsa": 1, "preformed": 0, "de_novo": 1, "persistent": 3, "resolved": 0, "rising": 1}
    assert all(s["overdue"] == [] and s["excluded"] == 0 for s in summary.values())


def test_the_de_novo_dsa_at_m3_over_time(trial_db):
    db, trial, ids, run = trial_db
    (evaluation,) = next(r for r in run.evaluations if r.subject_code == "LUP-03").evaluations
    rows = [(s.visit, s.target, s.level, s.status, s.strength, s.rising) for s in evaluation.states]
    assert rows == [
        ("baseline", "A*24:02", None, "negative", "negative", False),
        ("M1", "A*24:02", None, "negative", "negative", False),
        ("M3", "A*24:02", "allele", "de_novo", "weak", False),
        ("M6", "A*24:02", "allele", "persistent", "moderate", True),
        ("M9", "A*24:02", "allele", "persistent", "moderate", False),
        ("M12", "A*24:02", "allele", "persistent", "moderate", False),
    ]
    m3 = evaluation.states[2]
    assert m3.beads[0]["specificity"] == "A*24:02" and m3.mfi > 2000
    assert evaluation.baseline_serum == "LUP-03-baseline"
    assert evaluation.rules == DEFAULT_RULES
    facts = {(f.kind, f.visit) for f in run.changes}
    assert facts == {(DE_NOVO_DSA, "M3"), (RISING_DSA, "M6"), (PERSISTENT_DSA, "M6")}


def test_rerunning_stores_nothing_new(trial_db):
    db, trial, ids, run = trial_db
    count = db.conn.execute("SELECT count(*) FROM evaluations").fetchone()[0]
    assert list(evaluate_pending(db, reference=REFERENCE, as_of=trial.as_of)) == []
    again = evaluate_recipient(db, ids.recipients["LUP-03"], reference=REFERENCE, as_of=trial.as_of)
    assert again.changes == [] and not again.evaluations[0].created
    assert db.conn.execute("SELECT count(*) FROM evaluations").fetchone()[0] == count


def test_a_corrected_upload_reevaluates_only_its_recipient_and_withdraws(trial_db):
    db, trial, ids, run = trial_db
    panel = demo_panel("I")
    serum = next(s for s in trial.sera if s.sample_id == "LUP-03-M3")
    background = [60.0] + [18000.0] + [150.0] * (len(panel.beads) - 2)
    corrected = write_fusion_csv(
        panel,
        [FusionSample(serum.sample_id, "P7103", serum.date, background)],
        run_date=serum.date + dt.timedelta(days=10),
    )
    result = import_upload(db, corrected, "fusion_M3_classI_corrected.csv", user="lab")
    assert result.samples[0].supersedes is not None
    again = evaluate_pending(db, reference=REFERENCE, as_of=trial.as_of)
    assert list(again) == [ids.recipients["LUP-03"]]
    found = {(f.kind, f.withdraws, f.visit) for f in again.changes}
    assert found == {
        (DE_NOVO_DSA, None, "M6"),
        (PERSISTENT_DSA, None, "M9"),
        (WITHDRAWN, DE_NOVO_DSA, "M3"),
        (WITHDRAWN, RISING_DSA, "M6"),
        (WITHDRAWN, PERSISTENT_DSA, "M6"),
    }


def test_a_changed_donor_typing_reevaluates_the_recipients_it_touches(trial_db):
    db, trial, ids, run = trial_db
    donor = ids.donors["UC-MSC-03"]
    typing = trial.recipients[2].donor_typing.replace("A*24:02", "A*23:01")
    store_typing(db, "donor", donor, typing, user="lab")
    again = evaluate_pending(db, reference=REFERENCE, as_of=trial.as_of)
    assert list(again) == [ids.recipients["LUP-03"]]
    assert again.evaluations[0].summary()["dsa"] == 0
    assert {(f.kind, f.withdraws) for f in again.changes} == {
        (WITHDRAWN, DE_NOVO_DSA),
        (WITHDRAWN, RISING_DSA),
        (WITHDRAWN, PERSISTENT_DSA),
    }


def test_other_rules_add_an_evaluation_and_never_rewrite_the_old(trial_db):
    db, trial, ids, run = trial_db
    recipient = ids.recipients["LUP-03"]
    old = run.evaluations[2].evaluations[0]
    strict = Rules(name="strict", cutoff=3000.0)
    new = evaluate_recipient(db, recipient, reference=REFERENCE, rules=strict, as_of=trial.as_of).evaluations[
        0
    ]
    assert new.evaluation_id != old.evaluation_id and new.created
    assert [s.status for s in new.states][2:4] == ["negative", "de_novo"]
    kept = stored_evaluation(db, old.evaluation_id)
    assert kept.rules == DEFAULT_RULES and kept.states == old.states
    assert [e.evaluation_id for e in current_evaluations(db, recipient, DEFAULT_RULES)] == [old.evaluation_id]
    assert [e.evaluation_id for e in current_evaluations(db, recipient, strict)] == [new.evaluation_id]
    # evaluate_pending is not a re-evaluation under new rules: nothing new, nothing run
    assert list(evaluate_pending(db, reference=REFERENCE, rules=strict, as_of=trial.as_of)) == []


@pytest.mark.parametrize(
    "options, subject, check",
    [
        # both runs of a serum fail QC: the serum is excluded, with the reason shown
        (
            {"qc_failed": frozenset({(4, "M6", "I"), (4, "M6", "II")})},
            "LUP-05",
            lambda ev: [p.excluded_reason for p in ev.points if p.visit == "M6"][0].startswith("QC failed"),
        ),
        # one run fails: the serum is used, the left-out run said in a note
        (
            {"qc_failed": frozenset({(2, "M9", "II")})},
            "LUP-03",
            lambda ev: [p.notes for p in ev.points if p.visit == "M9"][0][0].startswith("class II run"),
        ),
        # a visit never sampled is overdue once its window has closed
        (
            {"missing": frozenset({(6, "M12")})},
            "LUP-07",
            lambda ev: [(o["visit"], o["reason"]) for o in ev.overdue] == [("M12", "no sample")],
        ),
        # without a baseline serum, a new DSA is "de novo, baseline missing"
        (
            {"missing": frozenset({(2, "baseline")})},
            "LUP-03",
            lambda ev: {s.status for s in ev.states if s.positive} >= {"de_novo_baseline_missing"},
        ),
    ],
)
def test_exclusions_overdue_and_missing_baseline(tmp_path, options, subject, check):
    db, trial, ids = stored(tmp_path, **options)
    result = evaluate_recipient(db, ids.recipients[subject], reference=REFERENCE, as_of=trial.as_of)
    assert check(result.evaluations[0])


def test_the_studys_visit_schedule_is_the_rules_in_force(tmp_path):
    db, trial, ids = stored(tmp_path)
    with store.write_transaction(db):
        db.conn.execute(
            "UPDATE studies SET visit_schedule = ? WHERE code = ?",
            ('[{"name": "D30", "day": 30, "window_days": 7}]', trial.study_code),
        )
    (evaluation,) = evaluate_recipient(
        db, ids.recipients["LUP-01"], reference=REFERENCE, as_of=trial.as_of
    ).evaluations
    assert [v.name for v in evaluation.rules.visits] == ["D30"]
    assert [p.visit for p in evaluation.points] == [
        "baseline",
        "D30",
        "unscheduled",
        "unscheduled",
        "unscheduled",
        "unscheduled",
    ]
    stored_rules = stored_evaluation(db, evaluation.evaluation_id).rules
    assert stored_rules.version == evaluation.rules.version != DEFAULT_RULES.version


def test_a_repeat_infusion_of_two_donors_splits_the_follow_up(trial_db):
    db, trial, ids, run = trial_db
    recipient = ids.recipients["LUP-03"]
    m6 = next(s for s in trial.sera if s.sample_id == "LUP-03-M6")
    store.create_exposure(
        db,
        recipient,
        [ids.donors["UC-MSC-03"], ids.donors["UC-MSC-01"]],
        m6.date,
        "infusion",
        user="coordinator",
    )
    again = evaluate_pending(db, reference=REFERENCE, as_of=trial.as_of)
    assert list(again) == [recipient]
    found = {
        (e.exposure_date == m6.date, e.donor_code): [(s.visit, s.status) for s in e.states]
        for e in again.evaluations[0].evaluations
    }
    assert found == {
        (False, "UC-MSC-03"): [("baseline", "negative"), ("M1", "negative"), ("M3", "de_novo")],
        # the first infusion's M9 and M12 sera are the second one's M3 and M6
        (True, "UC-MSC-03"): [("baseline", "preformed"), ("M3", "persistent"), ("M6", "persistent")],
        (True, "UC-MSC-01"): [],
    }


def test_an_unknown_recipient_is_not_found(trial_db):
    db = trial_db[0]
    with pytest.raises(NotFound, match="no recipient 999"):
        evaluate_recipient(db, 999, reference=REFERENCE)


def test_an_engine_upgrade_reevaluates_every_recipient_once(trial_db, monkeypatch):
    """Calls made by superseded rules never stay in place: a new engine version (as this one
    fixed missed DQ DSA) re-evaluates every evaluated recipient without new inputs, once."""
    db, trial, ids, _ = trial_db
    assert list(evaluate_pending(db, reference=REFERENCE, as_of=trial.as_of)) == []
    monkeypatch.setattr("dsa_monitor.evaluation.engine.ENGINE_VERSION", "e-next")
    monkeypatch.setattr("dsa_monitor.evaluation.service.ENGINE_VERSION", "e-next")
    again = evaluate_pending(db, reference=REFERENCE, as_of=trial.as_of)
    assert sorted(again) == sorted(ids.recipients.values())
    engines = {
        row[0]
        for row in db.conn.execute(
            "SELECT json_extract(summary, '$.inputs.engine') FROM evaluations WHERE id IN"
            " (SELECT max(id) FROM evaluations GROUP BY recipient_id, exposure_id, donor_id)"
        )
    }
    assert engines == {"e-next"}
    assert list(evaluate_pending(db, reference=REFERENCE, as_of=trial.as_of)) == []
