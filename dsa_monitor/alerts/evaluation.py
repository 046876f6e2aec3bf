"""From what an evaluation changed (``evaluation.changes.ChangeFact``) to alert events.

Importing this module installs ``record_changes`` as the evaluation's recorder
(``evaluation.recording``): every door that stores an evaluation (``dsa-monitor evaluate``, its
``--pending``, the scheduler) then records its events and queues their e-mails inside the
evaluation's own transaction, so an evaluation, its events and their e-mails are stored together
or not at all. The mail settings are the app's in context (else the defaults and environment). A
change of a kind these alerts do not know is refused (the evaluation is rolled back and retried),
never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from ..config import settings_of
from ..eplets import EpletTable
from ..errors import NotFound
from ..evaluation import recording
from ..evaluation.report import origin_of, origin_words
from ..readings.dsa_eplets import alert_line
from ..readings.eplet_table import active_table
from ..sab.values import mfi_text
from ..store import evaluations as stored_evaluations
from ..store import events as stored_events
from .events import (
    CORRECTION,
    DE_NOVO,
    PERSISTENT,
    PREFORMED,
    RECURRENT,
    RESOLVED,
    RISING,
    EventFact,
    InvalidEvent,
    record_events,
)
from .mailer import MailSettings

# The evaluation's change kinds (evaluation/changes.py) and the alert kind each one is.
CHANGE_KINDS = {
    "de_novo_dsa": DE_NOVO,
    "preformed_dsa": PREFORMED,
    "recurrent_dsa": RECURRENT,
    "rising_dsa": RISING,
    "persistent_dsa": PERSISTENT,
    "resolved_dsa": RESOLVED,
}
WITHDRAWN = "withdrawn"


def _alert_kind(kind: str) -> str:
    if kind not in CHANGE_KINDS:
        raise InvalidEvent(
            f"the evaluation reported a change of kind {kind!r}, which the alerts"
            f" do not know (known: {', '.join(CHANGE_KINDS)}, {WITHDRAWN})"
        )
    return CHANGE_KINDS[kind]


class _Evaluations:
    """The stored evaluations a batch of changes names: their rules and the details of each
    changed DSA, read for the whole batch at once (one query for the heads, one for the states)."""

    def __init__(self, db: Database, changes: Sequence[Any]) -> None:
        self.db = db
        named = [c for c in changes if c.evaluation_id is not None]
        self.eplets = _active_eplets()
        self._heads = stored_evaluations.alert_heads(
            db, {c.evaluation_id for c in named}, rules=self.eplets is not None
        )
        told: dict[tuple[int, str], str] = {}  # each DSA's states up to its latest changed serum
        for change in named:
            if change.kind != WITHDRAWN:
                dsa, date = (change.evaluation_id, change.antigen), change.date.isoformat()
                told[dsa] = max(told.get(dsa, date), date)
        self._states = stored_evaluations.target_states(db, told)

    def head(self, evaluation_id: int) -> dict:
        """An evaluation's head (``alert_heads``); a change naming one not stored is refused."""
        if evaluation_id not in self._heads:
            raise NotFound(f"no evaluation {evaluation_id}", evaluation_id=evaluation_id)
        return self._heads[evaluation_id]

    def states(self, change: Any) -> list[dict]:
        """The states of the change's DSA in its evaluation, in serum order."""
        return self._states.get((change.evaluation_id, change.antigen), [])

    def details(self, change: Any) -> dict[str, Any]:
        if change.evaluation_id is None:
            return {}
        evaluation_id = change.evaluation_id
        head = self.head(evaluation_id)
        found: dict[str, Any] = {
            "rules_name": head["rules_name"],
            "rules_version": head["rules_version"],
        }
        if change.kind == WITHDRAWN:
            return found | withdrawal(change)
        date = change.date.isoformat()
        state = next((s for s in self.states(change) if s["date"] == date), None)
        if state is not None:
            found.update({key: state.get(key) for key in ("level", "previous_mfi", "hla_class")})
            if state.get("beads"):  # which beads, so a broad or split call can be checked
                found["beads"] = "; ".join(
                    f"{b.get('specificity')} (bead {b.get('bead_id')}) {mfi_text(b.get('mfi') or 0)}"
                    for b in state["beads"][:6]
                )
            eplet = None if self.eplets is None else alert_line(self.db, self.eplets, head, state)
            if eplet:  # the eplet table in force names itself in the line
                found["eplet"] = eplet
            if state.get("warnings"):  # what limits the call: an untyped alpha, an ambiguous typing
                found["warnings"] = "; ".join(state["warnings"])
            if state.get("earlier_serum_date"):
                found["earlier_serum"] = state["earlier_serum_date"]
            found["origin"] = self.origin(change, head, date)
            if state.get("hla_class") == "II":  # DQ/DP: which chain the reactivity is given to
                found["chain"] = state.get("chain")
            if state.get("assay_changed"):  # DSA_RULES.md §7: vendors' MFI are not comparable
                found["assay_change"] = assay_change(state.get("previous_assay"), state.get("assay"))
        return found

    def origin(self, change: Any, head: dict, date: str) -> str | None:
        """The DSA's origin up to the changed serum (``date``: "de novo at M3", "preformed
        (baseline)"), told beside its status in every message."""
        origin, visit = origin_of([s for s in self.states(change) if s["date"] <= date])
        earlier = head["earlier_sera"].get(change.antigen)
        return origin_words(origin, visit, dt.date.fromisoformat(earlier) if earlier else None) or None


