"""What a trial reports: per visit, sera expected / received / QC-failed / overdue; recipients
with a de novo, a preformed, a persistent, a resolved DSA; the sentence a paper prints ("de novo
DSA in 1 of 8 recipients, at M3"); and the long-format export a statistician analyses.

One reading for the report page, ``GET /api/v1/studies/{code}/report`` and ``dsa-monitor
report``: the counts come from the grid's cells (``readings.grid``), so the study page and the
report never disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

from sqlite_utils import Database

from ..dsa.timeline import DE_NOVO, DE_NOVO_BASELINE_MISSING, PREFORMED
from ..eplets import EpletTable
from ..evaluation.report import origin_of, origin_words
from ..sab.values import reported
from ..store.study_sera import study_sera
from .eplet_export import COLUMNS as EPLET_COLUMNS
from .eplet_export import export_eplets
from .grid import DSA, EXCLUDED, NEGATIVE, OVERDUE, QC_FAILED, _visit_names, recipient_cells
from .study import study_summary

VISIT_COLUMNS = ("visit", "expected", "received", "qc_failed", "overdue", "with_dsa")
EXPORT_COLUMNS = (
    "study",
    "subject",
    "donor",
    "exposure_date",
    "visit",
    "day",
    "draw_date",
    "antigen",
    "level",
    "mfi",
    "positive",
    "strength",
    "origin",
    "status",
    "rules_version",
    "reference_release",
    *EPLET_COLUMNS,
)


def _first_positive(sera: list[dict]) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(donor, target) -> (origin, visit) of each DSA of one recipient."""
    histories: dict[tuple[str, str], list[dict]] = {}
    for point in sera:
        for state in point["states"]:
            histories.setdefault((point["donor_code"], state["target"]), []).append(
                {**state, "visit": point["visit"]}
            )
    return {key: origin_of(states) for key, states in histories.items()}


def _at(counts: Counter, total: int, word: str, visits: list[str] | None = None) -> str:
    """ "de novo DSA in 1 of 8 recipients, at M3"; "no preformed DSA in 8 recipients"."""
    found = sum(counts.values())
    noun = "recipient" if total == 1 else "recipients"
    if not found:
        return f"no {word} DSA in {total} {noun}"
    said = f"{word} DSA in {found} of {total} {noun}"
    if visits is not None:
        order = {v: i for i, v in enumerate(visits)}
        by_visit = sorted(counts.items(), key=lambda item: order.get(item[0], len(order)))
        said += ", at " + ", ".join(v if n == 1 and len(by_visit) == 1 else f"{v} ({n})" for v, n in by_visit)
    return said


def study_report(db: Database, study: dict, *, today: dt.date | None = None) -> dict:
    """The report of one study as of ``today`` (JSON-ready)."""
    today = today or dt.date.today()
    columns = _visit_names(study)
    summary = study_summary(db, study)
    sera = study_sera(db, study["id"])
    per_visit: dict[str, Counter[str]] = {v: Counter() for v in columns}

    def order(visit: str | None) -> int:
        return columns.index(visit) if visit in columns else len(columns)

    de_novo: dict[str, str | None] = {}  # subject -> visit of its first de novo DSA
    preformed: set[str] = set()
    for row in summary:
        points = sera.get(row["recipient_id"], [])
        cells, _ = recipient_cells(row, points, columns, study, today)
        for visit, cell in cells.items():
            per_visit[visit][cell.state] += 1
        for origin, at in _first_positive(points).values():
            if origin in (DE_NOVO, DE_NOVO_BASELINE_MISSING):
                first = de_novo.get(row["subject_code"])
                if first is None or order(at) < order(first):
                    de_novo[row["subject_code"]] = at
            elif origin == PREFORMED:
                preformed.add(row["subject_code"])
    persistent = sorted(
        r["subject_code"] for r in summary if any(d["status"] == "persistent" for d in r["dsa"])
    )
    resolved = sorted(r["subject_code"] for r in summary if any(d["status"] == "resolved" for d in r["dsa"]))
    visits = []
    for visit in columns:
        counts = per_visit[visit]
        received = counts[NEGATIVE] + counts[DSA] + counts[EXCLUDED]
        visits.append(
            {
                "visit": visit,
                "expected": received + counts[QC_FAILED] + counts[OVERDUE],
                "received": received,
                "qc_failed": counts[QC_FAILED],
                "overdue": counts[OVERDUE],
                "with_dsa": counts[DSA],
            }
        )
    total = len(summary)
    sentences = [
        _at(Counter(de_novo.values()), total, "de novo", columns),
        _at(Counter(dict.fromkeys(preformed, 1)), total, "preformed"),
    ]
    return {
        "study": study["code"],
        "as_of": today.isoformat(),
        "recipients": total,
        "visits": visits,
        "sentence": sentences[0],
        "sentences": sentences,
        "de_novo": [{"subject": s, "visit": v} for s, v in sorted(de_novo.items())],
        "preformed": sorted(preformed),
        "persistent": persistent,
        "resolved": resolved,
    }


def report_csv(report: dict) -> str:
    """The per-visit table as CSV, the sentences as comment-free rows after a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(VISIT_COLUMNS)
    for visit in report["visits"]:
        writer.writerow([visit[c] for c in VISIT_COLUMNS])
    writer.writerow([])
    for sentence in report["sentences"]:
        writer.writerow(["summary", sentence])
    return out.getvalue()


def export_rows(db: Database, study: dict, eplets: EpletTable | None = None) -> list[dict]:
    """One row per recipient × serum × DSA (every DSA state, negative ones too; a serum with no
    DSA state is one row with no antigen), in subject and date order: the long format. With an
    eplet table, each row carries its pair's eplet loads and a DSA's rows its best candidate
    eplet (``readings.eplet_export``)."""
    subjects = {r["recipient_id"]: r["subject_code"] for r in study_summary(db, study)}
    sera = study_sera(db, study["id"])
    loads, candidates = export_eplets(db, eplets, sera)
    rows = []
    for recipient_id, points in sorted(sera.items(), key=lambda item: subjects.get(item[0], "")):
        history: dict[tuple[str, str], list[dict]] = {}
        for point in points:
            base = {
                "study": study["code"],
                "subject": subjects.get(recipient_id, ""),
                "donor": point["donor_code"],
                "exposure_date": point["exposure_date"],
                "visit": point["visit"],
                "day": point["day"],
                "draw_date": point["date"],
                "rules_version": point["rules_version"],
                "reference_release": point["reference_release"],
                **loads.get((recipient_id, point["donor_code"]), {}),
            }
            if not point["states"]:
                rows.append(
                    {
                        **base,
                        "antigen": "",
                        "level": "",
                        "mfi": None,
                        "positive": None,
                        "strength": "",
                        "origin": "",
                        "status": point["excluded_reason"] or "no DSA",
                    }
                )
            for state in point["states"]:
                key = (point["donor_code"], state["target"])
                history.setdefault(key, []).append({**state, "visit": point["visit"]})
                origin, at = origin_of(history[key])
                rows.append(
                    {
                        **base,
                        "antigen": state["target"],
                        "level": state["level"] or "",
                        "mfi": reported(state["mfi"]),
                        "positive": state["positive"],
                        "strength": state["strength"],
                        "origin": origin_words(origin, at),
                        "status": state["status"],
                        "candidate_eplet": candidates.get((point["evaluation_id"], state["target"]), ""),
                    }
                )
    return rows


def export_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "positive": "" if row["positive"] is None else str(row["positive"]).lower()})
    return out.getvalue()
