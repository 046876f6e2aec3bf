"""The recipient page: typings side by side, the DSA of each visit, the MFI timeline plot.

The DSA table and the plot read the recipient's current stored evaluations (one per donor of each
exposure, made under the rules they state), so the page shows what the alerts were made from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, render_template
from sqlite_utils import Database

from .. import store
from ..config import settings_of
from ..evaluation import DonorEvaluation, current_evaluations
from ..evaluation.report import status_text
from ..readings.alerts import open_alerts
from ..readings.dsa_eplets import evaluation_rows
from ..readings.eplet_table import active_table
from ..readings.eplets import recipient_eplets
from ..readings.pending import is_pending
from ..readings.visits import evaluation_visits, visit_labels
from ..reference import service as reference_service
from ..sab.values import mfi_text
from ..store import evaluations as stored_evaluations
from . import auth, typings
from .blueprint import blueprint
from .plot import NARROW, DSASeries, MFITimeline, PlotPoint, SerumMark, render_svg, strength_bands


@dataclass(frozen=True, slots=True)
class DSARow:
    """One DSA at one serum, as the table shows it."""

    visit: str
    date: dt.date
    donor: str
    target: str
    antigen: str  # the serologic antigen of the bead(s), when the target is an allele
    level: str
    chain: str
    mfi: float
    strength: str
    status: str  # as stored (de_novo, persistent...), for styling
    status_text: str  # as a reader says it ("de novo", "persistent, rising")
    assay_changed: bool
    value_kind: str  # raw_minus_nc says the file gave raw MFI only


def serum_rows(evaluations: list[DonorEvaluation]) -> list[dict]:
    """Per serum and donor: each class's immunodominant DSA and sum of DSA MFI (DSA_RULES §3),
    the beads that are self (shared with the recipient: never DSA), notes and exclusions."""
    rows = []
    for evaluation in evaluations:
        for point in evaluation.points:
            if not (
                point.by_class
                and any(c.immunodominant_dsa for c in point.by_class)
                or point.self_beads
                or point.notes
                or point.excluded_reason
            ):
                continue
            rows.append(
                {
                    "visit": point.visit,
                    "date": point.date,
                    "donor": evaluation.donor_code,
                    "serum": point.serum,
                    "by_class": point.by_class,
                    "self_beads": point.self_beads,
                    "notes": point.notes,
                    "excluded": point.excluded_reason,
                }
            )
    return sorted(rows, key=lambda r: (r["date"], r["donor"]))


def dsa_rows(evaluations: list[DonorEvaluation]) -> list[DSARow]:
    """Every DSA state worth a line, from its first positive serum on, and one line per serum
    without a DSA (negative, or left out and why): the negative sera are what proves "de novo"
    and what shows the recipient monitored; by date, donor and target."""
    rows = []
    for evaluation in evaluations:
        said = evaluation_visits(evaluation)
        with_dsa = {s.position for s in evaluation.states if s.positive or s.status != "negative"}
        for point in evaluation.points:
            if point.position in with_dsa:
                continue
            status = "excluded" if point.excluded_reason else "negative"
            rows.append(
                DSARow(
                    visit=said[point.position],
                    date=point.date,
                    donor=evaluation.donor_code,
                    target="",
                    antigen="",
                    level="",
                    chain="",
                    mfi=0.0,
                    strength="",
                    status=status,
                    status_text=point.excluded_reason or "no DSA: negative serum",
                    assay_changed=False,
                    value_kind="",
                )
            )
        for state in evaluation.states:
            if state.status == "negative" and not state.positive:
                continue
            antigens = sorted({b.get("antigen") or "" for b in state.beads} - {""})
            rows.append(
                DSARow(
                    visit=said.get(state.position, state.visit),
                    date=state.date,
                    donor=evaluation.donor_code,
                    target=state.target,
                    antigen=", ".join(antigens),
                    level=state.level or "",
                    chain=state.chain or "",
                    mfi=state.mfi,
                    strength=state.strength,
                    status=state.status,
                    status_text=status_text(state.status, state.rising),
                    assay_changed=state.assay_changed,
                    value_kind=state.value_kind or "",
                )
            )
    return sorted(rows, key=lambda r: (r.date, r.donor, r.target))


def serum_marks(group: list[DonorEvaluation], failed_runs: list[dict]) -> tuple[SerumMark, ...]:
    """Every serum of one exposure (once, whatever its donors) and each QC-failed run drawn in
    its follow-up, as the plot's serum row shows them."""
    marks: dict[str, SerumMark] = {}
    for evaluation in group:
        for point in evaluation.points:
            if point.serum in marks or (point.excluded_reason or "").startswith("QC failed"):
                continue
            dsa = [
                f"{s.target} {mfi_text(s.mfi)}"
                for s in evaluation.states
                if s.position == point.position and s.positive
            ]
            said = point.excluded_reason or ("DSA " + ", ".join(dsa) if dsa else "no DSA")
            marks[point.serum] = SerumMark(
                point.date,
                point.visit,
                "excluded" if point.excluded_reason else "usable",
                f"serum {point.visit} drawn {point.date.isoformat()}: {said}",
            )
    first = min((p.date for e in group for p in e.points), default=None)
    for run in failed_runs:
        drawn = dt.date.fromisoformat(run["draw_date"])
        if first is not None and drawn >= first:
            reasons = "; ".join(run["qc_reasons"]) or "QC failed"
            marks[f"run {run['id']}"] = SerumMark(
                drawn,
                run.get("visit", ""),
                "qc_failed",
                f"QC failed: class {run['hla_class'] or '?'} run {run['lab_sample_id']} drawn"
                f" {drawn.isoformat()} ({reasons}): no call from it",
            )
    return tuple(marks.values())


