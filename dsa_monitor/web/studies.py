"""The studies a user may see, and one study: recipients, overdue visits, open alerts."""

from __future__ import annotations

from flask import render_template

from .. import store
from ..alerts.events import OVERDUE_VISIT
from ..readings.alerts import open_alerts
from ..readings.study import study_summary
from . import auth
from .blueprint import blueprint


@blueprint.route("/studies")
@auth.signed_in("read")
def studies_page():
    user = auth.current_user()
    db = store.get_db()
    studies = [s for s in store.list_studies(db) if user.sees_study(s["id"])]
    return render_template("studies.html", studies=studies)


@blueprint.route("/studies/<code>")
@auth.signed_in("read")
def study_page(code: str):
    """Each recipient with its DSA as of its last serum; overdue visits; unacknowledged alerts
    (the reading ``GET /api/v1/studies/{code}/dsa`` answers)."""
    db = store.get_db()
    study = store.get_study(db, code)
    auth.check_study(study["id"], f"study {code!r}")
    open_events = open_alerts(db, study=study["code"])
    recipients = study_summary(db, study)
    overdue = [{**o, "recipient_id": r["recipient_id"], "subject_code": r["subject_code"]}
               for r in recipients for o in r["overdue"]]
    overdue_events = [e for e in open_events if e["kind"] == OVERDUE_VISIT]
    alerts = [e for e in open_events if e["kind"] != OVERDUE_VISIT]
    return render_template("study.html", study=study, recipients=recipients, overdue=overdue,
                           overdue_events=overdue_events, alerts=alerts)
