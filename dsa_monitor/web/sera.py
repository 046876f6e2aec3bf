"""The serum page: what the laboratory saw in one draw, bead by bead (``readings.serum``)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from .. import store
from ..alerts.evaluation import recorder_for
from ..errors import NotFound
from ..readings.assignments import assign_serum_visit, assignment_of, visit_choices
from ..readings.serum import serum_beads, third_party
from ..readings.visits import visit_labels
from ..reference import service as reference_service
from . import auth
from .blueprint import blueprint

SORTS = ("run", "mfi", "specificity")


@blueprint.route("/recipients/<int:recipient_id>/sera/<int:sample_id>")
@auth.signed_in("read")
def serum_page(recipient_id: int, sample_id: int):
    """Every bead of every run of the draw, sortable by a link (no script); the positive beads of
    no donor listed first as third-party antibodies; the visit the serum counts as, and (for
    the lab and the coordinator) a form to assign it to the visit it was drawn for."""
    db = store.get_db()
    recipient = _recipient_of(recipient_id, sample_id)
    sort = request.args.get("sort", "")
    sort = sort if sort in SORTS else "run"
    serum, rows = serum_beads(db, sample_id, sort)
    return render_template(
        "serum.html",
        recipient=recipient,
        serum=serum,
        rows=rows,
        others=third_party(rows),
        sort=sort,
        sorts=SORTS,
        visit=visit_labels(db, recipient_id).get(sample_id, ""),
        assigned=assignment_of(db, recipient_id, sample_id),
        choices=visit_choices(db, recipient),
    )


def _recipient_of(recipient_id: int, sample_id: int) -> dict:
    db = store.get_db()
    recipient = store.get_recipient(db, recipient_id)
    auth.check_study(recipient["study_id"], f"recipient {recipient_id}")
    if store.get_sample(db, sample_id)["recipient_id"] != recipient_id:
        raise NotFound(f"no serum {sample_id} of recipient {recipient_id}")
    return recipient


@blueprint.route("/recipients/<int:recipient_id>/sera/<int:sample_id>/visit", methods=["POST"])
@auth.signed_in("assign_visit")
def assign_serum_visit_form(recipient_id: int, sample_id: int):
    """Assign the serum to a visit (or clear it: ``visit`` empty), evaluate again, back to the
    serum page."""
    recipient = _recipient_of(recipient_id, sample_id)
    assign_serum_visit(
        store.get_db(),
        recipient,
        sample_id,
        request.form.get("visit") or None,
        request.form.get("reason", ""),
        user=auth.signed_in_user().email,
        reference=reference_service.current(current_app),
        record=recorder_for(current_app.config),
    )
    return redirect(url_for("web.serum_page", recipient_id=recipient_id, sample_id=sample_id), code=303)
