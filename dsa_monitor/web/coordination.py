"""The coordinator's forms: a study (title, visit schedule, upload settings), a recipient with
its lab IDs, a donor, a typing (GL String or per locus) and an exposure.

Each form is sent whole and checked before anything is stored: a wrong field is shown beside
it with the reason (an invalid HLA name says why), and the form keeps what was typed. The
writes are the store's, audited there, as through the API.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template, request

from .. import store
from ..errors import DSAMonitorError, NotFound
from ..hla.loci import LOCUS_ORDER
from ..hla.typing import HLATyping
from ..reference import service as reference_service
from ..sab.dates import DATE_LAYOUTS
from ..store.schema import DONOR_KINDS, EXPOSURE_KINDS
from . import auth
from .blueprint import blueprint
from .enrolment import find_visible_recipient

COPIES = (1, 2)
LOCUS_FIELDS = tuple(f"{locus}_{copy}" for locus in LOCUS_ORDER for copy in COPIES)


def _form(*names: str) -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in names}


def _studies() -> list[dict]:
    user = auth.signed_in_user()
    return [s for s in store.list_studies(store.get_db()) if user.sees_study(s["id"])]


def _page(
    template: str,
    *,
    form: dict,
    errors: dict,
    done: object,
    created: bool = True,
    keep: tuple[str, ...] = (),
    **values,
):
    """The form again: 422 with its errors, 200 once saved, 201 once it stored something new;
    then the form comes back empty for the next one but for the fields in ``keep`` (the study,
    the kind), and ``sent`` holds what was stored for the page to say so."""
    status = 422 if errors else 201 if done and created else 200
    shown = form
    if status == 201:
        shown = {name: value if name in keep else "" for name, value in form.items()}
    return render_template(
        template, studies=_studies(), form=shown, sent=form, errors=errors, done=done, **values
    ), status


def _visible_study(code: str) -> dict:
    study = store.get_study(store.get_db(), code)
    auth.check_study(study["id"], f"study {code!r}")
    return study


def _visible_donor(code: str) -> dict:
    db = store.get_db()
    donor = store.get_donor(db, code)
    if not store.donors.seen_by_study(db, donor, auth.signed_in_user().study_id):
        raise NotFound(f"no donor {code!r}")
    return donor


# ---- studies ---------------------------------------------------------------------------------

STUDY_FIELDS = ("code", "title", "visits", "date_layout", "control_pattern")


def _schedule(text: str) -> list[dict]:
    """One visit a line, ``NAME DAY WINDOW`` (``M3 90 14``: day 90 after the exposure, 14 days
    either side)."""
    visits = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.replace(",", " ").split()
        try:
            name, day, window = parts
            visits.append({"name": name, "day": int(day), "window_days": int(window)})
        except ValueError:
            raise DSAMonitorError(
                f"line {number} ({line.strip()!r}): write NAME DAY WINDOW, e.g. M3 90 14"
            ) from None
    return visits


def _schedule_text(study: dict) -> str:
    return "\n".join(f"{v['name']} {v['day']} {v['window_days']}" for v in study["visit_schedule"])


def _study_form() -> dict:
    """The study form as sent, the strict box included (kept when the form comes back)."""
    return {**_form(*STUDY_FIELDS), "strict": request.form.get("strict") == "on"}


def _study_settings(form: dict, errors: dict) -> dict:
    settings = {
        "title": form["title"],
        "strict_uploads": form["strict"],
        "date_layout": form["date_layout"] or None,
        "control_pattern": form["control_pattern"] or None,
    }
    try:
        settings["visit_schedule"] = _schedule(form["visits"])
    except DSAMonitorError as error:
        errors["visits"] = error.message
    return settings


def _study_field(message: str, *, default: str) -> str:
    """The field a refusal of the store is about, to show it beside that field (the store's
    messages start with what they refuse: a visit, a date layout, a control serum pattern; the
    rest of a message may quote what the user typed)."""
    for start, field in (
        ("visit", "visits"),
        ("date layout", "date_layout"),
        ("control serum pattern", "control_pattern"),
    ):
        if message.startswith(start):
            return field
    return default


@blueprint.route("/enrol/study", methods=["GET", "POST"])
@auth.signed_in("study")
def study_form():
    """Create a study with its schedule and upload settings."""
    form, errors, done = _study_form(), {}, None
    if request.method == "POST":
        if auth.signed_in_user().study_id is not None:
            errors["code"] = "a user of one study cannot create studies"
        settings = _study_settings(form, errors)
        if not errors:
            try:
                done = store.create_study(
                    store.get_db(),
                    form["code"],
                    title=settings.pop("title"),
                    visit_schedule=settings.pop("visit_schedule"),
                    user=auth.signed_in_user().email,
                    settings=settings,
                )
            except DSAMonitorError as error:
                errors[_study_field(error.message, default="code")] = error.message
    return _page("study_form.html", form=form, errors=errors, done=done, layouts=DATE_LAYOUTS, editing=False)


@blueprint.route("/enrol/study/<code>", methods=["GET", "POST"])
@auth.signed_in("study")
def study_edit_form(code: str):
    """Edit a study; a changed schedule marks its recipients for the next evaluation run."""
    study = _visible_study(code)
    form = {
        "code": study["code"],
        "title": study["title"],
        "visits": _schedule_text(study),
        "date_layout": study["date_layout"] or "",
        "control_pattern": study["control_pattern"] or "",
        "strict": study["strict_uploads"],
    }
    errors: dict[str, str] = {}
    done, marked = None, 0
    if request.method == "POST":
        form = {**_study_form(), "code": study["code"]}
        settings = _study_settings(form, errors)
        if not errors:
            try:
                done, marked = store.studies.update_study(
                    store.get_db(), study["id"], settings, user=auth.signed_in_user().email
                )
            except DSAMonitorError as error:
                errors[_study_field(error.message, default="title")] = error.message
    return _page(
        "study_form.html",
        form=form,
        errors=errors,
        done=done,
        created=False,
        marked=marked,
        layouts=DATE_LAYOUTS,
        editing=True,
    )


# ---- recipients, donors, exposures -----------------------------------------------------------


@blueprint.route("/enrol/recipient", methods=["GET", "POST"])
@auth.signed_in("enrol")
def recipient_form():
    """Enrol a recipient in a study with the lab's IDs for it."""
    form, errors, done = _form("study", "subject_code", "lab_ids"), {}, None
    if request.method == "POST":
        errors = {k: "required" for k in ("study", "subject_code") if not form[k]}
        lab_ids = [p.strip() for p in form["lab_ids"].replace(",", ";").split(";") if p.strip()]
        if not errors:
            try:
                study = _visible_study(form["study"])
                done = store.create_recipient(
                    store.get_db(),
                    study["id"],
                    form["subject_code"],
                    lab_ids=lab_ids,
                    user=auth.signed_in_user().email,
                )
            except NotFound as error:
                errors["study"] = error.message
            except DSAMonitorError as error:
                errors["lab_ids" if "lab" in error.message else "subject_code"] = error.message
    return _page("recipient_form.html", form=form, errors=errors, done=done, keep=("study",))


