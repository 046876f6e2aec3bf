"""The DSA reading the API serves, from the stored evaluations in two queries: nothing rebuilt per
request (``GET /recipients/{id}/dsa``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlite_utils import Database

from ..dsa.rules import Rules
from ..dsa.visits import VisitWindow, timing, visit_windows
from .evaluations import sera_rows

_CURRENT = (
    "WITH cur AS (SELECT max(id) AS id, min(exposure_date) AS first_date FROM evaluations"
    " WHERE recipient_id = ? GROUP BY exposure_id, donor_id)"
)
_READING_HEAD = (
    "id",
    "recipient_id",
    "exposure_id",
    "exposure_date",
    "donor_id",
    "rules",
    "reference_release",
    "inputs_fingerprint",
    "baseline_serum",
    "as_of",
    "summary",
)
_SUMMARY_KEYS = (
    "sera",
    "excluded",
    "dsa",
    "preformed",
    "de_novo",
    "persistent",
    "resolved",
    "rising",
    "overdue",
)  # ``DonorEvaluation.summary``, as stored with it
_STATE_FIELDS = (
    "position",
    "serum",
    "date",
    "visit",
    "target",
    "sample_id",
    "hla_class",
    "level",
    "chain",
    "mfi",
    "value_kind",
    "positive",
    "strength",
    "status",
    "origin",
    "rising",
    "consecutive",
    "previous_mfi",
    "assay_changed",
    "beads",
    "warnings",
    "assay",
    "previous_assay",
)  # ``StateResult`` order


def dsa_reading(db: Database, recipient_id: int) -> list[dict[str, Any]]:
    """A recipient's current evaluations (newest per exposure and donor) as ``GET
    /recipients/{id}/dsa`` serves them: sera under ``visits``, and each DSA with its states.

    Why not through ``evaluation.current_evaluations``: that rebuilds each evaluation as objects
    (three queries each) and turns them back into documents on every request. This is two
    queries for the whole recipient (heads with their sera, then every DSA state) and only
    regroups what evaluating stored (plus each serum's ``timing`` at its visit, from the stored
    rules' windows, made once per rules and exposure date); ``tests/store/test_dsa_reading.py``
    holds it equal to the object path as the API dumps it."""
    documents: dict[int, dict[str, Any]] = {}
    columns = ", ".join(f"e.{c}" for c in _READING_HEAD)
    for row in db.conn.execute(
        f"{_CURRENT} SELECT {columns}, p.position, p.serum, p.sample_ids, p.date, p.visit,"
        " p.day, p.excluded_reason, p.immunodominant_mfi, p.sum_mfi, p.notes,"
        " p.class_i_immunodominant_dsa, p.class_i_immunodominant_mfi, p.class_i_sum_mfi,"
        " p.class_ii_immunodominant_dsa, p.class_ii_immunodominant_mfi, p.class_ii_sum_mfi,"
        " p.self_beads, e.sera FROM cur JOIN evaluations e ON e.id = cur.id LEFT JOIN evaluation_points p"
        " ON p.evaluation_id = e.id"
        " ORDER BY cur.first_date, e.exposure_id, e.donor_id, p.position",
        (recipient_id,),
    ):
        document = documents.get(row[0])
        if document is None:
            document = documents[row[0]] = _reading_head(row)
        # a serum's row, or (an evaluation without DSA) its sera kept in its own row
        sera = [row[11:-1]] if row[11] is not None else [] if row[-1] is None else sera_rows(row[-1])
        for values in sera:
            point = _reading_point(values)
            window = _windows(row[5], row[3]).get(point["visit"])
            point["timing"] = None if window is None else timing(window, dt.date.fromisoformat(point["date"]))
            document["visits"].append(point)
    if not documents:
        return []
    states: dict[int, list[dict]] = {}
    for row in db.conn.execute(
        f"{_CURRENT} SELECT s.evaluation_id, s.position, p.serum, p.date, s.visit, s.target,"
        " s.sample_id, s.hla_class, s.level, s.chain, s.mfi, s.value_kind, s.positive,"
        " s.strength, s.status, s.origin, s.rising, s.consecutive, s.previous_mfi,"
        " s.assay_changed, s.beads, s.warnings, s.assay, s.previous_assay"
        " FROM cur JOIN dsa_states s ON s.evaluation_id = cur.id JOIN evaluation_points p"
        " ON p.evaluation_id = s.evaluation_id AND p.position = s.position"
        " ORDER BY s.evaluation_id, s.target, s.position",
        (recipient_id,),
    ):
        state = dict(zip(_STATE_FIELDS, row[1:], strict=True))
        for key in ("positive", "rising", "assay_changed"):
            state[key] = bool(state[key])
        state["beads"], state["warnings"] = _list_of(state["beads"]), _list_of(state["warnings"])
        states.setdefault(row[0], []).append(state)
    for evaluation_id, document in documents.items():
        earlier_sera = document.pop("earlier_sera")
        for state in states.get(evaluation_id, ()):
            state["earlier_serum_date"] = earlier_sera.get(state["target"]) or None
        document["dsa"] = [
            _reading_dsa(target, list(history))
            for target, history in groupby(states.get(evaluation_id, ()), key=itemgetter("target"))
        ]
    return list(documents.values())


@lru_cache(maxsize=16)
def _rules_of(text: str) -> tuple[Rules, str]:
    """Stored rules as ``Rules``, and as ``Rules.to_dict`` gives them (defaults of rules added
    since, the version): made once per distinct stored text rather than once per request."""
    rules = Rules.from_dict(json.loads(text))
    return rules, json.dumps(rules.to_dict())


@lru_cache(maxsize=256)
def _windows(text: str, exposure_date: str) -> dict[str, VisitWindow]:
    """The visit windows of an exposure under stored rules (a cohort's infusions share days)."""
    windows = visit_windows(dt.date.fromisoformat(exposure_date), _rules_of(text)[0])
    return {window.name: window for window in windows}


def _reading_head(row: tuple) -> dict[str, Any]:
    head = dict(zip(_READING_HEAD, row, strict=False))
    stored_summary = json.loads(head.pop("summary"))
    return {
        "evaluation_id": head.pop("id"),
        **head,
        "donor_code": stored_summary.get("donor_code", str(head["donor_id"])),
        "rules": json.loads(_rules_of(head["rules"])[1]),
        "summary": {key: stored_summary[key] for key in _SUMMARY_KEYS if key in stored_summary},
        "notes": stored_summary.get("notes", []),
        "overdue": stored_summary.get("overdue_visits", []),
        "earlier_sera": stored_summary.get("earlier_sera") or {},
        "visits": [],
    }


def _reading_point(row: Sequence[Any]) -> dict[str, Any]:
    """A serum as ``PointResult`` gives it: the classes with a usable run under ``by_class``."""
    (
        position,
        serum,
        sample_ids,
        date,
        visit,
        day,
        excluded,
        top_mfi,
        sum_mfi,
        notes,
        *by_class,
        self_beads,
    ) = row
    return {
        "position": position,
        "serum": serum,
        "sample_ids": json.loads(sample_ids),
        "date": date,
        "visit": visit,
        "day": day,
        "excluded_reason": excluded,
        "immunodominant_mfi": top_mfi,
        "sum_mfi": sum_mfi,
        "notes": _list_of(notes),
        "by_class": [
            {
                "hla_class": hla_class,
                "immunodominant_dsa": by_class[i],
                "immunodominant_mfi": by_class[i + 1],
                "sum_mfi": by_class[i + 2],
            }
            for hla_class, i in (("I", 0), ("II", 3))
            if by_class[i + 2] is not None
        ],
        "self_beads": _list_of(self_beads),
    }


def _list_of(text: str | None) -> list:
    """A stored JSON list; most are empty (no note, no self bead), read without the parser."""
    return [] if text is None or text == "[]" else json.loads(text)


def _reading_dsa(target: str, history: list[dict]) -> dict[str, Any]:
    """One DSA over its states (serum order): what the last says, the first origin and earlier
    serum given, every warning once."""
    last = history[-1]
    return {
        "antigen": target,
        "hla_class": last["hla_class"],
        "level": last["level"],
        "chain": last["chain"],
        "origin": next((s["origin"] for s in history if s["origin"]), None),
        "earlier_serum_date": next(
            (s["earlier_serum_date"] for s in history if s["earlier_serum_date"]), None
        ),
        "warnings": list(dict.fromkeys(w for s in history for w in s["warnings"])),
        "states": history,
    }
