"""The words of an alert e-mail: subject, plain text and HTML from one list of labelled facts.

Only codes go out (study, subject, donor, sample): a patient's name or birth date appears only
when MAIL_INCLUDE_PATIENT_NAMES is set and the event carries them (DSA_RULES.md §5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..readings.labels import HEADINGS, about_a_run, visit_label
from ..sab.values import mfi_text
from .mailer import MailSettings, header_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)

# Payload fields shown as rows, in this order, with their labels.
PAYLOAD_ROWS = (
    ("level", "Level"),
    ("chain", "Chain"),
    ("warnings", "Note"),
    ("earlier_serum", "Positive before the exposure, serum of"),
    ("origin", "Origin"),
    ("mfi", "MFI"),
    ("beads", "Positive beads"),
    ("eplet", "Candidate eplet"),
    ("previous_mfi", "Previous MFI"),
    ("strength", "Strength"),
    ("status", "Status"),
    ("lab_sample_id", "Sample"),
    ("draw_date", "Draw date"),
    ("hla_class", "HLA class"),
    ("lot", "Lot"),
    ("qc_reasons", "QC reasons"),
    ("exposure_date", "Exposure date"),
    ("window", "Visit window"),
    ("reason", "Reason"),
    ("assay_change", "Assay change"),
    ("cause", "Cause"),
    ("now", "Now"),
)
# A correction shows the values of the alert it withdraws under these labels.
WITHDRAWN_LABELS = {"mfi": "Withdrawn MFI", "strength": "Withdrawn strength", "status": "Withdrawn status"}
PATIENT_ROWS = (("patient_name", "Patient name"), ("birth_date", "Birth date"))


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return mfi_text(value)
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _who(event: Mapping[str, Any]) -> str:
    return f"{event['study_code']} {event['subject_code']}"


def _summary(event: Mapping[str, Any], original: Mapping[str, Any] | None) -> str:
    said = _what_happened(event, original)
    change = event["payload"].get("assay_change")
    if change and event["kind"] != "correction":
        said += f" {change[0].upper()}{change[1:]}."
    return said


def _correction(event: Mapping[str, Any], original: Mapping[str, Any] | None) -> str:
    """The words of a correction follow its cause: a re-typed donor is not a corrected upload."""
    payload, who = event["payload"], _who(event)
    first = original["created_at"][:10] if original else "?"
    withdrawn = HEADINGS.get(original["kind"] if original else "", "earlier")
    number = original["id"] if original else "?"
    cause = payload.get("cause")
    if not cause:  # a QC failure withdrawn by a corrected file (qc_failures.py)
        return (
            f"A corrected upload withdraws the {withdrawn} alert of {first} (event"
            f" {number}) for {who}: please disregard that alert."
        )
    what = f" ({event['antigen']}" + (f" at visit {visit_label(event)})" if event["visit"] else ")")
    said = (
        f"{cause[0].upper()}{cause[1:]}: this withdraws the {withdrawn} alert of {first}"
        f" (event {number}) for {who}{what if event['antigen'] else ''}: please disregard"
        " that alert."
    )
    return said + (f" Now: {payload['now']}." if payload.get("now") else "")


def _what_happened(event: Mapping[str, Any], original: Mapping[str, Any] | None) -> str:
    kind, who, antigen = event["kind"], _who(event), event["antigen"] or "a donor antigen"
    donor = f" (donor {event['donor_code']})" if event.get("donor_code") else ""
    visit = f" at visit {visit_label(event)}" if event["visit"] else ""
    payload = event["payload"]
    if payload.get("origin") and kind in ("recurrent", "rising", "persistent", "resolved"):
        donor += f", {payload['origin']},"  # origin beside the status: never just "persistent"
    if kind == "de_novo":
        return f"A de novo donor-specific antibody against {antigen}{donor} was found in {who}{visit}."
    if kind == "preformed":
        earlier = payload.get("earlier_serum")
        where = (
            f" in a serum of {earlier}, before the exposure" if earlier else f"{visit}, before the exposure"
        )
        return (
            f"A preformed donor-specific antibody against {antigen}{donor} was found in"
            f" {who}{where}: it was there before the donor's cells or graft, it is not de"
            " novo."
        )
    if kind == "recurrent":
        return (
            f"The donor-specific antibody against {antigen}{donor} of {who} is detected again"
            f" after it had resolved{visit}."
        )
    if kind == "rising":
        return f"The donor-specific antibody against {antigen}{donor} of {who} is rising{visit}."
    if kind == "persistent":
        return f"The donor-specific antibody against {antigen}{donor} of {who} persists{visit}."
    if kind == "resolved":
        return (
            f"For information: the donor-specific antibody against {antigen}{donor} of {who}"
            f" is no longer detected{visit}."
        )
    if kind == "qc_failure":
        return (
            f"Sample {payload.get('lab_sample_id', '?')} of {who} failed quality control: no"
            f" DSA call is made from it. Please check the run and retest the serum."
        )
    if kind == "overdue_visit":
        return f"Visit {visit_label(event)} of {who}: its window closed without a usable sample."
    return _correction(event, original)


def _rows(event: Mapping[str, Any], settings: MailSettings) -> list[tuple[str, str]]:
    payload = event["payload"]
    rows = [("Study", event["study_code"]), ("Subject", event["subject_code"])]
    if settings.include_patient_names:
        rows += [(label, _shown(payload[key])) for key, label in PATIENT_ROWS if payload.get(key)]
    if event["visit"]:
        rows.append(("Run" if about_a_run(event) else "Visit", visit_label(event)))
    if event.get("donor_code"):
        rows.append(("Donor", event["donor_code"]))
    antigens = payload.get("antigens") or ([event["antigen"]] if event["antigen"] else [])
    if antigens:
        rows.append(("Antigen" if len(antigens) == 1 else "Antigens", _shown(antigens)))
    labels = WITHDRAWN_LABELS if event["kind"] == "correction" else {}
    # a run's QC failure says why in its QC reasons; its "reason" named the file (a name a
    # person may have given it): never in an e-mail
    hidden = {"reason", "lab_sample_id", "draw_date", "hla_class"} if about_a_run(event) else set()
    rows += [
        (labels.get(key, label), _shown(payload[key]))
        for key, label in PAYLOAD_ROWS
        if payload.get(key) not in (None, "", []) and key not in hidden
    ]
    rows = [(label, value.replace("_", " ") if label.endswith("tatus") else value) for label, value in rows]
    if payload.get("rules_version") or payload.get("rules_name"):
        rules = " ".join(str(payload[k]) for k in ("rules_name", "rules_version") if payload.get(k))
        rows.append(("Rules", rules))
    return rows


def render_event(
    event: Mapping[str, Any],
    settings: MailSettings,
    *,
    purpose: str = "alert",
    original: Mapping[str, Any] | None = None,
) -> RenderedMessage:
    """Subject and bodies for one stored event (as ``store.events.get_event`` returns it)."""
    heading = HEADINGS[event["kind"]]
    if event["kind"] == "de_novo" and event["payload"].get("status") == "de_novo_baseline_missing":
        heading += " (baseline missing)"
    rows = _rows(event, settings)
    context = {
        "heading": heading,
        "summary": _summary(event, original),
        "reminder": purpose == "reminder",
        "first_sent": event["created_at"][:16].replace("T", " ") + " UTC",
        "rows": rows,
        "width": max(len(label) for label, _ in rows) + 1,
        "link": f"{settings.base_url}/recipients/{event['recipient_id']}",
        "event_id": event["id"],
        "created_at": event["created_at"][:19].replace("T", " ") + " UTC",
    }
    subject = f"[dsa-monitor] {heading}: {_who(event)}"
    if event["antigen"]:
        subject += f", {event['antigen']}"
    if event["visit"]:
        subject += f" ({visit_label(event)})"
    if purpose == "reminder":
        subject = "Reminder: " + subject
    return RenderedMessage(
        subject=header_text(subject),  # codes from lab files may hold line breaks
        text=_environment.get_template("message.txt").render(context),
        html=_environment.get_template("message.html").render(context),
    )