@blueprint.route("/enrol/donor", methods=["GET", "POST"])
@auth.signed_in("enrol")
def donor_form():
    """Register a donor (cord unit, living or deceased donor) for a study."""
    form, errors, done = _form("study", "code", "kind"), {}, None
    if request.method == "POST":
        errors = {k: "required" for k in ("study", "code") if not form[k]}
        if form["kind"] not in DONOR_KINDS:
            errors["kind"] = f"one of {', '.join(DONOR_KINDS)}"
        if not errors:
            try:
                study = _visible_study(form["study"])
                done = store.create_donor(
                    store.get_db(),
                    form["code"],
                    kind=form["kind"],
                    user=auth.signed_in_user().email,
                    study=study["id"],
                )
            except NotFound as error:
                errors["study"] = error.message
            except DSAMonitorError as error:
                errors["code"] = error.message
    return _page(
        "donor_form.html", form=form, errors=errors, done=done, keep=("study", "kind"), kinds=DONOR_KINDS
    )


@blueprint.route("/enrol/exposure", methods=["GET", "POST"])
@auth.signed_in("enrol")
def exposure_form():
    """Record an infusion or transplant: a recipient, one or more donors, a date."""
    form = _form("study", "subject_code", "donors", "date", "kind")
    errors: dict[str, str] = {}
    done = None
    if request.method == "POST":
        errors = {k: "required" for k in ("study", "subject_code", "donors", "date") if not form[k]}
        if form["kind"] not in EXPOSURE_KINDS:
            errors["kind"] = f"one of {', '.join(EXPOSURE_KINDS)}"
        recipient, donors, date = None, [], None
        try:
            date = dt.date.fromisoformat(form["date"]) if form["date"] else None
        except ValueError:
            errors["date"] = "a date written YYYY-MM-DD"
        if form["study"] and form["subject_code"]:
            try:
                recipient = find_visible_recipient(form["study"], form["subject_code"])
            except NotFound as error:
                errors["subject_code"] = error.message
        for code in filter(None, (c.strip() for c in form["donors"].replace(";", ",").split(","))):
            try:
                donors.append(_visible_donor(code)["id"])
            except NotFound as error:
                errors["donors"] = error.message
        if not errors:
            try:
                done = store.create_exposure(
                    store.get_db(),
                    recipient["id"],
                    donors,
                    date,
                    form["kind"],
                    user=auth.signed_in_user().email,
                )
            except DSAMonitorError as error:
                errors["date"] = error.message
    return _page(
        "exposure_form.html",
        form=form,
        errors=errors,
        done=done,
        keep=("study", "kind"),
        kinds=EXPOSURE_KINDS,
    )