def timeline_plots(
    evaluations: list[DonorEvaluation], exposures: list[dict], samples: Sequence[dict] = ()
) -> list[MFITimeline]:
    """One plot per exposure: a line per DSA (named with its donor when the exposure had several),
    drawn with the cutoff, bands and visits of the rules the evaluation was made under, over
    every serum of the exposure (``samples``: the QC-failed runs are drawn too)."""
    kinds = {e["id"]: e["kind"] for e in exposures}
    dates = sorted(dt.date.fromisoformat(e["date"]) for e in exposures)
    by_exposure: dict[int, list[DonorEvaluation]] = {}
    for evaluation in evaluations:
        by_exposure.setdefault(evaluation.exposure_id, []).append(evaluation)
    plots = []
    for exposure_id, group in by_exposure.items():
        several = len({e.donor_id for e in group}) > 1
        series: dict[str, list[PlotPoint]] = {}
        for evaluation in group:
            for state in evaluation.states:
                label = f"{state.target} · {evaluation.donor_code}" if several else state.target
                series.setdefault(label, []).append(
                    PlotPoint(state.date, state.mfi, state.status, state.visit, state.rising)
                )
        first = group[0]
        rules, day = first.rules, first.exposure_date
        until = next((d for d in dates if d > day), None)
        failed = [
            s
            for s in samples
            if s["qc_status"] == "fail" and (until is None or dt.date.fromisoformat(s["draw_date"]) < until)
        ]
        plots.append(
            MFITimeline(
                series=tuple(DSASeries(label, tuple(points)) for label, points in series.items()),
                cutoff=rules.cutoff,
                bands=strength_bands(
                    rules.cutoff, rules.moderate_from, rules.strong_from, rules.weak_band_low
                ),
                exposure=day,
                exposure_label=kinds.get(exposure_id, "exposure"),
                visits=tuple((v.name, day + dt.timedelta(days=v.day)) for v in rules.visits),
                title=f"MFI of each DSA by serum, {kinds.get(exposure_id, 'exposure')} "
                f"{day.isoformat()} (rules {rules.name}, {rules.version})",
                sera=serum_marks(group, failed),
            )
        )
    return plots


@blueprint.route("/recipients/<int:recipient_id>")
@auth.signed_in("read")
def recipient_page(recipient_id: int):
    db = store.get_db()
    recipient = store.get_recipient(db, recipient_id)
    auth.check_study(recipient["study_id"], f"recipient {recipient_id}")
    study = store.get_study(db, recipient["study_id"])
    exposures = store.list_exposures(db, recipient_id)
    donors = _donors(db, exposures)
    evaluations = current_evaluations(db, recipient_id)
    labels = visit_labels(db, recipient_id)
    samples = [
        {**s, "visit": labels.get(s["id"], "")} for s in store.list_samples(db, recipient_id=recipient_id)
    ]
    plots = timeline_plots(evaluations, exposures, samples)
    return render_template(
        "recipient.html",
        recipient=recipient,
        study=study,
        exposures=exposures,
        donors=donors,
        typing_rows=_typing_rows(db, recipient_id, donors),
        rows=dsa_rows(evaluations),
        plots=[(plot, render_svg(plot), render_svg(plot, NARROW)) for plot in plots],
        evaluations=evaluations,
        overdue=[{**o, "donor": e.donor_code} for e in evaluations for o in e.overdue],
        samples=samples,
        pending=is_pending(db, recipient_id),
        sera=serum_rows(evaluations),
        failure=stored_evaluations.failed_recipients(db).get(recipient_id),
        evaluated_as_of=max((e.as_of for e in evaluations if e.as_of), default=None),
        open_events=open_alerts(db, recipient_id=recipient_id),
        **_eplets(db, recipient_id, evaluations),
    )


def _eplets(db: Database, recipient_id: int, evaluations: list[DonorEvaluation]) -> dict:
    """The donors' eplet mismatch loads beside the typings and each DSA's candidate eplets,
    when eplet tables are installed."""
    table = active_table(settings_of(current_app).reference_dir)
    if table is None:
        return {"eplets": None, "dsa_eplets": None}
    return {
        "eplets": recipient_eplets(db, table, recipient_id)[0],
        "dsa_eplets": {
            "version": table.version,
            "rows": evaluation_rows(db, table, recipient_id, evaluations),
        },
    }


def _donors(db: Database, exposures: list[dict]) -> list[dict]:
    seen: dict[int, dict] = {}
    for exposure in exposures:
        for donor_id in exposure["donor_ids"]:
            if donor_id not in seen:
                seen[donor_id] = store.get_donor(db, donor_id)
    return list(seen.values())


def _typing_rows(db: Database, recipient_id: int, donors: list[dict]) -> list[typings.LocusRow]:
    own = store.current_typing(db, "recipient", recipient_id)
    theirs = [store.current_typing(db, "donor", d["id"]) for d in donors]
    reference = reference_service.current(current_app)
    return typings.side_by_side(
        own["typing"] if own else None,
        [t["typing"] if t else None for t in theirs],
        typings.serology_lookup(reference),
        reference.broad_of,
    )
