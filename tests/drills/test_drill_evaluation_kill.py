"""Drill: an evaluation run with a helper process, killed -9 mid-run, leaves no process behind
and nothing half-stored; the next run evaluates everyone.

The run is a real process (batches of 10 recipients, a helper from two batches on, each batch's
storing slowed so that the kill lands mid-run); it prints its helper's pid. After SIGKILL the
helper must end by itself (it reads the end of its input), the run's one transaction is gone
(no evaluation, no event), and the file is whole.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dsa_monitor.alerts  # noqa: F401  (the recorder of change facts)
from dsa_monitor import store
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_evaluate import populate  # noqa: E402

RUN = """
import sys, time
import dsa_monitor.alerts
from dsa_monitor import store
from dsa_monitor.evaluation import evaluate_pending, parallel, service
from dsa_monitor.reference.service import embedded
service.BATCH, service.HELPED_FROM = 10, 2
started = parallel.Helper.__init__
def announced(self, *args, **kwargs):
    started(self, *args, **kwargs)
    print(self._process.pid, flush=True)
parallel.Helper.__init__ = announced
stored = service._Run.store
def slowly(self, computed):
    stored(self, computed)
    time.sleep(0.2)
service._Run.store = slowly
import datetime as dt
evaluate_pending(store.open_database(sys.argv[1]), reference=embedded(), as_of=dt.date(2026, 1, 1))
print("finished", flush=True)
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for its reaper has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states in /proc")
def test_drill_kill_9_during_a_helped_evaluation_leaves_no_helper_and_nothing_stored(tmp_path):
    database = tmp_path / "drill.sqlite3"
    db = store.open_database(database)
    populate(db, 80, seed=13)
    run = subprocess.Popen(
        [sys.executable, "-c", RUN, str(database)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert run.stdout is not None
    helper = int(run.stdout.readline())
    assert _running(helper)
    time.sleep(0.5)  # a few batches stored, in the run's one transaction
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    run.stdout.close()
    ended = time.monotonic() + 10
    while _running(helper) and time.monotonic() < ended:
        time.sleep(0.05)
    assert not _running(helper), "the helper outlived the run it served"
    assert db.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.conn.execute("SELECT count(*) FROM evaluations").fetchone() == (0,)
    assert db.conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
    again = evaluate_pending(db, reference=embedded(), as_of=dt.date(2026, 1, 1))
    assert len(again) == 80 and again.failures == []
