"""A study at a glance as recipients × visits: what each visit of each recipient is now.

The study page leads with it: a cell says negative, DSA (antigen, strength, origin), QC failed,
overdue, not yet due, or no serum; unscheduled sera get a column of their own; each serum cell
opens the serum. Sera come from the current evaluations in one query (``store.study_sera``), the
rest from ``readings.study`` (so the grid and the recipients' rows never disagree).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace

from sqlite_utils import Database

from .. import store
from ..dsa.rules import DEFAULT_RULES
from ..dsa.visits import BASELINE, UNSCHEDULED, schedule_rules, visit_windows
from ..errors import DSAMonitorError
from ..evaluation.report import origin_of, origin_words
from ..store.study_sera import study_sera
from .study import study_summary, summary_rows
from .visits import visit_said

PER_PAGE = 100
SORTS = ("subject", "dsa", "overdue", "alerts")
NEGATIVE, DSA, QC_FAILED, EXCLUDED = "negative", "dsa", "qc-failed", "excluded"
OVERDUE, NOT_YET_DUE, NO_SERUM, NOT_EVALUATED = "overdue", "not-yet-due", "no-serum", "not-evaluated"


@dataclass(frozen=True, slots=True)
class Cell:
    """One visit of one recipient: its state, the words shown, the serum it opens (if any)."""

    state: str
    text: str
    sample_id: int | None = None
    date: dt.date | None = None


@dataclass
class GridPage:
    columns: list[str]
    rows: list[dict]
    total: int
    page: int
    pages: int
    query: str = ""
    sort: str = "subject"
    all_rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _visit_names(study: dict) -> list[str]:
    try:
        rules = schedule_rules(DEFAULT_RULES, study["visit_schedule"])
    except DSAMonitorError:
        rules = DEFAULT_RULES
    return [BASELINE, *(v.name for v in rules.visits)]


def _serum_cell(sera: list[dict], origins: dict) -> Cell:
    """One serum (its points, one per donor): DSA when any donor's DSA is positive in it."""
    first = sera[0]
    date = dt.date.fromisoformat(first["date"])
    sample = first["sample_ids"][0] if first["sample_ids"] else None
    if first["excluded_reason"] and first["excluded_reason"].startswith("QC failed"):
        return Cell(QC_FAILED, first["excluded_reason"], sample, date)
    if first["excluded_reason"]:
        return Cell(EXCLUDED, first["excluded_reason"], sample, date)
    found = []
    for point in sera:
        for state in point["states"]:
            if state["positive"]:
                origin = origins.get((point["donor_code"], state["target"]), "")
                found.append(
                    (
                        state["mfi"],
                        f"{state['target']} {state['strength']}" + (f", {origin}" if origin else ""),
                    )
                )
    if found:
        return Cell(DSA, "; ".join(text for _, text in sorted(found, reverse=True)), sample, date)
    return Cell(NEGATIVE, "negative", sample, date)


def _origins(sera: list[dict]) -> dict[tuple[str, str], str]:
    histories: dict[tuple[str, str], list[dict]] = {}
    for point in sera:
        for state in point["states"]:
            histories.setdefault((point["donor_code"], state["target"]), []).append(
                {**state, "visit": point["visit"]}
            )
    return {key: origin_words(*origin_of(states)) for key, states in histories.items()}


