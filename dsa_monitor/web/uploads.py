"""The lab's upload page: send a result file, see what was stored (or why not), past uploads."""

from __future__ import annotations

import dataclasses
import os

from flask import current_app, render_template, request

from .. import store
from ..errors import DSAMonitorError
from ..ingest import HIDDEN_DUPLICATE, import_upload, read_manifest
from ..readings.visits import visit_labels
from ..sab.dates import DATE_LAYOUTS, date_format_for
from ..sab.formats import FORMATS
from ..sab.model import ParseOptions
from ..store.schema import SERUM_TREATMENTS
from . import auth
from .blueprint import blueprint


@blueprint.route("/uploads", methods=["GET"])
@auth.signed_in("upload")
def upload_page():
    return _page()


@blueprint.route("/uploads", methods=["POST"])
@auth.signed_in("upload")
def upload_file():
    """Import the file all or nothing; a refusal is shown with its line and column."""
    user = auth.current_user()
    part = request.files.get("file")
    if part is None or not part.filename:
        return _page(failure={"message": "choose a result file to upload"}), 422
    file_name = os.path.basename(part.filename.replace("\\", "/")) or "upload"
    chosen = request.form.get("format") or None
    config = current_app.config
    db = store.get_db()
    try:
        if chosen is not None and chosen not in FORMATS:
            raise DSAMonitorError(f"unknown format {chosen!r}")
        manifest_part = request.files.get("manifest")
        manifest = None
        if manifest_part is not None and manifest_part.filename:
            manifest = read_manifest(manifest_part.read(),
                                     os.path.basename(manifest_part.filename))
        result = import_upload(
            db, part.read(), file_name, user=user.email, format=chosen, manifest=manifest,
            options=ParseOptions(
                date_format=date_format_for(request.form.get("date_format", "").strip(),
                                            config.get("DATE_FORMAT")),
                lot=request.form.get("lot", "").strip() or None,
                encoding=request.form.get("encoding", "").strip() or None,
            ),
            max_bytes=int(config["MAX_UPLOAD_MB"]) * 1024 * 1024,
            qc_limits=config.get("QC_LIMITS"), study=user.study_id,
            serum_treatment=request.form.get("serum_treatment") or "neat",
        )
    except DSAMonitorError as error:
        return _page(failure={"message": error.message, **error.details}), error.status
    rows = _sample_rows(result.samples)
    if result.outcome == "duplicate" and len(rows) < len(result.samples):
        # another study's upload: nothing of it is told (as the API answers)
        result = dataclasses.replace(result, warnings=[HIDDEN_DUPLICATE])
    return _page(result=result, rows=rows), 201 if result.outcome == "stored" else 200


def _sample_rows(samples) -> list[dict]:
    """Each stored sample with its recipient's codes and the visit its draw date falls in."""
    db = store.get_db()
    user = auth.current_user()
    recipients: dict[int, dict] = {}
    labels: dict[int, dict[int, str]] = {}
    rows = []
    for sample in samples:
        rid = sample.recipient_id
        if rid not in recipients:
            recipients[rid] = store.get_recipient(db, rid)
            labels[rid] = visit_labels(db, rid)
        recipient = recipients[rid]
        if not user.sees_study(recipient["study_id"]):
            continue  # a duplicate of another study's file: show only this user's samples
        rows.append({"sample": sample, "recipient": recipient,
                     "visit": labels[rid].get(sample.sample_id, "")})
    return rows


def _visible_uploads() -> list[dict]:
    """Past uploads; a study-scoped user sees those of its study and its own attempts."""
    db = store.get_db()
    user = auth.current_user()
    shown = []
    for upload in store.list_uploads(db, limit=50):
        if user.study_id is not None and upload["uploaded_by"] != user.email:
            samples = store.list_samples(db, upload_id=upload["id"], include_superseded=True)
            studies = {store.get_recipient(db, s["recipient_id"])["study_id"] for s in samples}
            if not samples or studies != {user.study_id}:
                continue
        shown.append(upload)
    return shown


def _page(*, result=None, rows=None, failure: dict | None = None) -> str:
    return render_template(
        "upload.html", formats=sorted(FORMATS), date_layouts=DATE_LAYOUTS,
        treatments=SERUM_TREATMENTS, result=result,
        rows=rows or [],
        failure=failure, uploads=_visible_uploads(),
    )
