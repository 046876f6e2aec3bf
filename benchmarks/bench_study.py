"""A study at a glance (``GET /studies/{code}/dsa``, the study page) for a large study.

Usage: python benchmarks/bench_study.py [RECIPIENTS]   (default 2,000; run by hand)

Builds the cohort of ``bench_evaluate.py`` (one typed donor and infusion each, 6 sera × 2 classes),
evaluates it, then times ``readings.study.study_summary`` (a handful of queries for the whole study)
against the same reading done recipient by recipient (each recipient's current evaluations and
sera read one at a time, as the page first did), in the same run, with a check that both agree;
then one page of 100 recipients (``readings.study.study_page``, what ``GET /studies/{code}/dsa``
answers a page at a time), the first and one in the middle, checked against the whole reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_evaluate import populate

import dsa_monitor.alerts  # noqa: F401  (installs the recorder of alert events, as every door does)
from dsa_monitor import store
from dsa_monitor.evaluation import current_evaluations, evaluate_pending
from dsa_monitor.readings.study import study_page, study_summary
from dsa_monitor.reference.service import embedded
from dsa_monitor.store import evaluations as stored_evaluations
from dsa_monitor.store import uploads as stored_uploads

PAGE = 100


def one_by_one(db, study: dict) -> dict[int, tuple[int, int]]:
    """Per recipient: (positive DSA states, sera), reading each recipient on its own."""
    found = {}
    for recipient in store.list_recipients(db, study["id"]):
        evaluations = current_evaluations(db, recipient["id"])
        samples = store.list_samples(db, recipient_id=recipient["id"])
        found[recipient["id"]] = (sum(s.positive for e in evaluations for s in e.states), len(samples))
    return found


def in_bulk(db, study: dict) -> dict[int, tuple[int, int]]:
    """The same counts from the bulk reads ``study_summary`` is made of."""
    overview = stored_evaluations.study_overview(db, study["id"])
    samples = stored_uploads.last_samples(db, study["id"])
    return {
        recipient["id"]: (
            sum(s["positive"] for e in overview.get(recipient["id"], []) for s in e["states"]),
            samples.get(recipient["id"], (0, None))[0],
        )
        for recipient in store.list_recipients(db, study["id"])
    }


def timed(function, *args, rounds: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipients", nargs="?", type=int, default=2_000)
    args = parser.parse_args()
    db = store.open_database(Path(tempfile.mkdtemp()) / "bench_study.sqlite3")
    populate(db, args.recipients)
    evaluate_pending(db, reference=embedded(), as_of=dt.date(2026, 1, 1))
    study = store.get_study(db, "BENCH")
    slow_s, slow = timed(one_by_one, db, study)
    fast_s, fast = timed(in_bulk, db, study)
    assert fast == slow, "the bulk reads and the per-recipient reads disagree"
    whole_s, rows = timed(study_summary, db, study)
    print(
        f"study of {args.recipients} recipients: bulk reads {fast_s * 1000:.0f} ms vs one "
        f"recipient at a time {slow_s * 1000:.0f} ms: {slow_s / fast_s:.1f}x faster (same "
        f"counts); the whole summary (with each DSA's last state) {whole_s * 1000:.0f} ms for "
        f"{len(rows)} recipients"
    )
    middle = len(rows) // 2
    after = rows[middle - 1]["subject_code"] if middle else None
    first_s, first = timed(lambda: study_page(db, study, limit=PAGE), rounds=5)
    page_s, page = timed(lambda: study_page(db, study, after=after, limit=PAGE), rounds=5)
    assert first.rows == rows[:PAGE] and page.rows == rows[middle : middle + PAGE], (
        "a page disagrees with the whole reading"
    )
    assert page.total == first.total == len(rows)
    print(
        f"a page of {PAGE} (GET /studies/{{code}}/dsa?limit={PAGE}): {page_s * 1000:.1f} ms in the "
        f"middle of the study, {first_s * 1000:.1f} ms the first, against {whole_s * 1000:.0f} ms "
        f"for the whole study ({whole_s / page_s:.0f}x; the same rows as the whole reading)"
    )
    db.close()


if __name__ == "__main__":
    main()
