"""What people read for an event's visit, kept apart from the key that makes the event unique.

An event's ``visit`` is part of its idempotency key: ``M12@exposure8`` (an overdue visit of one
exposure) or ``sample LUP-05-M6 (class I, lot 3012, neat)`` (a QC-failed run). Keys stay as they
are (changing one would tell the same fact twice). The label is what the pages, the CLI tables
and the e-mails show, and what the API gives beside the key: "M12", "LUP-05-M6, class I run,
drawn 2026-07-11". One function, from the stored event alone (its payload says the rest), so
events stored before labels existed read the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

QC_KINDS = ("qc_failure",)
# What each kind of event is called, in e-mail headings and on buttons.
HEADINGS = {
    "de_novo": "De novo DSA",
    "preformed": "Preformed DSA",
    "recurrent": "Recurrent DSA",
    "rising": "Rising DSA",
    "persistent": "Persistent DSA",
    "resolved": "Resolved DSA",
    "qc_failure": "QC failure",
    "overdue_visit": "Overdue visit",
    "correction": "Correction",
}


def _run_words(payload: Mapping[str, Any]) -> str:
    """A run as people name it: its lab sample ID, its class, its treatment when not neat."""
    words = [str(payload.get("lab_sample_id") or "a serum")]
    if payload.get("hla_class"):
        words.append(f"class {payload['hla_class']} run")
    if payload.get("serum_treatment") not in (None, "", "neat"):
        words.append(str(payload["serum_treatment"]))
    if payload.get("draw_date"):
        words.append(f"drawn {payload['draw_date']}")
    return ", ".join(words)


def about_a_run(event: Mapping[str, Any]) -> bool:
    """A QC failure, or its correction: the event is about one run, not a visit's serum."""
    return event.get("kind") in QC_KINDS or (event.get("visit") or "").startswith("sample ")


def visit_label(event: Mapping[str, Any]) -> str:
    """The visit of an event as people read it ("" when it has none)."""
    key = event.get("visit") or ""
    payload = event.get("payload") or {}
    if event.get("kind") == "overdue_visit" or "@exposure" in key:
        return str(payload.get("visit_name") or key.split("@", 1)[0])
    if about_a_run(event):
        return _run_words(payload)
    return key


def with_labels(events: list[dict]) -> list[dict]:
    """Each event with its ``visit_label`` beside its ``visit`` key (in place; the same list)."""
    for event in events:
        event["visit_label"] = visit_label(event)
    return events


def event_title(event: Mapping[str, Any]) -> str:
    """An event named in a few words, for a button a screen reader announces: "de novo DSA
    LUP-03 M3" (what, whose, when), never its key."""
    heading = HEADINGS.get(event.get("kind") or "", str(event.get("kind") or "event"))
    words = [
        heading[0].lower() + heading[1:] if heading[1:2].islower() else heading,
        str(event.get("subject_code") or ""),
        str(event.get("antigen") or ""),
        visit_label(event),
    ]
    return " ".join(w for w in words if w)
