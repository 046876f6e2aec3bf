"""What a newcomer should see first in the demo: counts per visit and the cases it was built for.

Pure: evaluations (as ``dsa-monitor evaluate`` reads them) and the QC-failed sample rows in,
lines of text out. The full per-serum table is ``evaluation.report.format_table``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..dsa.timeline import DE_NOVO, DE_NOVO_BASELINE_MISSING, PREFORMED
from ..evaluation.model import DonorEvaluation, RecipientEvaluation

BASELINE = "baseline"


@dataclass
class VisitCounts:
    """One visit across the study: sera evaluated, sera with a DSA, new and rising DSA, gaps."""

    sera: int = 0
    with_dsa: int = 0
    de_novo: int = 0
    preformed: int = 0
    rising: int = 0
    qc_failures: int = 0
    overdue: int = 0

    def text(self) -> str:
        parts = [f"{self.sera} sera", f"{self.with_dsa} with DSA"]
        for count, word in (
            (self.preformed, "preformed"),
            (self.de_novo, "de novo"),
            (self.rising, "rising"),
            (self.qc_failures, "QC failure"),
            (self.overdue, "overdue"),
        ):
            if count:
                parts.append(f"{count} {word}")
        return ", ".join(parts)


@dataclass
class DemoSummary:
    """Per visit counts (in schedule order) and one line per case worth opening in the web pages."""

    recipients: int
    sera: int
    visits: dict[str, VisitCounts] = field(default_factory=dict)
    cases: list[str] = field(default_factory=list)
    # Counts a test (or a reader) checks: kind -> [(subject, antigen or class, visit), ...].
    found: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        width = max((len(name) for name in self.visits), default=0)
        out = [f"{self.recipients} recipients, {self.sera} sera evaluated", "per visit:"]
        out += [f"  {name.ljust(width)}  {counts.text()}" for name, counts in self.visits.items()]
        out.append("what to look at:")
        out += [f"  {case}" for case in self.cases]
        return out


def _visit_of(evaluation: DonorEvaluation, day: dt.date) -> str | None:
    return next((p.visit for p in evaluation.points if p.date == day), None)


def summarise(
    results: Sequence[RecipientEvaluation],
    qc_failed: Mapping[str, Sequence[Mapping[str, Any]]],
    visit_order: Sequence[str],
) -> DemoSummary:
    """The summary of evaluated recipients; ``qc_failed``: subject code -> its failed sample rows
    (``draw_date``, ``hla_class``, ``qc_reasons`` as the store keeps them)."""
    visits = {name: VisitCounts() for name in (BASELINE, *visit_order)}
    summary = DemoSummary(
        len(results),
        0,
        visits,
        found={"de_novo": [], "preformed": [], "rising": [], "qc_failure": [], "overdue": []},
    )
    for result in results:
        subject = result.subject_code
        for evaluation in result.evaluations:
            donor = evaluation.donor_code
            for point in evaluation.points:
                summary.sera += 1
                counts = visits.setdefault(point.visit, VisitCounts())
                counts.sera += 1
                states = [s for s in evaluation.states if s.position == point.position]
                counts.with_dsa += any(s.positive for s in states)
                counts.rising += sum(s.rising for s in states)
                for state in states:
                    if state.status in (DE_NOVO, DE_NOVO_BASELINE_MISSING):
                        counts.de_novo += 1
                        summary.found["de_novo"].append((subject, state.target, point.visit))
                        summary.cases.append(
                            f"de novo DSA: {subject} anti-{state.target} (donor {donor}) at "
                            f"{point.visit}, MFI {state.mfi:.0f}"
                        )
                    elif state.status == PREFORMED:
                        counts.preformed += 1
                        summary.found["preformed"].append((subject, state.target, point.visit))
            for target in evaluation.dsa_targets():
                rising = [s.visit for s in evaluation.states if s.target == target and s.rising]
                first = next(s for s in evaluation.states if s.target == target)
                if rising:
                    summary.found["rising"].append((subject, target, rising[0]))
                if first.origin == PREFORMED and rising:
                    summary.cases.append(
                        f"preformed DSA, rising: {subject} anti-{target} (donor {donor}), "
                        f"MFI {first.mfi:.0f} at baseline, rising at {', '.join(rising)}"
                    )
            for overdue in evaluation.overdue:
                visits.setdefault(overdue["visit"], VisitCounts()).overdue += 1
                summary.found["overdue"].append((subject, "", overdue["visit"]))
                summary.cases.append(
                    f"overdue visit: {subject} {overdue['visit']} ({overdue['reason']}; "
                    f"window closed {overdue['closes']})"
                )
            for sample in qc_failed.get(subject, ()):
                visit = _visit_of(evaluation, dt.date.fromisoformat(sample["draw_date"]))
                visit = visit or "unscheduled"
                visits.setdefault(visit, VisitCounts()).qc_failures += 1
                summary.found["qc_failure"].append((subject, str(sample["hla_class"]), visit))
                reasons = "; ".join(sample["qc_reasons"]) or "QC failed"
                summary.cases.append(f"QC failure: {subject} {visit} class {sample['hla_class']} ({reasons})")
    return summary
