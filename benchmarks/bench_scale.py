"""One node's ceilings: a national cohort in one SQLite file, measured end to end.

Usage: python benchmarks/bench_scale.py [RECIPIENTS] [--db PATH] [--seconds S] [--clients N]
       (default 100,000 recipients × 6 sera × 2 classes = 1.2 M samples; takes long: run by hand,
       in the background; the test suite runs it on a few hundred recipients)

Builds the cohort of ``bench_evaluate.py`` (bulk inserts, 5,000 recipients at a time; ``--cohort
PATH`` keeps it for the next run), then prints, each with how it was taken:
1. the database file's size (after a WAL checkpoint) and its bytes per sample;
2. ``evaluate_pending`` over every recipient (a full re-evaluation, as a new release triggers);
3. one recipient re-evaluated after one new sample uploaded (median of 5);
4. the import of one day's run: a 96-serum HLA Fusion file of enrolled recipients, then its
   evaluation;
5. through gunicorn (``bench_api.start_server``): p50/p95 of ``GET /recipients/{id}/dsa`` at N
   clients and of ``GET /studies/{code}/dsa`` (every recipient of the study in one answer) at two
   clients, each for S seconds, with ``/health`` in the same run as the machine's own figure;
6. the peak resident memory of this process (populate, evaluation, imports) and of the server.
No target is judged for the whole (issue 17 asks for the figures); the per-part targets are
``bench_evaluate``'s and ``bench_api``'s, at their sizes.

Measured 2026-12-04 with ``--cohort`` (2 cores, 24 GB, shared with other work: load average 4-6),
100,000 recipients, 1.2 M samples: populating 498 s (once; a copy of the kept file per run);
database 5,251 MiB before evaluation (4.5 KiB per sample), 5,518 MiB after; ``evaluate_pending``
of all 100,000: 54.0 s, 0.54 ms per recipient (150.6 s in a run beside the full test suite);
one recipient after one new sample: 2.5 ms (import 6.8 ms); one day's run of 96 sera: import
0.13 s, its evaluation 0.12 s; through gunicorn, 10 s each: ``GET /recipients/{id}/dsa`` at 16
clients p50 31.6 ms, p95 86.0 ms (``/health`` p95 26.4 ms in the same run), ``GET
/studies/{code}/dsa`` of the one 100,000-recipient study 26-28 s per answer; peak resident
memory 748 MiB in this process, 1,008 MiB in the largest server process.

Measured 2026-12-05 after the fifth issue-17 pass (the same kept cohort, quiet): evaluation of all
100,000 19.7 s with its helper process (0.20 ms per recipient); the file 5,659 MiB after it (an
evaluation's row with its sera fills a page alone); one recipient after one new sample 2.7 ms
(import 7.0 ms); one day's run imported in 0.11 s and evaluated in 0.05 s; ``GET
/recipients/{id}/dsa`` at 16 clients p50 6.7 ms, p95 22.2 ms (``/health`` p95 11.6 ms); ``GET
/studies/{code}/dsa`` (now paged, 1,000 recipients an answer) p50 188 ms; peak resident memory 464
MiB in this process, 463 MiB in the largest server process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_api import drive, free_port, show, start_server
from bench_evaluate import cohort, one_new_sample

import dsa_monitor.alerts  # noqa: F401  (installs the recorder of alert events, as every door does)
from dsa_monitor import store
from dsa_monitor.demo.fusion_writer import FusionSample, write_fusion_csv
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.ingest import import_upload
from dsa_monitor.reference.service import embedded
from dsa_monitor.store import tokens

DAY_RUN = 96  # sera on one day's run: one plate


def file_size(db, path: Path) -> int:
    """The file's size with all of its WAL in it (a checkpoint the run left to a thread may
    still hold the WAL: try again until it is done)."""
    while db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
        time.sleep(0.05)
    return path.stat().st_size


def day_run(db, reference, n: int, panels) -> tuple[float, float]:
    """One plate of class I sera of enrolled recipients, imported then evaluated: seconds each."""
    date = dt.date(2025, 9, 1)
    step = max(1, n // DAY_RUN)
    raw = [60.0, 18000.0] + [150.0] * (len(panels["I"].beads) - 2)
    sera = [FusionSample(f"R{r:05d}-DAY", f"R{r:05d}", date, raw) for r in range(1, n + 1, step)][:DAY_RUN]
    data = write_fusion_csv(panels["I"], sera, run_date=date)
    started = time.perf_counter()
    result = import_upload(db, data, "day_run.csv", user="bench")
    imported = time.perf_counter() - started
    assert result.outcome == "stored" and len(result.samples) == len(sera), result.outcome
    started = time.perf_counter()
    done = evaluate_pending(db, reference=reference, as_of=dt.date(2026, 1, 1))
    evaluated = time.perf_counter() - started
    assert len(done) == len(sera), len(done)
    print(
        f"one day's run ({len(sera)} sera, {len(data) / 1024:.0f} KiB Fusion CSV): import "
        f"{imported:.2f} s, then evaluate_pending of its recipients {evaluated:.2f} s"
    )
    return imported, evaluated


def api_figures(path: Path, n: int, clients: int, seconds: float) -> None:
    if not Path(sys.executable).with_name("gunicorn").exists():
        print("gunicorn is not installed in this environment: API figures not taken")
        return
    db = store.open_database(path)
    _, secret = tokens.create_token(db, "bench-scale", "clinician", user="bench")
    db.close()
    port = free_port()
    server = start_server(path, port, workers=2, threads=max(1, -(-clients // 2)))
    auth = {"Authorization": f"Bearer {secret}"}
    try:
        dsa_paths = [f"/api/v1/recipients/{i}/dsa" for i in range(1, n + 1)]
        drive(port, dsa_paths[:50], auth, clients, 1.0)  # warm up
        print(f"through gunicorn (2 workers, 127.0.0.1), {seconds:.0f} s each:")
        for name, paths, headers, count in (
            (f"GET /recipients/{{id}}/dsa, {clients} clients", dsa_paths, auth, clients),
            ("GET /studies/{code}/dsa, 2 clients", ["/api/v1/studies/BENCH/dsa"], auth, 2),
            (f"GET /health, {clients} clients", ["/api/v1/health"], {}, clients),
        ):
            try:
                show(name, drive(port, paths, headers, count, seconds))
            except (statistics.StatisticsError, OSError) as error:  # fewer than two answers
                print(
                    f"{name}: fewer than two answers within the clients' 30 s timeout"
                    f" ({type(error).__name__}): not measured at this size"
                )
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipients", nargs="?", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument(
        "--cohort",
        type=Path,
        default=None,
        help="a cohort file kept between runs: built there once (never evaluated), copied for each run",
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    n = args.recipients
    path = args.db or Path(tempfile.mkdtemp()) / "bench_scale.sqlite3"
    reference = embedded()
    built = cohort(path, n, args.cohort)
    db = store.open_database(path)
    size = file_size(db, path)
    print(
        f"database before evaluation: {size / 2**20:.0f} MiB "
        f"({size / built['samples'] / 1024:.1f} KiB per sample)"
    )
    started = time.perf_counter()
    done = evaluate_pending(db, reference=reference, as_of=dt.date(2026, 1, 1))
    total = time.perf_counter() - started
    print(
        f"evaluate_pending, all {len(done)} recipients: {total:.1f} s "
        f"({total / max(len(done), 1) * 1000:.2f} ms per recipient)"
    )
    size = file_size(db, path)
    print(f"database evaluated: {size / 2**20:.0f} MiB ({size / built['samples'] / 1024:.1f} KiB per sample)")
    one_new_sample(db, reference, n, built["panels"])
    day_run(db, reference, n, built["panels"])
    db.close()
    api_figures(path, n, args.clients, args.seconds)
    mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak resident memory: this process {mine:.0f} MiB (populate, evaluation, imports); "
        f"largest server process {server:.0f} MiB"
    )


if __name__ == "__main__":
    main()
