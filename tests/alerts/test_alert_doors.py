"""Every door that stores an evaluation records its events with it: a de novo DSA first seen by
``dsa-monitor evaluate`` (all, ``--pending`` or ``--recipient``) or by the scheduler is mailed
exactly once, however many times ``scheduler --once`` runs after it.

The demo trial's LUP-03 develops a de novo A*24:02 DSA at M3 (weak), persistent and rising at M6.
"""

from __future__ import annotations

import pytest

from dsa_monitor import store
from dsa_monitor.alerts import subscribe
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.evaluation import NoRecorder, evaluate_pending, recording
from dsa_monitor.reference.service import embedded
from dsa_monitor.store import evaluations as stored_evaluations

DOCTOR = "transplant-md@hospital.example"
DOORS = {
    "evaluate": ("evaluate",),
    "evaluate --pending": ("evaluate", "--pending"),
    "evaluate --recipient": ("evaluate", "--recipient", "LUP-03"),
    "scheduler --once": ("scheduler", "--once"),
}


@pytest.fixture
def trial(world):
    trial = build_trial()
    ids = store_trial(world.db, trial)
    subscribe(world.db, DOCTOR, study=trial.study_code, user="admin")
    return trial, ids


def count(db, table: str) -> int:
    return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("door", DOORS, ids=list(DOORS))
def test_a_de_novo_dsa_first_seen_through_any_door_is_mailed_exactly_once(world, trial, cli, door):
    trial, ids = trial
    first = cli(*DOORS[door])
    assert first.returncode == 0, first.stdout + first.stderr
    lup03 = ids.recipients["LUP-03"]
    # The evaluation and its events were stored together: the scheduler has nothing to find.
    kinds = sorted(e["kind"] for e in store.list_events(world.db, recipient_id=lup03))
    assert kinds == ["de_novo", "persistent", "rising"]
    assert count(world.db, "outbox") == 3
    for _ in range(3):
        run = cli("scheduler", "--once")
        assert run.returncode == 0, run.stdout + run.stderr
    de_novo = [m for m in world.server.messages if "De novo DSA" in m["Subject"]]
    assert [m["Subject"] for m in de_novo] == [
        f"[dsa-monitor] De novo DSA: {trial.study_code} LUP-03, A*24:02 (M3)"
    ]
    assert de_novo[0]["To"] == DOCTOR
    assert len(world.server.messages) == 3  # de novo (M3), persistent and rising (M6)
    assert count(world.db, "events") == 3


def test_no_evaluation_is_stored_when_nothing_can_record_its_alerts(world, trial, monkeypatch):
    monkeypatch.setattr(recording, "_installed", [])
    with pytest.raises(NoRecorder, match="without its alerts"):
        evaluate_pending(world.db, reference=embedded(), as_of=trial[0].as_of)
    assert count(world.db, "evaluations") == 0 and count(world.db, "events") == 0
    assert stored_evaluations.read_watermark(world.db) is None
