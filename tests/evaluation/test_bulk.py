"""The bulk path stores exactly what the per-recipient path stores, on mixed cohorts.

Two copies of one database: one evaluated donor by donor through ``engine.evaluate_donor``
(``evaluate_recipients(bulk=False)``), the other by ``evaluate_pending`` (donors the screen clears
go the bulk path). Every stored evaluation, serum and DSA state must be the same, row for row, and
so must the evaluations the run returns.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import pytest

import dsa_monitor.alerts  # noqa: F401  (the recorder of change facts)
from dsa_monitor import store
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.evaluation import evaluate_pending, evaluate_recipient, evaluate_recipients
from dsa_monitor.evaluation.service import Deferred
from dsa_monitor.reference.service import embedded
from dsa_monitor.store.evaluations import compact_sera

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_evaluate import populate  # noqa: E402
from evaluation.stored_rows import stored_rows, without_ids  # noqa: E402

REFERENCE = embedded()
AS_OF = dt.date(2026, 1, 1)


def _trial(db):
    trial = build_trial(qc_failed=frozenset({(1, "M3", "I"), (4, "M6", "II")}))
    store_trial(db, trial)


def _bench(db):
    populate(db, 120, seed=3)


@pytest.mark.parametrize("cohort", [_trial, _bench])
def test_the_bulk_path_and_the_per_recipient_path_store_the_same_evaluations(tmp_path, cohort):
    first = store.open_database(tmp_path / "a.sqlite3")
    cohort(first)
    first.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    first.close()
    shutil.copy(tmp_path / "a.sqlite3", tmp_path / "b.sqlite3")
    alone, bulk = (store.open_database(tmp_path / name) for name in ("a.sqlite3", "b.sqlite3"))
    ids = [r[0] for r in alone.conn.execute("SELECT id FROM recipients ORDER BY id")]
    one_by_one = evaluate_recipients(alone, ids, reference=REFERENCE, as_of=AS_OF, bulk=False)
    run = evaluate_pending(bulk, reference=REFERENCE, as_of=AS_OF)
    deferred = sum(isinstance(e, Deferred) for e in run._evaluations)
    assert 0 < deferred < len(ids)  # both paths were taken
    assert stored_rows(alone) == stored_rows(bulk)
    assert without_ids(one_by_one) == without_ids(run.evaluations)
    # nothing new to store the second time, by either path
    again = evaluate_recipients(bulk, ids, reference=REFERENCE, as_of=AS_OF)
    assert not any(e.created for r in again for e in r.evaluations)
    assert stored_rows(alone) == stored_rows(bulk)


# One case of each kind the engine tells apart, on the demo's recipients and donors (subject
# index -> the donor allele raised, by visit): de novo from M3, preformed from the baseline,
# rising, a DQ beta chain beside the donor's untyped DQA1, a DQ bead whose only donor-related
# chain is that untyped alpha (undecidable, shown), a third-party antibody (never a DSA).
_MIXED = {
    (1, "A*26:01"): {"M3": 2600.0, "M6": 3000.0, "M9": 2800.0, "M12": 2500.0},
    (2, "A*24:02"): dict.fromkeys(("baseline", "M1", "M3", "M6", "M9", "M12"), 4200.0),
    (3, "B*44:03"): {"M1": 1500.0, "M3": 3200.0, "M6": 7000.0, "M9": 12000.0, "M12": 15000.0},
    (4, "DQB1*05:01"): {"M6": 3800.0, "M9": 4100.0, "M12": 3900.0},
    (6, "DQB1*06:09"): {"M3": 5000.0, "M6": 5200.0},
    (5, "B*08:01"): dict.fromkeys(("baseline", "M1", "M3", "M6", "M9", "M12"), 3500.0),
}
# both runs of LUP-02's M6 serum fail QC (the serum is left out); LUP-05's M3 class II run does
_MIXED_QC_FAILED = frozenset({(1, "M6", "I"), (1, "M6", "II"), (4, "M3", "II")})


def test_one_recipient_at_a_time_and_the_bulk_run_store_the_same_on_a_mixed_cohort(tmp_path):
    """``evaluate_recipient`` after each upload, the same with every donor through
    ``evaluate_donor``, and one ``evaluate_pending`` over the cohort store the same rows."""
    first = store.open_database(tmp_path / "a.sqlite3")
    store_trial(first, build_trial(antibodies=_MIXED, qc_failed=_MIXED_QC_FAILED))
    first.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    first.close()
    for name in ("b.sqlite3", "c.sqlite3"):
        shutil.copy(tmp_path / "a.sqlite3", tmp_path / name)
    alone, engine, bulk = (
        store.open_database(tmp_path / name) for name in ("a.sqlite3", "b.sqlite3", "c.sqlite3")
    )
    ids = [r[0] for r in alone.conn.execute("SELECT id FROM recipients ORDER BY id")]
    each = [evaluate_recipient(alone, i, reference=REFERENCE, as_of=AS_OF) for i in ids]
    every_donor = [
        evaluate_recipients(engine, [i], reference=REFERENCE, as_of=AS_OF, bulk=False)[0] for i in ids
    ]
    run = evaluate_pending(bulk, reference=REFERENCE, as_of=AS_OF)
    assert any(isinstance(e, Deferred) for e in run._evaluations)  # the bulk path was taken
    assert stored_rows(alone) == stored_rows(engine) == stored_rows(bulk)
    assert without_ids(each) == without_ids(every_donor) == without_ids(run.evaluations)
    # every kind of case is there, so that the comparison covers it
    states = bulk.conn.execute("SELECT origin, rising, chain, warnings FROM dsa_states").fetchall()
    assert {"preformed", "de_novo"} <= {s[0] for s in states}
    assert any(s[1] for s in states)
    assert any(s[2] == "DQB1" and "DQA1 untyped" in s[3] for s in states)
    excluded = bulk.conn.execute(
        "SELECT count(*) FROM evaluation_points WHERE excluded_reason LIKE '%QC%'"
    ).fetchone()[0]
    assert excluded == 1


@pytest.mark.parametrize(
    "until, overdue, typed, release",
    [
        (None, [], 7, "embedded"),
        (
            dt.date(2025, 2, 1),
            [
                {
                    "visit": "M3",
                    "target": "2024-04-01",
                    "opens": "2024-03-18",
                    "closes": "2024-04-15",
                    "reason": "no serum in its window",
                }
            ],
            None,
            'IMGT "3.55", é',
        ),
    ],
)
def test_the_bulk_path_writes_its_json_as_json_dumps_would(until, overdue, typed, release):
    """The bulk path writes the summary and the fingerprinted inputs from their parts: the
    texts are those ``json.dumps`` gives (sorted keys; compact for the fingerprint), whatever
    the follow-up end, overdue visits, untyped recipient or release name."""
    from dsa_monitor.dsa.rules import DEFAULT_RULES
    from dsa_monitor.evaluation.bulk import Cleared, _inputs_json
    from dsa_monitor.evaluation.engine import fingerprint, fingerprint_of

    listed = [[11, False], [12, True], [13, False]]
    made_from = {
        "engine": "e4",
        "rules": DEFAULT_RULES.version,
        "reference": release,
        "recipient_typing": typed,
        "donor_typing": 9,
        "exposure": [5, "2024-01-02", None if until is None else until.isoformat()],
        "runs": listed,
        "overdue": [o["visit"] for o in overdue],
    }
    runs_text = ",".join(f"[{i},{'true' if e else 'false'}]" for i, e in listed)
    compact, spaced = _inputs_json(made_from, (listed, runs_text))
    assert fingerprint_of(compact) == fingerprint(made_from)
    assert spaced == json.dumps(made_from, sort_keys=True, default=str)
    points = [
        (0, "S1", "[11]", "2024-01-01", "baseline", -1, None),
        (1, "S2", "[12, 13]", "2024-04-01", "M3", 90, "QC failed"),
    ]
    item = Cleared(
        1,
        5,
        9,
        'D"9',
        dt.date(2024, 1, 2),
        DEFAULT_RULES,
        release,
        fingerprint_of(compact),
        "S1",
        compact_sera(points),
        (2, 1),
        overdue,
        ["recipient not typed: antigens shared with the donor cannot be told"],
        AS_OF,
        spaced,
    )
    assert item.inputs == made_from  # read back from its text
    assert item.stored_summary() == json.dumps(
        {
            **item.summary(),
            "overdue_visits": overdue,
            "notes": item.notes,
            "donor_code": item.donor_code,
            "inputs": made_from,
            "earlier_sera": {},
        },
        sort_keys=True,
        default=str,
    )
