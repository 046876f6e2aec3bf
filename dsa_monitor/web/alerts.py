"""The alerts inbox: events filtered by study, kind, state, recipient and days, a page at a time;
acknowledging one or several, with a note of what was done."""

from __future__ import annotations

import datetime as dt

from flask import redirect, render_template, request, url_for

from .. import store
from ..alerts.events import KINDS, acknowledge
from ..errors import DSAMonitorError, NotFound
from ..readings.alerts import InboxFilters, inbox_page
from ..store import events as stored_events
from . import auth
from .blueprint import blueprint

STATES = stored_events.EVENT_STATES


def _day(name: str) -> dt.date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DSAMonitorError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def _filters(codes: set[str]) -> InboxFilters:
    """The inbox's filters from plain GET parameters (bookmarkable); unknown values ignored."""
    user = auth.signed_in_user()
    study = request.args.get("study") or None
    study = user.study_code if user.study_code is not None else (study if study in codes else None)
    kind = request.args.get("kind") or None
    state = request.args.get("state") or "open"
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    return InboxFilters(
        study=study,
        kind=kind if kind in KINDS else None,
        state=state if state in STATES else "open",
        subject=request.args.get("recipient", "").strip() or None,
        since=_day("from"),
        until=_day("to"),
        page=page,
    )


@blueprint.route("/alerts")
@auth.signed_in("read")
def alerts_inbox():
    """Open alerts first by default, 50 a page; the filters are plain GET parameters."""
    user = auth.signed_in_user()
    db = store.get_db()
    studies = [s for s in store.list_studies(db) if user.sees_study(s["id"])]
    inbox = inbox_page(db, _filters({s["code"] for s in studies}))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "alerts_inbox.html",
        inbox=inbox,
        events=inbox.events,
        studies=studies,
        kinds=KINDS,
        states=STATES,
        chosen=inbox.filters,
        args=args,
        bulk=user.may("acknowledge"),
    )


def _acknowledge(event_ids: list[int], note: str) -> None:
    db = store.get_db()
    for event_id in event_ids:
        try:
            event = stored_events.get_event(db, event_id)
        except NotFound:
            raise NotFound(f"no alert {event_id}") from None
        auth.check_study(event["study_id"], f"alert {event_id}")
    for event_id in event_ids:
        acknowledge(db, event_id, user=auth.signed_in_user().email, note=note)


def _back():
    return redirect(
        auth.safe_next(request.form.get("next")) if request.form.get("next") else url_for("web.alerts_inbox"),
        code=303,
    )


@blueprint.route("/alerts/<int:event_id>/acknowledge", methods=["POST"])
@auth.signed_in("acknowledge")
def acknowledge_alert(event_id: int):
    """Record who saw the alert and what was done (no reminder follows); back where they were."""
    _acknowledge([event_id], request.form.get("note", ""))
    return _back()


@blueprint.route("/alerts/acknowledge", methods=["POST"])
@auth.signed_in("acknowledge")
def acknowledge_alerts():
    """Acknowledge the alert whose button was pressed, or every ticked one, with one note."""
    pressed = request.form.get("event_id")
    chosen = [pressed] if pressed else request.form.getlist("selected")
    try:
        ids = [int(i) for i in chosen]
    except ValueError:
        raise NotFound("no such alert") from None
    if not ids:
        raise DSAMonitorError("tick the alerts to acknowledge, or press one's button")
    _acknowledge(ids, request.form.get("note", ""))
    return _back()