def _active_eplets() -> EpletTable | None:
    """The active eplet table of the app in context (none outside one): the e-mail's line."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    return active_table(settings_of(current_app).reference_dir)


def assay_change(before: str | None, after: str | None) -> str:
    """What an alert says of a change computed across an assay change (vendor, kit or lot)."""
    return f"assay changed from {before or 'unknown'} to {after or 'unknown'}: compare with care"


def withdrawal(change: Any) -> dict[str, Any]:
    """Why a fact is withdrawn, and what the new evaluation says of that DSA at that serum."""
    if change.now_status is None:
        now = "not called a DSA in any serum of this exposure"
    else:
        now = f"{change.now_status.replace('_', ' ')}, MFI {mfi_text(change.now_mfi)} ({change.now_strength})"
    return {"cause": change.cause or "the evaluation was made again", "now": now}


def event_facts(db: Database, changes: Iterable[Any]) -> list[EventFact]:
    """One event fact per change, with what the message shows (MFI, strength, status, rules)."""
    changes = list(changes)
    evaluations = _Evaluations(db, changes)
    samples = stored_events.lab_sample_ids(db, {c.sample_id for c in changes if c.sample_id is not None})
    facts = []
    for change in changes:
        payload: dict[str, Any] = {
            "mfi": change.mfi, "strength": change.strength, "status": change.status,
            "draw_date": change.date.isoformat(), "exposure_id": change.exposure_id,
            "evaluation_id": change.evaluation_id, **evaluations.details(change),
        }  # fmt: skip
        if change.sample_id in samples:
            payload["lab_sample_id"] = samples[change.sample_id]
        withdrawn = change.kind == WITHDRAWN
        facts.append(EventFact(
            kind=CORRECTION if withdrawn else _alert_kind(change.kind),
            withdraws=_alert_kind(change.withdraws) if withdrawn else None,
            recipient_id=change.recipient_id, donor_id=change.donor_id, antigen=change.antigen,
            visit=change.visit, sample_id=change.sample_id, payload=payload,
        ))  # fmt: skip
    return facts


def record_changes(
    db: Database, changes: Iterable[Any], *, settings: MailSettings | None = None
) -> list[int]:
    """The evaluation's recorder: store the changes as events, queue their e-mails."""
    return record_events(db, event_facts(db, changes), settings=settings)


def recorder_for(config: Mapping[str, Any]) -> recording.RecordFacts:
    """``record_changes`` with the mail settings of an app's ``config``: what a door or a job
    that evaluates hands to the evaluation."""
    return functools.partial(record_changes, settings=MailSettings.from_config(config))


recording.install(record_changes)