# ---- typings ---------------------------------------------------------------------------------


def _typing(form: dict, errors: dict) -> HLATyping | None:
    """The typing the form gives (GL String, or names per locus), each wrong name beside its
    field with the reason; None when any is wrong."""
    reference = reference_service.current(current_app)
    per_locus = {name: form[name] for name in LOCUS_FIELDS if form[name]}
    if bool(form["gl_string"]) == bool(per_locus):
        errors["gl_string"] = "give either a GL String or names per locus"
        return None
    try:
        if form["gl_string"]:
            return HLATyping.from_gl_string(form["gl_string"], reference)
    except DSAMonitorError as error:
        errors["gl_string"] = error.message
        return None
    for name, value in per_locus.items():
        try:
            HLATyping.from_loci({name.rsplit("_", 1)[0]: [value]}, reference)
        except DSAMonitorError as error:
            errors[name] = error.message
    if errors:
        return None
    loci: dict[str, list[str]] = {}
    for name, value in per_locus.items():
        loci.setdefault(name.rsplit("_", 1)[0], []).append(value)
    try:
        return HLATyping.from_loci(loci, reference)
    except DSAMonitorError as error:  # names valid alone, not together
        errors[next(iter(per_locus))] = error.message
        return None


@blueprint.route("/enrol/typing", methods=["GET", "POST"])
@auth.signed_in("typing")
def typing_form():
    """Enter a recipient's or donor's typing; it replaces the current one as a new version
    (the old versions kept), nothing stored until every field is valid."""
    form = _form("owner", "study", "subject_code", "donor_code", "gl_string", *LOCUS_FIELDS)
    form["owner"] = form["owner"] or request.args.get("owner", "recipient")
    errors: dict[str, str] = {}
    done = None
    if request.method == "POST":
        try:
            if form["owner"] == "donor":
                owner_id = _visible_donor(form["donor_code"])["id"]
            else:
                owner_id = find_visible_recipient(form["study"], form["subject_code"])["id"]
        except NotFound as error:
            errors["donor_code" if form["owner"] == "donor" else "subject_code"] = error.message
        typing = _typing(form, errors)
        if not errors and typing is not None:
            data = typing.to_dict()
            done = store.set_typing(
                store.get_db(),
                form["owner"],
                owner_id,
                data["gl_string"] or "",
                data,
                typing.reference_release,
                "web",
                auth.signed_in_user().email,
            )
    return _page(
        "typing_form.html",
        form=form,
        errors=errors,
        done=done,
        keep=("owner", "study"),
        loci=LOCUS_ORDER,
        copies=COPIES,
    )
