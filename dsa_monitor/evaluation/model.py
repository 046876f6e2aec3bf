"""What an evaluation says, as plain dataclasses: sera with their visits, each DSA's state at each.

The same shapes come out of a fresh evaluation and out of the store, so that reports, the API and
the change detection read one form.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..dsa.rules import Rules
from ..dsa.timeline import (
    DE_NOVO,
    DE_NOVO_BASELINE_MISSING,
    PERSISTENT,
    PREFORMED,
    RESOLVED,
    jsonable,
)


@dataclass(frozen=True, slots=True)
class ClassDSAMFI:
    """One HLA class of one serum (DSA_RULES.md §3): its immunodominant DSA and the sum of DSA
    MFI, each DSA counted once (its highest value among the serum's usable runs of the class)."""

    hla_class: str
    immunodominant_dsa: str | None
    immunodominant_mfi: float
    sum_mfi: float


CLASS_COLUMNS = {"I": "class_i", "II": "class_ii"}  # evaluation_points column prefixes


@dataclass(frozen=True, slots=True)
class PointResult:
    """One serum of an exposure: its visit, day, and what of it was left out and why."""

    position: int
    serum: str
    sample_ids: tuple[int, ...]
    date: dt.date
    visit: str
    day: int
    excluded_reason: str | None
    immunodominant_mfi: float | None
    sum_mfi: float | None
    notes: tuple[str, ...] = ()  # a class run left out while the other was used; raw MFI only
    by_class: tuple[ClassDSAMFI, ...] = ()  # the classes with a usable run, I before II
    self_beads: tuple[dict, ...] = ()  # positive beads shared with the recipient: never DSA

    def to_row(self) -> dict[str, Any]:
        """As stored in ``evaluation_points`` (one column triple per class)."""
        row = {name: getattr(self, name) for name in PointResult.__dataclass_fields__}
        row["date"] = self.date.isoformat()
        for item in row.pop("by_class"):
            prefix = CLASS_COLUMNS.get(item.hla_class)
            if prefix is not None:
                row[f"{prefix}_immunodominant_dsa"] = item.immunodominant_dsa
                row[f"{prefix}_immunodominant_mfi"] = item.immunodominant_mfi
                row[f"{prefix}_sum_mfi"] = item.sum_mfi
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PointResult:
        """From ``store.evaluations.evaluation_points`` output (rows stored before the classes
        were kept apart have none)."""
        by_class = tuple(
            ClassDSAMFI(
                hla_class,
                row.get(f"{prefix}_immunodominant_dsa"),
                row[f"{prefix}_immunodominant_mfi"],
                row[f"{prefix}_sum_mfi"],
            )
            for hla_class, prefix in CLASS_COLUMNS.items()
            if row.get(f"{prefix}_sum_mfi") is not None
        )
        return cls(
            row["position"],
            row["serum"],
            tuple(row["sample_ids"]),
            dt.date.fromisoformat(row["date"]),
            row["visit"],
            row["day"],
            row["excluded_reason"],
            row["immunodominant_mfi"],
            row["sum_mfi"],
            tuple(row["notes"]),
            by_class,
            tuple(row.get("self_beads") or ()),
        )


@dataclass(frozen=True, slots=True)
class StateResult:
    """One DSA at one usable serum: status, MFI, strength, and the beads that show it."""

    position: int
    serum: str
    date: dt.date
    visit: str
    target: str
    sample_id: int | None
    hla_class: str | None
    level: str | None
    chain: str | None
    mfi: float
    value_kind: str | None
    positive: bool
    strength: str
    status: str
    origin: str | None
    rising: bool
    consecutive: int
    previous_mfi: float | None
    assay_changed: bool
    beads: tuple[dict, ...] = ()
    warnings: tuple[str, ...] = ()
    assay: str | None = None  # vendor, kit and lot of this value
    previous_assay: str | None = None  # ... and of the previous value
    # Preformed through a serum before the exposure other than the baseline: its draw date
    # (kept in the evaluation's summary, ``earlier_sera``, not in the state's row).
    earlier_serum_date: dt.date | None = None

    def to_row(self) -> dict[str, Any]:
        """As stored in ``dsa_states``: the fields as they are (the store writes the lists as
        JSON; no deep copy of the beads), less the serum's name and date and the earlier serum."""
        return {
            name: getattr(self, name)
            for name in StateResult.__dataclass_fields__
            if name not in _NOT_IN_STATE_ROW
        }

    @classmethod
    def from_row(cls, row: dict[str, Any], earlier_sera: dict[str, str] | None = None) -> StateResult:
        """From ``store.evaluations.evaluation_states`` output and the evaluation summary's
        ``earlier_sera`` (target -> ISO draw date of the earlier serum it was preformed in)."""
        names = cls.__dataclass_fields__
        values = {k: v for k, v in row.items() if k in names}
        values["date"] = dt.date.fromisoformat(row["date"])
        earlier = (earlier_sera or {}).get(row["target"])
        values["earlier_serum_date"] = dt.date.fromisoformat(earlier) if earlier else None
        values["beads"] = tuple(row.get("beads") or ())
        values["warnings"] = tuple(row.get("warnings") or ())
        return cls(**values)


_NOT_IN_STATE_ROW = frozenset({"serum", "date", "earlier_serum_date"})


@dataclass
class DonorEvaluation:
    """One donor of one exposure evaluated under stated rules on a stated reference release."""

    recipient_id: int
    exposure_id: int
    exposure_date: dt.date
    donor_id: int
    donor_code: str
    rules: Rules
    reference_release: str
    fingerprint: str
    baseline_serum: str | None
    points: list[PointResult]
    states: list[StateResult]
    overdue: list[dict[str, Any]]
    notes: list[str]
    as_of: dt.date | None
    evaluation_id: int | None = None
    created: bool = False  # True when this run stored it; False when an equal one was kept
    inputs: dict[str, Any] = field(default_factory=dict)  # engine.evaluation_inputs

    def dsa_targets(self) -> list[str]:
        return sorted({s.target for s in self.states})

    def earlier_sera(self) -> dict[str, str]:
        """Per DSA preformed through an earlier serum (not the baseline), its ISO draw date."""
        return {
            s.target: s.earlier_serum_date.isoformat()
            for s in self.states
            if s.earlier_serum_date is not None
        }

    def summary(self) -> dict[str, Any]:
        """Counts a reader (and a scenario test) checks first."""
        statuses = Counter(s.status for s in self.states)
        origins = {s.target: s.origin for s in self.states if s.origin}
        return {
            "sera": len(self.points),
            "excluded": sum(1 for p in self.points if p.excluded_reason),
            "dsa": len(self.dsa_targets()),
            "preformed": sum(1 for o in origins.values() if o == PREFORMED),
            "de_novo": sum(1 for o in origins.values() if o in (DE_NOVO, DE_NOVO_BASELINE_MISSING)),
            "persistent": statuses[PERSISTENT],
            "resolved": statuses[RESOLVED],
            "rising": sum(1 for s in self.states if s.rising),
            "overdue": [o["visit"] for o in self.overdue],
        }

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "evaluation_id": self.evaluation_id,
                "recipient_id": self.recipient_id,
                "exposure_id": self.exposure_id,
                "exposure_date": self.exposure_date,
                "donor_id": self.donor_id,
                "donor_code": self.donor_code,
                "rules": self.rules.to_dict(),
                "reference_release": self.reference_release,
                "inputs_fingerprint": self.fingerprint,
                "baseline_serum": self.baseline_serum,
                "as_of": self.as_of,
                "summary": self.summary(),
                "notes": self.notes,
                "overdue": self.overdue,
                "points": [asdict(p) for p in self.points],
                "states": [asdict(s) for s in self.states],
            }
        )


@dataclass
class RecipientEvaluation:
    """Every donor of every exposure of one recipient, and what changed since the last run."""

    recipient_id: int
    subject_code: str
    study_code: str
    evaluations: list[DonorEvaluation]
    changes: list[Any] = field(default_factory=list)  # changes.ChangeFact

    def summary(self) -> dict[str, Any]:
        total: Counter[str] = Counter()
        overdue: list[str] = []
        for evaluation in self.evaluations:
            for key, value in evaluation.summary().items():
                if key == "overdue":
                    overdue.extend(value)
                else:
                    total[key] += value
        return {**dict(total), "overdue": overdue}

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "recipient_id": self.recipient_id,
                "subject_code": self.subject_code,
                "study": self.study_code,
                "summary": self.summary(),
                "evaluations": [e.to_dict() for e in self.evaluations],
                "changes": [asdict(c) for c in self.changes],
            }
        )
