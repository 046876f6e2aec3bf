"""The studies a user may see, and one study: recipients, overdue visits, open alerts."""

from __future__ import annotations

from flask import render_template

from .. import store
from ..alerts.events import OVERDUE_VISIT
from ..evaluation import DonorEvaluation, current_evaluations
from ..evaluation.report import status_text
from ..store import events as stored_events
from . import auth
from .blueprint import blueprint


@blueprint.route("/studies")
@auth.signed_in("read")
def studies_page():
    user = auth.current_user()
    db = store.get_db()
    studies = [s for s in store.list_studies(db) if user.sees_study(s["id"])]
    return render_template("studies.html", studies=studies)


def latest_dsa(evaluations: list[DonorEvaluation]) -> list[dict]:
    """Each DSA's state at its last usable serum, when it has been positive (strongest first)."""
    last: dict[tuple[str, str], dict] = {}
    for evaluation in evaluations:
        for state in evaluation.states:  # in serum order: later states replace earlier ones
            last[(evaluation.donor_code, state.target)] = {
                "donor": evaluation.donor_code, "target": state.target, "visit": state.visit,
                "date": state.date, "mfi": state.mfi, "status": state.status,
                "text": status_text(state.status, state.rising), "positive": state.positive,
            }
    shown = [s for s in last.values() if s["status"] != "negative"]
    return sorted(shown, key=lambda s: (not s["positive"], -s["mfi"]))


@blueprint.route("/studies/<code>")
@auth.signed_in("read")
def study_page(code: str):
    """Each recipient with its DSA as of its last serum; overdue visits; unacknowledged alerts."""
    db = store.get_db()
    study = store.get_study(db, code)
    auth.check_study(study["id"], f"study {code!r}")
    events = stored_events.list_events(db, study=study["code"], limit=1000)
    open_events = [e for e in events if e["acknowledged_at"] is None and e["withdrawn_by"] is None]
    recipients, overdue = [], []
    for recipient in store.list_recipients(db, study["id"]):
        evaluations = current_evaluations(db, recipient["id"])
        samples = store.list_samples(db, recipient_id=recipient["id"])
        recipients.append({
            "recipient": recipient,
            "evaluated": bool(evaluations),
            "dsa": latest_dsa(evaluations),
            "last_sample": samples[-1] if samples else None,
            "samples": len(samples),
            "open_alerts": sum(1 for e in open_events if e["recipient_id"] == recipient["id"]),
        })
        overdue += [{**o, "recipient": recipient, "donor": e.donor_code,
                     "as_of": e.as_of} for e in evaluations for o in e.overdue]
    overdue_events = [e for e in open_events if e["kind"] == OVERDUE_VISIT]
    alerts = [e for e in open_events if e["kind"] != OVERDUE_VISIT]
    return render_template("study.html", study=study, recipients=recipients, overdue=overdue,
                           overdue_events=overdue_events, alerts=alerts)
