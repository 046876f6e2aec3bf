"""``store.dsa_reading.dsa_reading`` serves what the object path served, document for document.

The API's DSA read used to rebuild every current evaluation as objects (``current_evaluations``)
and turn them back into documents (``donor_dsa`` below, kept as the oracle); the store's
two-query reading must give the same documents as the API dumps them, on the demo trial
(preformed, de novo, rising, resolved, QC-failed runs, self beads, warnings) evaluated twice (so
that older evaluations exist beside the current ones) and on a benchmark cohort (most recipients
on the bulk path).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

import dsa_monitor.alerts  # noqa: F401  (the recorder of change facts)
from dsa_monitor import store
from dsa_monitor.api.dsa import DonorDSASchema
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.dsa.rules import DEFAULT_RULES
from dsa_monitor.evaluation import (
    DonorEvaluation,
    current_evaluations,
    evaluate_pending,
    evaluate_recipients,
)
from dsa_monitor.readings.visits import with_timings
from dsa_monitor.reference.service import embedded
from dsa_monitor.store.dsa_reading import dsa_reading

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_evaluate import populate  # noqa: E402

REFERENCE = embedded()
DUMP = DonorDSASchema(many=True)  # what the API serves of each document


def donor_dsa(evaluation: DonorEvaluation) -> dict[str, Any]:
    """The object path's document of one donor evaluation, as the API built it before the stored
    reading: visits, and each DSA with its states in order (the oracle the reading must equal)."""
    data = evaluation.to_dict()
    data["visits"] = data.pop("points")
    with_timings([data])  # as the stored reading gives them
    states = sorted(data.pop("states"), key=lambda s: (s["target"], s["position"]))
    data["dsa"] = []
    for target, group in groupby(states, key=lambda s: s["target"]):
        history = list(group)
        last = history[-1]
        data["dsa"].append(
            {
                "antigen": target,
                "hla_class": last["hla_class"],
                "level": last["level"],
                "chain": last["chain"],
                "origin": next((s["origin"] for s in history if s["origin"]), None),
                "earlier_serum_date": next(
                    (s["earlier_serum_date"] for s in history if s.get("earlier_serum_date")), None
                ),
                "warnings": list(dict.fromkeys(w for s in history for w in s.get("warnings") or ())),
                "states": history,
            }
        )
    return data


def _trial(db):
    store_trial(db, build_trial(qc_failed=frozenset({(1, "M3", "I"), (4, "M6", "II")})))


def _bench(db):
    populate(db, 120, seed=3)


@pytest.mark.parametrize("fill", [_trial, _bench])
def test_the_reading_is_the_object_path_document_for_document(tmp_path, fill):
    db = store.open_database(tmp_path / "reading.sqlite3")
    fill(db)
    evaluate_pending(db, reference=REFERENCE, as_of=dt.date(2026, 1, 1))
    ids = [row[0] for row in db.conn.execute("SELECT id FROM recipients ORDER BY id")]
    # a later run under other rules: older evaluations stay beside the current ones
    evaluate_recipients(
        db,
        ids[::3],
        reference=REFERENCE,
        as_of=dt.date(2026, 6, 1),
        rules=replace(DEFAULT_RULES, rising_absolute=500.0),
    )
    with_dsa = 0
    for recipient_id in ids:
        expected = [donor_dsa(e) for e in current_evaluations(db, recipient_id)]
        assert DUMP.dump(dsa_reading(db, recipient_id)) == DUMP.dump(expected)
        with_dsa += any(document["dsa"] for document in expected)
    assert with_dsa  # the comparison saw DSA, not only negative sera


def test_a_recipient_never_evaluated_reads_as_nothing(tmp_path):
    db = store.open_database(tmp_path / "reading.sqlite3")
    assert dsa_reading(db, 1) == []
