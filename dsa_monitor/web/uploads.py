"""The lab's upload page: send a result file, see what was stored (or why not), past uploads.

A run file holds more than the study: the samples not stored are listed with their reason, and
each "not enrolled" one links to the page where a lab ID is added to an enrolled recipient."""

from __future__ import annotations

import dataclasses

from flask import current_app, render_template, request

from .. import store
from ..config import settings_of
from ..errors import DSAMonitorError
from ..ingest import HIDDEN_DUPLICATE, UploadRequest, import_request, read_manifest, sent_file_name
from ..readings.visits import visit_labels
from ..sab.dates import DATE_LAYOUTS
from ..sab.formats import FORMATS
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
    user = auth.signed_in_user()
    part = request.files.get("file")
    if part is None or not part.filename:
        return _page(failure={"message": "choose a result file to upload"}), 422
    file_name = sent_file_name(part.filename, "upload")
    chosen = request.form.get("format") or None
    db = store.get_db()
    try:
        if chosen is not None and chosen not in FORMATS:
            raise DSAMonitorError(f"unknown format {chosen!r}")
        manifest_part = request.files.get("manifest")
        manifest = None
        if manifest_part is not None and manifest_part.filename:
            manifest = read_manifest(manifest_part.read(), sent_file_name(manifest_part.filename, "manifest"))
        result = import_request(
            db,
            UploadRequest(
                part.read(),
                file_name,
                user.email,
                format=chosen,
                manifest=manifest,
                study=_chosen_study(),
                layout=request.form.get("date_format", "").strip() or None,
                strict=request.form.get("strict") == "on",
                lot=request.form.get("lot", "").strip() or None,
                encoding=request.form.get("encoding", "").strip() or None,
                serum_treatment=request.form.get("serum_treatment") or "neat",
            ),
            settings_of(current_app),
        )
    except DSAMonitorError as error:
        failure = {"message": error.message, **error.details}
        return _page(failure=failure, not_stored=error.details.get("not_stored")), error.status
    rows = _sample_rows(result.samples)
    if result.outcome == "duplicate" and len(rows) < len(result.samples):
        # another study's upload: nothing of it is told (as the API answers)
        result = dataclasses.replace(result, warnings=[HIDDEN_DUPLICATE], not_stored=[])
    return (
        _page(result=result, rows=rows, not_stored=result.not_stored),
        201 if result.outcome == "stored" else 200,
    )


def _chosen_study() -> int | None:
    """The study the upload is for: the user's own, else the one chosen on the form (if any)."""
    user = auth.signed_in_user()
    if user.study_id is not None:
        return user.study_id
    code = request.form.get("study", "").strip()
    return store.get_study(store.get_db(), code)["id"] if code else None


def _sample_rows(samples) -> list[dict]:
    """Each stored sample with its recipient's codes and the visit its draw date falls in."""
    db = store.get_db()
    user = auth.signed_in_user()
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
        rows.append(
            {"sample": sample, "recipient": recipient, "visit": labels[rid].get(sample.sample_id, "")}
        )
    return rows


def _visible_uploads() -> list[dict]:
    """Past uploads; a study-scoped user sees those of its study and its own attempts."""
    db = store.get_db()
    user = auth.signed_in_user()
    shown = []
    for upload in store.list_uploads(db, limit=50):
        if user.study_id is not None and upload["uploaded_by"] != user.email:
            samples = store.list_samples(db, upload_id=upload["id"], include_superseded=True)
            studies = {store.get_recipient(db, s["recipient_id"])["study_id"] for s in samples}
            if not samples or studies != {user.study_id}:
                continue
        shown.append(upload)
    return shown


def _page(
    *, result=None, rows=None, failure: dict | None = None, not_stored: list[dict] | None = None
) -> str:
    """The form (the user's study's remembered date layout chosen), the outcome, past uploads."""
    db = store.get_db()
    user = auth.signed_in_user()
    studies = [s for s in store.list_studies(db) if user.sees_study(s["id"])]
    own = next((s for s in studies if s["id"] == user.study_id), None)
    return render_template(
        "upload.html",
        formats=sorted(FORMATS),
        date_layouts=DATE_LAYOUTS,
        treatments=SERUM_TREATMENTS,
        result=result,
        rows=rows or [],
        not_stored=not_stored or [],
        studies=studies,
        remembered=(own or {}).get("date_layout"),
        failure=failure,
        uploads=_visible_uploads(),
    )
