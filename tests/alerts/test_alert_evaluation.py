"""The evaluation's changes become e-mails: the demo trial's de novo DSA (LUP-03, A*24:02, M3)."""

import datetime as dt

import pytest

from dsa_monitor import store
from dsa_monitor.alerts import subscribe
from dsa_monitor.alerts.evaluation import event_facts
from dsa_monitor.alerts.events import InvalidEvent
from dsa_monitor.demo.fusion_writer import FusionSample, write_fusion_csv
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial, demo_panel
from dsa_monitor.evaluation.changes import ChangeFact
from dsa_monitor.ingest import import_upload

DOCTOR = "transplant-md@hospital.example"


@pytest.fixture
def trial(world):
    trial = build_trial()
    ids = store_trial(world.db, trial)
    subscribe(world.db, DOCTOR, study=trial.study_code, user="admin")
    return trial, ids


def subjects(world):
    return sorted(m["Subject"] for m in world.server.messages)


def test_a_de_novo_dsa_found_by_the_evaluation_is_mailed_once_and_corrected(world, trial, cli):
    trial, ids = trial
    first = cli("scheduler", "--once")
    assert first.returncode == 0, first.stderr
    assert "evaluate: 9 recipient(s) evaluated, 3 change(s)" in first.stdout
    who = f"{trial.study_code} LUP-03, A*24:02"
    assert subjects(world) == [
        f"[dsa-monitor] De novo DSA: {who} (M3)",
        f"[dsa-monitor] Persistent DSA: {who} (M6)",
        f"[dsa-monitor] Rising DSA: {who} (M6)",
    ]
    assert {m["To"] for m in world.server.messages} == {DOCTOR}
    de_novo = next(m for m in world.server.messages if "De novo" in m["Subject"])
    text = " ".join(de_novo.get_body(("plain",)).get_content().split())
    for expected in (
        "Visit: M3",
        "Donor: UC-MSC-03",
        "Antigen: A*24:02",
        "Level: allele",
        "MFI: 2,437.65",
        "Strength: weak",
        "Status: de novo",
        "Sample: LUP-03-M3",
        "Positive beads: A*24:02 (bead",
        "Rules: default r1-",
        f"https://dsa.example.org/recipients/{ids.recipients['LUP-03']}",
    ):
        assert expected in text, text
    assert "Chain:" not in text  # class I
    again = cli("scheduler", "--once")
    assert "evaluate: 0 recipient(s) evaluated, 0 change(s)" in again.stdout
    assert len(world.server.messages) == 3

    # The lab corrects the M3 run: no DSA at M3 any more; it appears at M6 instead.
    panel = demo_panel("I")
    serum = next(s for s in trial.sera if s.sample_id == "LUP-03-M3")
    background = [60.0] + [18000.0] + [150.0] * (len(panel.beads) - 2)
    corrected = write_fusion_csv(
        panel,
        [FusionSample(serum.sample_id, "P7103", serum.date, background)],
        run_date=serum.date + dt.timedelta(days=10),
    )
    import_upload(world.db, corrected, "fusion_M3_classI_corrected.csv", user="lab")
    third = cli("scheduler", "--once")
    assert "evaluate: 1 recipient(s) evaluated, 5 change(s)" in third.stdout
    assert subjects(world)[:5] == [
        f"[dsa-monitor] Correction: {who} (M3)",
        f"[dsa-monitor] Correction: {who} (M6)",
        f"[dsa-monitor] Correction: {who} (M6)",
        f"[dsa-monitor] De novo DSA: {who} (M3)",
        f"[dsa-monitor] De novo DSA: {who} (M6)",
    ]
    assert len(world.server.messages) == 8
    events = store.list_events(world.db, recipient_id=ids.recipients["LUP-03"])
    withdrawn = sorted(e["kind"] for e in events if e["withdrawn_by"])
    assert withdrawn == ["de_novo", "persistent", "rising"]


def change(**fields):
    base = dict(
        kind="de_novo_dsa",
        recipient_id=1,
        donor_id=1,
        exposure_id=1,
        antigen="A2",
        visit="M3",
        date=dt.date(2025, 4, 1),
        sample_id=None,
        mfi=2000.0,
        strength="weak",
        status="de_novo",
    )
    return ChangeFact(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ("de_novo", None)),
        ({"kind": "recurrent_dsa"}, ("recurrent", None)),
        ({"kind": "withdrawn", "withdraws": "rising_dsa"}, ("correction", "rising")),
    ],
)
def test_each_change_kind_is_an_alert_kind(world, fields, expected):
    [fact] = event_facts(world.db, [change(**fields)])
    assert (fact.kind, fact.withdraws) == expected
    assert fact.payload["mfi"] == 2000.0 and fact.payload["draw_date"] == "2025-04-01"


def test_a_change_the_alerts_do_not_know_is_refused_not_dropped(world):
    with pytest.raises(InvalidEvent, match="'flared_dsa', which the alerts do not know"):
        event_facts(world.db, [change(kind="flared_dsa")])
