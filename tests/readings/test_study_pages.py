"""A study read a page at a time: every recipient once, in subject order, as the whole reading
says, and a page costs the same number of queries however many recipients the study has."""

from __future__ import annotations

import datetime as dt

import pytest

from dsa_monitor import store
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.readings.grid import study_grid
from dsa_monitor.readings.study import study_page, study_summary
from dsa_monitor.reference import service as reference_service

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def study(app, db):
    made = build_trial()
    stored = store_trial(db, made)
    evaluate_pending(db, reference=reference_service.current(app), as_of=made.as_of)
    with store.write_transaction(db):  # a failure on the second page: read for its page too
        store.evaluations.record_failure(db, stored.recipients["LUP-06"], "ValueError: test")
    return store.get_study(db, "MSC-SLE")


def pages(db, study, limit: int) -> list:
    found, after = [], None
    while True:
        page = study_page(db, study, after=after, limit=limit)
        found.append(page)
        if page.next is None:
            return found
        after = page.next


@pytest.mark.parametrize("limit", [1, 3, 7, 8, 1000])
def test_paging_through_a_study_gives_every_recipient_once_in_order_as_the_whole_reading(db, study, limit):
    whole = study_summary(db, study)
    read = pages(db, study, limit)
    assert [row for page in read for row in page.rows] == whole
    assert len(whole) == 8 and all(page.total == 8 for page in read)
    assert [len(page.rows) for page in read[:-1]] == [limit] * (len(read) - 1)
    assert [page.next for page in read[:-1]] == [page.rows[-1]["subject_code"] for page in read[:-1]]
    assert any(row["evaluation_error"] for row in whole) and any(row["dsa"] for row in whole)
    assert study_page(db, study, after=whole[2]["subject_code"], limit=2).rows == whole[3:5]


def test_a_page_past_the_last_recipient_is_empty(db, study):
    page = study_page(db, study, after="ZZZ", limit=5)
    assert (page.rows, page.next, page.total) == ([], None, 8)


def _statements(db, read) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(
        lambda sql: seen.append(sql) if not sql.startswith(("SAVEPOINT", "RELEASE")) else None
    )
    try:
        read()
    finally:
        db.conn.set_trace_callback(None)
    return seen


def test_a_page_costs_the_same_queries_at_any_study_size(db, study):
    def page_of_three():
        return study_page(db, study, after="LUP-02", limit=3)

    small = _statements(db, page_of_three)
    for n in range(60):  # more recipients, after and before the page
        store.create_recipient(db, study["id"], f"{'A' if n % 2 else 'Z'}{n:03d}", user="test")
    large = _statements(db, page_of_three)
    assert len(small) == len(large) == 9, small
    assert page_of_three().total == 68


def test_the_grid_by_subject_reads_only_its_page_and_agrees_with_the_whole_reading(db, study):
    for n in range(5):
        store.create_recipient(db, study["id"], f"ZZ-{n}", user="test")
    whole = {row["subject_code"]: row for row in study_summary(db, study)}
    for query in ("", "lup"):
        first = study_grid(db, study, query=query, per_page=3, today=TODAY)
        shown = [
            study_grid(db, study, query=query, page=n, per_page=3, today=TODAY)
            for n in range(1, first.pages + 1)
        ]
        codes = [row["subject_code"] for grid in shown for row in grid.rows]
        expected = sorted(c for c in whole if query in c.lower())
        assert codes == expected and first.total == len(expected)
        assert first.all_rows == 13 and first.pages == -(-len(expected) // 3) > 1
        past = study_grid(db, study, query=query, page=99, per_page=3, today=TODAY)
        assert past.page == first.pages and past.rows == shown[-1].rows
        for grid in shown:
            for row in grid.rows:
                assert {k: row[k] for k in whole[row["subject_code"]]} == whole[row["subject_code"]]
    # another order sorts on the reading (the whole study), the same rows
    by_dsa = study_grid(db, study, sort="dsa", per_page=100, today=TODAY)
    assert sorted(r["subject_code"] for r in by_dsa.rows) == sorted(whole)
    paged = study_grid(db, study, per_page=100, today=TODAY)
    assert {r["subject_code"]: r["cells"] for r in by_dsa.rows} == {
        r["subject_code"]: r["cells"] for r in paged.rows
    }
