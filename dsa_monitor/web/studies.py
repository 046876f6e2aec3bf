"""The studies a user may see, and one study: recipients, overdue visits, open alerts."""

from __future__ import annotations

from collections import Counter

from flask import render_template

from .. import store
from ..alerts.events import OVERDUE_VISIT
from ..evaluation.report import status_text
from ..store import evaluations as stored_evaluations
from ..store import events as stored_events
from ..store import uploads as stored_uploads
from . import auth
from .blueprint import blueprint


@blueprint.route("/studies")
@auth.signed_in("read")
def studies_page():
    user = auth.current_user()
    db = store.get_db()
    studies = [s for s in store.list_studies(db) if user.sees_study(s["id"])]
    return render_template("studies.html", studies=studies)


def latest_dsa(evaluations: list[dict]) -> list[dict]:
    """Each DSA's state at its last usable serum, when it has been positive (strongest first);
    ``evaluations`` as ``store.evaluations.study_overview`` gives them."""
    last: dict[tuple[str, str], dict] = {}
    for evaluation in evaluations:
        donor = evaluation["summary"].get("donor_code", str(evaluation["donor_id"]))
        for state in evaluation["states"]:  # in serum order: later states replace earlier ones
            last[(donor, state["target"])] = {
                **state, "donor": donor, "text": status_text(state["status"], state["rising"]),
            }
    shown = [s for s in last.values() if s["status"] != "negative"]
    return sorted(shown, key=lambda s: (not s["positive"], -s["mfi"]))


@blueprint.route("/studies/<code>")
@auth.signed_in("read")
def study_page(code: str):
    """Each recipient with its DSA as of its last serum; overdue visits; unacknowledged alerts.
    A handful of queries for the whole study, however many recipients it has."""
    db = store.get_db()
    study = store.get_study(db, code)
    auth.check_study(study["id"], f"study {code!r}")
    events = stored_events.list_events(db, study=study["code"], limit=1000)
    open_events = [e for e in events if e["acknowledged_at"] is None and e["withdrawn_by"] is None]
    open_alerts = Counter(e["recipient_id"] for e in open_events)
    overview = stored_evaluations.study_overview(db, study["id"])
    samples = stored_uploads.last_samples(db, study["id"])
    recipients, overdue = [], []
    for recipient in store.list_recipients(db, study["id"]):
        evaluations = overview.get(recipient["id"], [])
        count, last = samples.get(recipient["id"], (0, None))
        recipients.append({
            "recipient": recipient, "evaluated": bool(evaluations),
            "dsa": latest_dsa(evaluations), "last_sample": last, "samples": count,
            "open_alerts": open_alerts[recipient["id"]],
        })
        overdue += [{**o, "recipient": recipient, "as_of": e["as_of"],
                     "donor": e["summary"].get("donor_code")}
                    for e in evaluations for o in e["summary"].get("overdue_visits", [])]
    overdue_events = [e for e in open_events if e["kind"] == OVERDUE_VISIT]
    alerts = [e for e in open_events if e["kind"] != OVERDUE_VISIT]
    return render_template("study.html", study=study, recipients=recipients, overdue=overdue,
                           overdue_events=overdue_events, alerts=alerts)
