"""Pages for the people who enrol: another lab ID for an enrolled recipient (the upload page's
"not enrolled" samples link here, so that the lab fixes the mismatch where it sees it), and a
whole study's enrolment from one CSV (``ingest.enrolment``, as ``dsa-monitor enrol``)."""

from __future__ import annotations

from flask import current_app, render_template, request

from .. import store
from ..errors import DSAMonitorError, NotFound
from ..ingest import EnrolmentRefused, enrol_file, sent_file_name
from ..reference import service as reference_service
from . import auth
from .blueprint import blueprint


def _visible_studies() -> list[dict]:
    user = auth.signed_in_user()
    return [s for s in store.list_studies(store.get_db()) if user.sees_study(s["id"])]


def find_visible_recipient(study_code: str, subject_code: str) -> dict:
    """The recipient of that study and subject code, if the user may see it (else: not found)."""
    db = store.get_db()
    study = store.get_study(db, study_code)
    auth.check_study(study["id"], f"study {study_code!r}")
    for recipient in store.list_recipients(db, study["id"]):
        if recipient["subject_code"] == subject_code:
            return recipient
    raise NotFound(f"no recipient {subject_code!r} in study {study_code!r}")


@blueprint.route("/lab-ids/new", methods=["GET"])
@auth.signed_in("lab_id")
def lab_id_page():
    form = {"lab_id": request.args.get("lab_id", ""), "study": "", "subject_code": ""}
    return render_template("lab_id.html", form=form, studies=_visible_studies(), errors={})


@blueprint.route("/lab-ids/new", methods=["POST"])
@auth.signed_in("lab_id")
def add_lab_id():
    """Add the lab ID to the recipient named by study and subject code; errors beside fields."""
    form = {key: request.form.get(key, "").strip() for key in ("lab_id", "study", "subject_code")}
    errors = {key: "required" for key, value in form.items() if not value}
    added = None
    if not errors:
        try:
            recipient = find_visible_recipient(form["study"], form["subject_code"])
            store.add_lab_id(
                store.get_db(), recipient["id"], form["lab_id"], user=auth.signed_in_user().email
            )
            added = store.get_recipient(store.get_db(), recipient["id"])
        except NotFound as error:
            errors["subject_code"] = error.message
        except DSAMonitorError as error:
            errors["lab_id"] = error.message
    status = 201 if added else 422
    return render_template(
        "lab_id.html", form=form, studies=_visible_studies(), errors=errors, added=added
    ), status


@blueprint.route("/enrolments", methods=["GET"])
@auth.signed_in("lab_id")
def enrolment_page():
    """The way to every enrolment form the user may use: a lab user finds the typing and lab ID
    forms here, a coordinator all of them and the CSV upload."""
    return render_template("enrolment.html", studies=_visible_studies())


@blueprint.route("/enrolments", methods=["POST"])
@auth.signed_in("enrol")
def enrol_from_file():
    """Enrol a CSV all or nothing; a refusal lists each problem with its line and column."""
    part = request.files.get("file")
    if part is None or not part.filename:
        return render_template(
            "enrolment.html", failure="choose a CSV file to enrol", studies=_visible_studies()
        ), 422
    user = auth.signed_in_user()
    file_name = sent_file_name(part.filename, "enrolment.csv")
    try:
        result = enrol_file(
            store.get_db(),
            part.read(),
            file_name,
            reference=reference_service.current(current_app),
            user=user.email,
            study_scope=user.study_id,
        )
    except EnrolmentRefused as error:
        return render_template(
            "enrolment.html",
            failure=f"{file_name}: nothing enrolled",
            problems=error.problems,
            studies=_visible_studies(),
        ), 422
    return (
        render_template("enrolment.html", result=result, studies=_visible_studies()),
        201 if result.changed else 200,
    )