def recipient_cells(
    row: dict, sera: list[dict], columns: list[str], study: dict, today: dt.date
) -> tuple[dict[str, Cell], list[Cell]]:
    """The cells of one recipient by visit, and its unscheduled sera."""
    by_serum: dict[str, list[dict]] = {}
    for point in sera:
        by_serum.setdefault(point["serum"], []).append(point)
    origins = _origins(sera)
    windows = {}
    if sera:
        exposure = dt.date.fromisoformat(sera[-1]["exposure_date"])
        try:
            rules = schedule_rules(DEFAULT_RULES, study["visit_schedule"])
            windows = {w.name: w for w in visit_windows(exposure, rules)}
        except DSAMonitorError:
            windows = {}
    cells: dict[str, Cell] = {}
    unscheduled = []
    for points in by_serum.values():
        cell = _serum_cell(points, origins)
        visit = points[0]["visit"]
        said = visit_said(visit, cell.date, windows) if cell.date else visit
        if said != visit:  # a serum assigned to its visit, drawn outside the window
            cell = replace(cell, text=f"{cell.text} ({said.removeprefix(visit + ', ')})")
        if visit == UNSCHEDULED:
            unscheduled.append(cell)
        elif visit in columns and (visit not in cells or cells[visit].state == QC_FAILED):
            cells[visit] = cell
    overdue = {o["visit"]: o for o in row["overdue"]}
    for visit in columns:
        if visit in cells and not (cells[visit].state == QC_FAILED and visit in overdue):
            continue
        if visit in overdue:
            reason = overdue[visit]["reason"]
            cells[visit] = Cell(OVERDUE, f"overdue: {reason} (target {overdue[visit]['target']})")
        elif not row["evaluated"]:
            cells[visit] = Cell(NOT_EVALUATED, "not evaluated yet")
        elif visit in windows and windows[visit].closes >= today:
            cells[visit] = Cell(
                NOT_YET_DUE,
                f"not yet due (window {windows[visit].opens.isoformat()} to"
                f" {windows[visit].closes.isoformat()})",
            )
        else:
            cells[visit] = Cell(NO_SERUM, "no serum")
    return cells, unscheduled


def _sort_key(sort: str):
    if sort == "dsa":
        return lambda r: (
            -max((d["mfi"] for d in r["dsa"] if d["positive"]), default=-1.0),
            r["subject_code"],
        )
    if sort == "overdue":
        return lambda r: (-len(r["overdue"]), r["subject_code"])
    if sort == "alerts":
        return lambda r: (-r["open_alerts"], r["subject_code"])
    return lambda r: r["subject_code"]


def _page_of(total: int, page: int, per_page: int) -> tuple[int, int]:
    pages = max(1, math.ceil(total / per_page))
    return min(max(page, 1), pages), pages


def study_grid(
    db: Database,
    study: dict,
    *,
    query: str = "",
    sort: str = "subject",
    page: int = 1,
    per_page: int = PER_PAGE,
    today: dt.date | None = None,
) -> GridPage:
    """One page of the grid: recipients whose subject code contains ``query`` (any case), in
    ``sort`` order, ``per_page`` at a time. By subject code (the default) only the page's
    recipients are read; another order needs every recipient's reading to sort by."""
    today = today or dt.date.today()
    columns = _visit_names(study)
    sort = sort if sort in SORTS else "subject"
    needle = query.strip().lower()
    every = store.studies.count_recipients(db, study["id"])
    if sort != "subject":
        found = [r for r in study_summary(db, study) if needle in r["subject_code"].lower()]
        found.sort(key=_sort_key(sort))
        total = len(found)
        page, pages = _page_of(total, page, per_page)
        shown = found[(page - 1) * per_page : page * per_page]
    elif not needle:
        total = every
        page, pages = _page_of(total, page, per_page)
        shown = summary_rows(
            db, study, store.list_recipients(db, study["id"], limit=per_page, offset=(page - 1) * per_page)
        )
    else:
        matching = [r for r in store.list_recipients(db, study["id"]) if needle in r["subject_code"].lower()]
        total = len(matching)
        page, pages = _page_of(total, page, per_page)
        shown = summary_rows(db, study, matching[(page - 1) * per_page : page * per_page])
    sera = study_sera(db, study["id"], [row["recipient_id"] for row in shown])
    rows = []
    for row in shown:
        cells, unscheduled = recipient_cells(row, sera.get(row["recipient_id"], []), columns, study, today)
        rows.append({**row, "cells": [cells[c] for c in columns], "unscheduled": unscheduled})
    return GridPage(columns, rows, total, page, pages, query, sort, every)
