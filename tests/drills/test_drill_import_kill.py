"""Drill: ``dsa-monitor import`` killed with SIGKILL at random moments leaves no partial upload.

The short form of the audit's drill (issue 16): a real process per import, killed -9 somewhere
between start and commit; then every stored upload holds all its samples and every sample all
its beads, and nothing belongs to an upload that was not stored.
"""

import os
import random
import signal
import subprocess
import sys
import time

from dsa_monitor import store
from dsa_monitor.ingest import import_upload

SAMPLES, BEADS = 150, 100
ALLELES = ("A*01:01", "A*02:01", "A*03:01", "B*07:02", "B*08:01", "C*07:01", "B*44:02")


def generic_file(prefix: str) -> bytes:
    """A generic CSV of SAMPLES sera of patient P-1, BEADS class I beads each."""
    rows = ["sample_id,patient_id,draw_date,lot,bead_id,specificity,raw_mfi,count"]
    for s in range(SAMPLES):
        rows += [
            f"{prefix}-{s},P-1,2024-03-01,LOT-7,{b},{ALLELES[b % len(ALLELES)]},"
            f"{(s * 37 + b * 11) % 9000}.5,{80 + b % 40}"
            for b in range(1, BEADS + 1)
        ]
    return ("\n".join(rows) + "\n").encode()


def partial_uploads(db) -> int:
    """Uploads or samples an interrupted import could have left half-written."""
    short_uploads = db.conn.execute(
        "SELECT count(*) FROM uploads u WHERE u.outcome = 'stored' AND"
        " (SELECT count(*) FROM samples s WHERE s.upload_id = u.id) <> ?",
        (SAMPLES,),
    ).fetchone()
    orphans = db.conn.execute(
        "SELECT count(*) FROM samples s WHERE NOT EXISTS (SELECT 1 FROM uploads u"
        " WHERE u.id = s.upload_id AND u.outcome = 'stored')"
    ).fetchone()
    short_samples = db.conn.execute(
        "SELECT count(*) FROM samples s WHERE s.bead_count <>"
        " (SELECT count(*) FROM bead_results b WHERE b.sample_id = s.id)"
    ).fetchone()
    return short_uploads[0] + orphans[0] + short_samples[0]


def test_drill_kill_9_during_an_import_leaves_no_partial_upload(tmp_path, capsys):
    database = tmp_path / "drill.sqlite3"
    db = store.open_database(str(database))
    store.create_study(db, "DRILL", title="drill", user="drill")
    store.create_recipient(db, "DRILL", "R1", lab_ids=["P-1"], user="drill")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSA_MONITOR_")}
    env.update(DSA_MONITOR_DATABASE=str(database), DSA_MONITOR_REFERENCE_DIR=str(tmp_path / "reference"))

    def start(name: str) -> subprocess.Popen:
        path = tmp_path / f"{name}.csv"
        path.write_bytes(generic_file(name))
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from dsa_monitor.cli import main; main()",
                "import",
                str(path),
                "--study",
                "DRILL",
                "--user",
                "drill",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    began = time.monotonic()
    assert start("whole").wait(timeout=60) == 0
    whole = time.monotonic() - began  # start-up, parse and commit of one import
    rng = random.Random(16)
    killed = finished = 0
    for n in range(5):
        process = start(f"k{n}")
        time.sleep(rng.uniform(0.3, 1.0) * whole)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        finished += process.wait(timeout=60) == 0
    # The database is usable after the kills: a killed file imports whole.
    again = import_upload(db, generic_file("k0"), "k0.csv", user="drill", study="DRILL")
    stored = db.conn.execute("SELECT count(*) FROM uploads WHERE outcome = 'stored'").fetchone()[0]
    partial = partial_uploads(db)
    db.close()
    with capsys.disabled():
        print(
            f"\ndrill kill -9 during import: {killed} killed, {finished} finished,"
            f" {stored} stored uploads, partial uploads = {partial}"
        )
    assert again.outcome in ("stored", "duplicate")
    assert killed >= 1
    assert partial == 0
