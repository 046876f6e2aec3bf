"""One reading under every door: the serum grouping of the pages is the evaluation's, and "open
alert" means the same in the inbox, on the study and recipient pages, in the API and the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from evaluation.worked_sera import M3, make_world, upload_serum

from dsa_monitor import store
from dsa_monitor.alerts.events import EventFact, record_events
from dsa_monitor.cli import main
from dsa_monitor.evaluation import current_evaluations, evaluate_pending
from dsa_monitor.readings.alerts import open_alert_counts, open_alerts
from dsa_monitor.readings.study import study_summary
from dsa_monitor.readings.visits import visit_labels
from dsa_monitor.reference.service import embedded


@pytest.fixture
def db(tmp_path):
    database = store.open_database(tmp_path / "readings.sqlite3")
    yield database
    database.close()


def test_class_i_and_ii_runs_of_one_draw_with_other_sample_ids_are_one_visit(db):
    """The lab named the class I and class II runs of the M3 draw differently: the page must
    label both M3, as the evaluation counts one serum at M3 (not "M3" and "unscheduled")."""
    ids = make_world(db)
    upload_serum(db, "WX-1-M3-CI", M3, hla_class="I")
    upload_serum(db, "WX-1-M3-CII", M3, hla_class="II")
    labels = visit_labels(db, ids["WX-1"])
    assert sorted(labels.values()) == ["M3", "M3"]
    evaluate_pending(db, reference=embedded(), as_of=M3 + dt.timedelta(days=10))
    [evaluation] = current_evaluations(db, ids["WX-1"])
    assert [p.visit for p in evaluation.points] == ["M3"]


@pytest.fixture
def alerts(db):
    """WX-1 with three alerts: one open, one acknowledged, one withdrawn by a correction."""
    ids = make_world(db)
    rid = ids["WX-1"]
    facts = [
        EventFact("de_novo", rid, ids["D-1"], "A*03:01", "M3"),
        EventFact("rising", rid, ids["D-1"], "B*07:02", "M6"),
        EventFact("de_novo", rid, ids["D-1"], "DRB1*04:01", "M3"),
    ]
    first = record_events(db, facts, user="test")
    store.events.acknowledge_event(db, first[1], user="md")
    record_events(
        db, [EventFact("correction", rid, ids["D-1"], "DRB1*04:01", "M3", withdraws="de_novo")], user="test"
    )
    return ids


def test_a_withdrawn_alert_is_open_nowhere(db, alerts):
    rid = alerts["WX-1"]
    shown = open_alerts(db, recipient_id=rid)
    assert [(e["kind"], e["antigen"]) for e in shown] == [
        ("correction", "DRB1*04:01"),
        ("de_novo", "A*03:01"),
    ]
    assert all(e["acknowledged_at"] is None and e["withdrawn_by"] is None for e in shown)
    study = store.get_study(db, "WX")
    assert open_alert_counts(db, study["id"]) == {rid: 2}
    assert [row["open_alerts"] for row in study_summary(db, study)] == [2]
    assert store.events.list_events(db, recipient_id=rid, state="open") == shown


def test_the_command_line_lists_the_same_open_alerts(db, alerts, tmp_path, monkeypatch):
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(tmp_path / "readings.sqlite3"))
    done = CliRunner().invoke(main, ["alerts", "list", "--open"])
    assert done.exit_code == 0, done.output
    lines = [line for line in done.output.splitlines() if line.strip()][1:]  # after the header
    assert len(lines) == 2 and all("\topen" in line for line in lines)
    assert not any("DRB1*04:01\tM3\topen" in line and "de_novo" in line for line in lines)
