"""Evaluations as a reader sees them: one line per DSA per visit, sera without DSA, overdue visits.

Used by ``dsa-monitor evaluate``; words follow DSA_RULES.md (de novo, preformed, persistent...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..dsa.timeline import DE_NOVO, DE_NOVO_BASELINE_MISSING, PREFORMED, RECURRENT
from .model import DonorEvaluation, RecipientEvaluation

STATUS_WORDS = {
    "de_novo": "de novo",
    "de_novo_baseline_missing": "de novo (baseline missing)",
    "below_cutoff": "below cutoff",
}
HEADER = ("subject", "donor", "visit", "date", "antigen", "level", "MFI", "strength", "status")


def status_text(status: str, rising: bool, earlier: dt.date | None = None) -> str:
    """The status in words; a DSA preformed through a serum before the exposure other than the
    baseline says so, with that serum's date ("preformed, earlier serum 2025-06-02")."""
    word = STATUS_WORDS.get(status, status)
    if status == PREFORMED and earlier is not None:
        word = f"{word}, earlier serum {earlier.isoformat()}"
    return f"{word}, rising" if rising else word


ORIGINS = (PREFORMED, DE_NOVO, DE_NOVO_BASELINE_MISSING)


def origin_of(states: Sequence[Mapping[str, Any]]) -> tuple[str | None, str | None]:
    """(origin, visit) of one DSA from its states in serum order: the status of its first
    positive serum (preformed, de novo, de novo with the baseline missing) and that serum's visit.

    Why from the first positive state and not the state's ``origin`` column: the study overview
    reads only statuses, and the first positive serum is where the origin was established."""
    for state in states:
        if state["positive"]:
            status = state["status"]
            return (status, state["visit"]) if status in ORIGINS else (None, None)
    return None, None


def origin_words(origin: str | None, visit: str | None, earlier: dt.date | None = None) -> str:
    """The origin as a reader says it: "de novo at M3", "preformed (baseline)", "preformed
    (earlier serum 2025-06-02)", "de novo at M3 (baseline missing)"."""
    if origin == PREFORMED:
        if earlier is not None:
            return f"preformed (earlier serum {earlier.isoformat()})"
        return "preformed (baseline)" if visit == "baseline" else f"preformed (before {visit})"
    if origin == DE_NOVO:
        return f"de novo at {visit}"
    if origin == DE_NOVO_BASELINE_MISSING:
        return f"de novo at {visit} (baseline missing)"
    return ""


def origin_text(
    origin: str | None, visit: str | None, earlier: dt.date | None, status: str, rising: bool
) -> str:
    """Origin beside the current status, the one phrase every door shows: "de novo at M3,
    persistent", "preformed (baseline), resolved"; the status alone when the origin is unknown
    (a DSA first seen recurrent) and no repeat when the status is the origin itself."""
    said = origin_words(origin, visit, earlier)
    if not said:
        return status_text(status, rising, earlier)
    current = "" if status in ORIGINS or status == "negative" else STATUS_WORDS.get(status, status)
    if status == RECURRENT:
        current = "recurrent"
    parts = [said] + ([current] if current else []) + (["rising"] if rising else [])
    return ", ".join(parts)


def donor_rows(subject: str, evaluation: DonorEvaluation) -> list[tuple[str, ...]]:
    """Rows of one donor's evaluation, in serum order, then its overdue visits."""
    rows: list[tuple[str, ...]] = []
    by_position: dict[int, list] = {}
    for state in evaluation.states:
        by_position.setdefault(state.position, []).append(state)
    donor = evaluation.donor_code
    for point in evaluation.points:
        date = point.date.isoformat()
        states = by_position.get(point.position, [])
        if point.excluded_reason:
            rows.append(
                (subject, donor, point.visit, date, "-", "-", "-", "-", f"excluded: {point.excluded_reason}")
            )
            continue
        if not any(s.positive for s in states):
            resolved = [s for s in states if s.status != "negative"]
            if not resolved:
                rows.append((subject, donor, point.visit, date, "-", "-", "-", "-", "no DSA"))
        for state in states:
            if not state.positive and state.status == "negative":
                continue
            rows.append(
                (
                    subject,
                    donor,
                    point.visit,
                    date,
                    state.target,
                    state.level or "-",
                    f"{state.mfi:.0f}",
                    state.strength,
                    status_text(state.status, state.rising, state.earlier_serum_date),
                )
            )
        for item in point.by_class:
            if item.immunodominant_dsa is not None:
                rows.append(
                    (
                        subject,
                        donor,
                        point.visit,
                        date,
                        "-",
                        "-",
                        "-",
                        "-",
                        f"class {item.hla_class} DSA: immunodominant"
                        f" {item.immunodominant_dsa} {item.immunodominant_mfi:.0f},"
                        f" sum {item.sum_mfi:.0f}",
                    )
                )
        for bead in point.self_beads:
            rows.append(
                (
                    subject,
                    donor,
                    point.visit,
                    date,
                    bead["target"] or "-",
                    "-",
                    f"{bead['mfi']:.0f}",
                    "-",
                    f"{bead['reason']} (bead {bead['bead_id']} {bead['specificity']}): not a DSA",
                )
            )
        for note in point.notes:
            rows.append((subject, donor, point.visit, date, "-", "-", "-", "-", f"note: {note}"))
    for overdue in evaluation.overdue:
        rows.append(
            (
                subject,
                donor,
                overdue["visit"],
                overdue["target"],
                "-",
                "-",
                "-",
                "-",
                f"overdue: {overdue['reason']} (window closed {overdue['closes']})",
            )
        )
    return rows


def format_table(results: Sequence[RecipientEvaluation]) -> str:
    """A fixed-width table of every recipient's evaluations, with the rules they were made under."""
    rows = [row for r in results for e in r.evaluations for row in donor_rows(r.subject_code, e)]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(HEADER)]
    widths[-1] = len(HEADER[-1])  # the last column is not padded
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    versions = sorted(
        {(e.rules.name, e.rules.version, e.reference_release) for r in results for e in r.evaluations}
    )
    for name, version, release in versions:
        lines.append(f"rules {name} {version}; reference {release}")
    return "\n".join(lines)
