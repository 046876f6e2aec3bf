"""Candidate target eplets beside each DSA (``eplets.explain``), for every door that shows a DSA:
the API's DSA reading, the recipient page, the alert e-mail, the study export.

Why computed at read time and not stored with the evaluation: the answer depends on the eplet
table in force, which a user may change at any time (``reference activate-eplets``); a stored
answer would show an old table's eplets, or need every evaluation made again. So each answer is
computed with the active table, names its version, and is cached in-process keyed by everything
that changes it: the table (its version and files: a re-installed version is a new table), the
evaluation (immutable: new samples, rules or typings add a new one), the DSA, and the ids of the
recipient's and donor's current typings (a typing is versioned, never edited).

Which serum: the DSA's latest positive serum (the alert's serum in an e-mail). Which beads count:
that run's own bead list; a bead is positive at the cutoff of its locus under the evaluation's
rules, with the value kind the call used, and the DSA's own beads always (the call found them).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sqlite_utils import Database

from ..dsa.panel import BeadPanel
from ..dsa.positivity import cutoff_vector
from ..dsa.rules import Rules
from ..eplets import DSAEplets, EpletTable, PersonEplets, explain, person_eplets, stored_loci
from ..eplets import unexplained as unexplained_dsa
from ..errors import DSAMonitorError
from ..store import evaluation_inputs as bulk
from ..store.mfi import VALUE_KINDS

LABEL = "Candidate eplet"  # what every door writes before ``DSAEplets.line()``


@dataclass(frozen=True)
class DSAAsked:
    """One DSA whose candidate eplets are asked for, at its latest positive serum."""

    evaluation_id: int
    donor_id: int
    target: str
    sample_id: int | None
    beads: tuple[str, ...]  # bead ids of the call at that serum
    value_kind: str | None
    rules: Rules | Mapping[str, Any]  # the evaluation's rules (``Rules.to_dict`` in documents)

    @property
    def key(self) -> tuple[int, str]:
        return self.evaluation_id, self.target


def asked_of(
    evaluation_id: int, donor_id: int, rules: Rules | Mapping[str, Any], states: Iterable[Mapping[str, Any]]
) -> list[DSAAsked]:
    """Each DSA of one evaluation (its states as dicts, serum order) at its latest positive
    serum; a DSA never positive (only flagged) is not asked for."""
    latest: dict[str, Mapping[str, Any]] = {}
    for state in states:
        if state["positive"] and state.get("sample_id") is not None:
            latest[state["target"]] = state
    return [
        DSAAsked(
            evaluation_id,
            donor_id,
            target,
            state["sample_id"],
            tuple(str(b["bead_id"]) for b in state.get("beads") or ()),
            state.get("value_kind"),
            rules,
        )
        for target, state in latest.items()
    ]


def candidate_eplets(
    db: Database, table: EpletTable, recipient_id: int, asked: Sequence[DSAAsked]
) -> dict[tuple[int, str], DSAEplets]:
    """(evaluation id, DSA) -> its candidates with ``table``: two queries (the typings' ids)
    when every answer is cached, a few more per serum otherwise."""
    if not asked:
        return {}
    own = bulk.current_typing_rows(db, "recipient", [recipient_id]).get(recipient_id)
    donors = bulk.current_typing_rows(db, "donor", {a.donor_id for a in asked})
    found: dict[tuple[int, str], DSAEplets] = {}
    missing = []
    for item in asked:
        donor = donors.get(item.donor_id)
        key = (table, item.key, item.sample_id, own["id"] if own else None, donor["id"] if donor else None)
        cached = _CACHE.get(key)
        if cached is None:
            missing.append((key, item, own, donor))
        else:
            found[item.key] = cached
    if missing:
        sera = _sera(db, {item.sample_id for _, item, _, _ in missing if item.sample_id})
        for key, item, own_row, donor_row in missing:
            found[item.key] = _CACHE.put(key, _explained(table, item, own_row, donor_row, sera))
    return found


def with_candidate_eplets(
    db: Database, table: EpletTable | None, recipient_id: int, documents: list[dict[str, Any]]
) -> None:
    """The API's DSA reading (``store.dsa_reading``) with ``eplet_table`` on each evaluation and
    ``eplets`` on each DSA (None, like the version, when no eplet table is installed)."""
    for document in documents:
        document["eplet_table"] = table.version if table is not None else None
    if table is None:
        for document in documents:
            for dsa in document["dsa"]:
                dsa["eplets"] = None
        return
    asked = [
        a
        for d in documents
        for a in asked_of(
            d["evaluation_id"], d["donor_id"], d["rules"], (s for dsa in d["dsa"] for s in dsa["states"])
        )
    ]
    found = candidate_eplets(db, table, recipient_id, asked)
    for document in documents:
        for dsa in document["dsa"]:
            answer = found.get((document["evaluation_id"], dsa["antigen"]))
            dsa["eplets"] = None if answer is None else answer.to_dict()


def alert_line(
    db: Database, table: EpletTable | None, evaluation: Mapping[str, Any], state: Mapping[str, Any]
) -> str | None:
    """The e-mail's "Candidate eplet" for a DSA at the alert's serum (a stored evaluation head
    and one of its states); None without an eplet table or when the DSA is negative there."""
    asked = asked_of(evaluation["id"], evaluation["donor_id"], evaluation["rules"], [state])
    if table is None or not asked:
        return None
    return candidate_eplets(db, table, evaluation["recipient_id"], asked)[asked[0].key].line()


def evaluation_rows(
    db: Database, table: EpletTable, recipient_id: int, evaluations: Sequence[Any]
) -> list[dict[str, Any]]:
    """One row per DSA of ``evaluation.DonorEvaluation`` objects (the recipient page): donor,
    DSA, the best candidate's line and the other candidates' names (antibody-verified marked)."""
    asked, donors = [], {}
    for evaluation in evaluations:
        donors[evaluation.evaluation_id] = evaluation.donor_code
        asked += asked_of(
            evaluation.evaluation_id,
            evaluation.donor_id,
            evaluation.rules,
            (
                {
                    "target": s.target,
                    "positive": s.positive,
                    "sample_id": s.sample_id,
                    "beads": s.beads,
                    "value_kind": s.value_kind,
                }
                for s in evaluation.states
            ),
        )
    found = candidate_eplets(db, table, recipient_id, asked)
    return [
        {
            "donor": donors[item.evaluation_id],
            "target": item.target,
            "line": found[item.key].line(),
            "others": [
                c.eplet.name + ("*" if c.eplet.verified else "") for c in found[item.key].candidates[1:6]
            ],
        }
        for item in asked
    ]


def _explained(
    table: EpletTable,
    item: DSAAsked,
    own: Mapping[str, Any] | None,
    donor: Mapping[str, Any] | None,
    sera: Mapping[int, _Serum],
) -> DSAEplets:
    if donor is None:
        return unexplained_dsa(table.version, "donor not typed: no candidate eplet")
    if own is None:
        return unexplained_dsa(table.version, "recipient not typed: no candidate eplet")
    serum = sera.get(item.sample_id) if item.sample_id is not None else None
    if serum is None:
        return unexplained_dsa(table.version, "no stored bead values for the DSA's serum")
    rules = item.rules if isinstance(item.rules, Rules) else _rules(json.dumps(item.rules))
    positive = serum.positive(rules, item.value_kind) | set(item.beads)
    try:
        return explain(
            item.beads, serum.panel.beads, positive, person_of(table, donor), person_of(table, own), table
        )
    except DSAMonitorError as error:  # e.g. the DSA's beads are of no group the table covers
        return unexplained_dsa(table.version, f"no candidate eplet: {error.message}")


@dataclass(frozen=True)
class _Serum:
    """One stored run: its panel and its values (VALUE_KINDS × beads), its NC bead's raw MFI."""

    panel: BeadPanel
    values: np.ndarray
    nc: float | None

    def positive(self, rules: Rules, value_kind: str | None) -> set[str]:
        """Bead ids at or above their locus cutoff with the value the call used (raw − NC bead
        derived as the engine derives it, floored at 0)."""
        if value_kind == "raw_minus_nc" and self.nc is not None:
            used = np.maximum(self.values[VALUE_KINDS.index("raw")] - np.float32(self.nc), 0)
        else:
            kind = value_kind if value_kind in VALUE_KINDS else "raw"
            used = self.values[VALUE_KINDS.index(kind)]
        cutoffs = cutoff_vector(self.panel.loci, self.panel.hla_classes, rules)
        hits = np.flatnonzero(~np.isnan(used) & (used >= cutoffs))
        return {self.panel.beads[i].bead_id for i in hits.tolist() if self.panel.beads[i].control is None}


def _sera(db: Database, sample_ids: set[int]) -> dict[int, _Serum]:
    """The runs' panels and values in three queries."""
    stacks = bulk.stacked_values(db, sorted(sample_ids))
    panels = bulk.bead_panels(db, stacks)
    nc_at = bulk.nc_bead_positions(db, sorted(sample_ids))
    raw = VALUE_KINDS.index("raw")
    sera = {}
    for panel_id, (ids, values) in stacks.items():
        panel = _panel(panels[panel_id])
        for row, sample_id in enumerate(ids.tolist()):
            at = nc_at.get(sample_id)
            nc = None if at is None else float(values[row, raw, at])
            sera[sample_id] = _Serum(panel, values[row], None if nc != nc else nc)
    return sera


@lru_cache(maxsize=64)
def _panel(beads_json: str) -> BeadPanel:
    """A stored bead order as a panel (controls kept as controls), once per process."""
    beads = []
    for bead_id, spec in json.loads(beads_json):
        specificity = tuple(spec.split(",")) if spec else ()
        beads.append((bead_id, specificity, None if specificity else "control"))
    return BeadPanel.build(beads)


@lru_cache(maxsize=64)
def _rules(text: str) -> Rules:
    return Rules.from_dict(json.loads(text))


@lru_cache(maxsize=1024)
def _person_of(table: EpletTable, typing_id: int, typing_json: str) -> PersonEplets:
    return person_eplets(table, stored_loci(json.loads(typing_json)))


def person_of(table: EpletTable, row: Mapping[str, Any]) -> PersonEplets:
    """The eplets of a stored typing row (``store.evaluation_inputs.current_typing_rows``),
    read once per table and typing version."""
    return _person_of(table, row["id"], row["typing_json"])


class _Answers:
    """A bounded in-process cache of answers (least recently used out first), shared by the
    threads of a server."""

    def __init__(self, size: int) -> None:
        self.size, self._found, self._lock = size, dict[Any, DSAEplets](), threading.Lock()

    def get(self, key: Any) -> DSAEplets | None:
        with self._lock:
            answer = self._found.pop(key, None)
            if answer is not None:
                self._found[key] = answer
            return answer

    def put(self, key: Any, answer: DSAEplets) -> DSAEplets:
        with self._lock:
            self._found[key] = answer
            while len(self._found) > self.size:
                del self._found[next(iter(self._found))]
        return answer


_CACHE = _Answers(4096)

__all__ = [
    "LABEL",
    "DSAAsked",
    "alert_line",
    "asked_of",
    "candidate_eplets",
    "evaluation_rows",
    "person_of",
    "with_candidate_eplets",
]
