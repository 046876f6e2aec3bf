"""The studies a user may see, and one study: recipients, overdue visits, open alerts."""

from __future__ import annotations

from flask import render_template, request

from .. import store
from ..alerts.events import OVERDUE_VISIT
from ..readings.alerts import open_alerts
from ..readings.grid import SORTS, study_grid
from . import auth
from .blueprint import blueprint


@blueprint.route("/studies")
@auth.signed_in("read")
def studies_page():
    user = auth.signed_in_user()
    db = store.get_db()
    studies = [s for s in store.list_studies(db) if user.sees_study(s["id"])]
    return render_template("studies.html", studies=studies)


@blueprint.route("/studies/<code>")
@auth.signed_in("read")
def study_page(code: str):
    """Recipients × visits first (searched by subject code, sorted, 100 a page), then each
    recipient's DSA as of its last serum (the reading ``GET /api/v1/studies/{code}/dsa``
    answers), overdue visits and unacknowledged alerts."""
    db = store.get_db()
    study = store.get_study(db, code)
    auth.check_study(study["id"], f"study {code!r}")
    open_events = open_alerts(db, study=study["code"])
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    grid = study_grid(
        db, study, query=request.args.get("q", "")[:100], sort=request.args.get("sort", "subject"), page=page
    )
    recipients = grid.rows
    overdue = [
        {**o, "recipient_id": r["recipient_id"], "subject_code": r["subject_code"]}
        for r in recipients
        for o in r["overdue"]
    ]
    overdue_events = [e for e in open_events if e["kind"] == OVERDUE_VISIT]
    alerts = [e for e in open_events if e["kind"] != OVERDUE_VISIT]
    return render_template(
        "study.html",
        study=study,
        recipients=recipients,
        overdue=overdue,
        overdue_events=overdue_events,
        alerts=alerts,
        grid=grid,
        sorts=SORTS,
    )
