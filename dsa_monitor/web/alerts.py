"""The alerts inbox: events filtered by study, kind and state; acknowledging one."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from .. import store
from ..alerts.events import KINDS, acknowledge
from ..errors import NotFound
from ..store import events as stored_events
from . import auth
from .blueprint import blueprint

STATES = stored_events.EVENT_STATES


@blueprint.route("/alerts")
@auth.signed_in("read")
def alerts_inbox():
    """Open alerts first by default; filters are plain GET parameters (bookmarkable)."""
    user = auth.current_user()
    db = store.get_db()
    studies = [s for s in store.list_studies(db) if user.sees_study(s["id"])]
    codes = {s["code"] for s in studies}
    study = request.args.get("study") or None
    kind = request.args.get("kind") or None
    state = request.args.get("state") or "open"
    if study is not None and study not in codes:
        study = None
    if user.study_code is not None:
        study = user.study_code
    kind = kind if kind in KINDS else None
    state = state if state in STATES else "open"
    events = stored_events.list_events(db, study=study, kind=kind, state=state, limit=500)
    events = [e for e in events if user.sees_study(e["study_id"])]
    return render_template("alerts_inbox.html", events=events, studies=studies, kinds=KINDS,
                           states=STATES, chosen={"study": study, "kind": kind, "state": state})


@blueprint.route("/alerts/<int:event_id>/acknowledge", methods=["POST"])
@auth.signed_in("acknowledge")
def acknowledge_alert(event_id: int):
    """Record who saw the alert (no reminder follows), then back to where the user was."""
    db = store.get_db()
    try:
        event = stored_events.get_event(db, event_id)
    except NotFound:
        raise NotFound(f"no alert {event_id}") from None
    auth.check_study(event["study_id"], f"alert {event_id}")
    acknowledge(db, event_id, user=auth.current_user().email)
    return redirect(auth.safe_next(request.form.get("next")) if request.form.get("next")
                    else url_for("web.alerts_inbox"), code=303)
