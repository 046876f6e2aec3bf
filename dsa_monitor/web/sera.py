"""The serum page: what the laboratory saw in one draw, bead by bead (``readings.serum``)."""

from __future__ import annotations

from flask import render_template, request

from .. import store
from ..errors import NotFound
from ..readings.serum import serum_beads, third_party
from . import auth
from .blueprint import blueprint

SORTS = ("run", "mfi", "specificity")


@blueprint.route("/recipients/<int:recipient_id>/sera/<int:sample_id>")
@auth.signed_in("read")
def serum_page(recipient_id: int, sample_id: int):
    """Every bead of every run of the draw, sortable by a link (no script); the positive beads of
    no donor listed first as third-party antibodies."""
    db = store.get_db()
    recipient = store.get_recipient(db, recipient_id)
    auth.check_study(recipient["study_id"], f"recipient {recipient_id}")
    if store.get_sample(db, sample_id)["recipient_id"] != recipient_id:
        raise NotFound(f"no serum {sample_id} of recipient {recipient_id}")
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "run"
    serum, rows = serum_beads(db, sample_id, sort)
    return render_template("serum.html", recipient=recipient, serum=serum, rows=rows,
                           others=third_party(rows), sort=sort, sorts=SORTS)
