"""``GET /recipients/{id}/dsa`` through a real server under 16 concurrent clients, against /health.

Usage: python benchmarks/bench_api.py [RECIPIENTS] [--seconds S] [--clients N] [--workers W]
       (default 10,000 recipients, 10 s per endpoint, 16 clients, 2 gunicorn workers; run by hand)

Populates a database with ``bench_evaluate.populate`` (bulk inserts: one donor, one infusion, six
sera × two classes each) and evaluates it once with ``evaluate_pending``, as the scheduler would;
then starts gunicorn (gthread workers) on 127.0.0.1 and drives it with N threads, each holding one
keep-alive http.client connection, asking for random recipients for a bounded time. Prints p50,
p95 and p99 latency and requests per second for the DSA read and for ``GET /health`` (no token,
no database) in the same run, their ratio, and whether the issue-17 target is met (DSA read p95
<= 25 ms at 16 clients on 10,000 recipients). gunicorn comes with the [test] extra (the
deployment README installs it beside the project).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_evaluate import populate

import dsa_monitor.alerts  # noqa: F401  (installs the recorder of alert events, as every door does)
from dsa_monitor import store
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.reference.service import embedded
from dsa_monitor.store import tokens

TARGET_P95_MS = 25.0  # GET /recipients/{id}/dsa at 16 clients on 10,000 recipients (issue 17)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    """gunicorn on 127.0.0.1 with the app factory, configured by DSA_MONITOR_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSA_MONITOR_")}
    env.update(
        {
            "DSA_MONITOR_DATABASE": str(database),
            "DSA_MONITOR_REFERENCE_DIR": str(database.parent / "reference"),
        }
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "dsa_monitor.app:create_app()",
        ],
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/health")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not answer within 30 s")


def drive(port: int, paths: list[str], headers: dict, clients: int, seconds: float) -> dict:
    """``clients`` threads ask for random paths until the time is up; latencies in ms."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                connection.request("GET", rng.choice(paths), headers=headers)
                response = connection.getresponse()
                response.read()
                latencies[index].append((time.perf_counter() - started) * 1000)
                if response.status != 200:
                    failures.append(str(response.status))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - started
    every = sorted(x for per_client in latencies for x in per_client)
    quantiles = statistics.quantiles(every, n=100)
    return {
        "requests": len(every),
        "failures": len(failures),
        "rps": len(every) / elapsed,
        "p50": quantiles[49],
        "p95": quantiles[94],
        "p99": quantiles[98],
    }


def show(name: str, result: dict) -> None:
    print(
        f"{name:<28} {result['requests']:>7} requests, {result['failures']} failed; "
        f"p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, p99 {result['p99']:.1f} ms; "
        f"{result['rps']:.0f} requests/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipients", nargs="?", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="per worker (default: clients / workers)")
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="a database populated and evaluated by an earlier run (printed by it): used as it is",
    )
    args = parser.parse_args()
    path = args.database or Path(tempfile.mkdtemp()) / "bench_api.sqlite3"
    db = store.open_database(path)
    started = time.perf_counter()
    if args.database is None:
        populate(db, args.recipients)
        evaluate_pending(db, reference=embedded(), as_of=dt.date(2026, 1, 1))
    ids = [row[0] for row in db.conn.execute("SELECT DISTINCT recipient_id FROM evaluations")]
    _, secret = tokens.create_token(db, f"bench-{time.time_ns()}", "clinician", user="bench")
    db.close()
    print(
        f"{len(ids)} recipients evaluated ({'given' if args.database else 'populated'}) in "
        f"{time.perf_counter() - started:.1f} s: {path}"
    )
    port = free_port()
    threads = args.threads or max(1, -(-args.clients // args.workers))
    server = start_server(path, port, args.workers, threads)
    try:
        auth = {"Authorization": f"Bearer {secret}"}
        dsa_paths = [f"/api/v1/recipients/{i}/dsa" for i in ids]
        drive(port, dsa_paths[:50], auth, args.clients, 1.0)  # warm up
        dsa = drive(port, dsa_paths, auth, args.clients, args.seconds)
        health = drive(port, ["/api/v1/health"], {}, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"gunicorn {args.workers} worker(s) × {threads} thread(s), {args.clients} clients, "
        f"{args.seconds:.0f} s each, 127.0.0.1, {os.cpu_count()} CPU(s)"
    )
    show("GET /recipients/{id}/dsa", dsa)
    show("GET /health", health)
    print(
        f"ratio DSA/health: p50 {dsa['p50'] / health['p50']:.1f}×, "
        f"p95 {dsa['p95'] / health['p95']:.1f}×, throughput {health['rps'] / dsa['rps']:.1f}× "
        f"fewer requests/s"
    )
    verdict = "met" if dsa["p95"] <= TARGET_P95_MS else "NOT met"
    print(
        f"target: DSA read p95 <= {TARGET_P95_MS:g} ms at 16 clients on 10,000 recipients: "
        f"{dsa['p95']:.1f} ms, {verdict}"
        + ("" if (args.clients, len(ids)) == (16, 10_000) else " (not the target's size)")
    )


if __name__ == "__main__":
    main()
