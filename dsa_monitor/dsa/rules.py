"""The one place for DSA thresholds, categories and visit windows, stored with every evaluation.

Defaults follow DSA_RULES.md §3-4 and the published practice of §7 (Reed 2013 cutoffs, the
1000/3000/10000 strength bands, ±14-day visit windows). A ``Rules`` object is frozen and
serialises to JSON with a stable ``version`` hash: a reader sees on what basis a call was made.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from typing import Any

from ..errors import InvalidRules

# raw_minus_nc: raw MFI minus the sample's NC bead (FORMATS.md "Vendor arithmetic"), the documented
# fallback of a raw-only export; bare raw only where the sample has no NC bead.
VALUE_KINDS = ("normalized", "bcm", "raw_minus_nc", "raw")
POSITIVITY_METHODS = ("cutoff", "wisse")

# Strength categories in ascending order; index 0 is "negative" (below every band).
CATEGORY_NAMES = ("negative", "equivocal", "weak", "moderate", "strong")


@dataclass(frozen=True, slots=True)
class VisitSpec:
    """A scheduled visit: its name, target day after the exposure and its window in days."""

    name: str
    day: int
    before: int = 14
    after: int = 14

    def __post_init__(self) -> None:
        if self.before < 0 or self.after < 0:
            raise InvalidRules(f"visit {self.name}: window days must not be negative")


DEFAULT_VISITS = (
    VisitSpec("M1", 30),
    VisitSpec("M3", 91),
    VisitSpec("M6", 182),
    VisitSpec("M9", 273),
    VisitSpec("M12", 365),
)


@dataclass(frozen=True, slots=True)
class Rules:
    """Every threshold a DSA call and a timeline status depends on.

    ``cutoff_by_class`` / ``cutoff_by_locus`` override ``cutoff`` (locus wins over class);
    ``weak_band_low`` starts the weak/equivocal band below the cutoff (None: no band).
    Strength: weak from the cutoff, moderate from ``moderate_from``, strong from ``strong_from``.
    """

    name: str = "default"
    value_preference: tuple[str, ...] = VALUE_KINDS
    positivity: str = "cutoff"
    cutoff: float = 1000.0
    cutoff_by_class: tuple[tuple[str, float], ...] = ()
    cutoff_by_locus: tuple[tuple[str, float], ...] = ()
    weak_band_low: float | None = 500.0
    moderate_from: float = 3000.0
    strong_from: float = 10000.0
    # Wisse rule: MFI / lowest bead of the same locus > ratio and MFI > minimum.
    wisse_ratio: float = 15.0
    wisse_min_mfi: float = 500.0
    # Timeline (DSA_RULES.md §4).
    baseline_window_days: int = 90
    baseline_same_day: bool = True  # a sample drawn on the exposure day is taken before it
    visits: tuple[VisitSpec, ...] = DEFAULT_VISITS
    persistent_min: int = 2
    resolved_min_negative: int = 1
    rising_relative: float = 0.5
    rising_absolute: float = 1000.0
    rising_on_category: bool = True

    def __post_init__(self) -> None:
        # Equal rules must hash to the same version: numbers get one type, overrides one order.
        for item in fields(self):
            value = getattr(self, item.name)
            if item.type in ("float", "float | None") and isinstance(value, int | float):
                object.__setattr__(self, item.name, float(value))
        for key in ("cutoff_by_class", "cutoff_by_locus"):
            pairs = tuple(sorted((str(k), float(v)) for k, v in getattr(self, key)))
            object.__setattr__(self, key, pairs)
        if not self.value_preference or any(v not in VALUE_KINDS for v in self.value_preference):
            raise InvalidRules(f"value_preference must list some of {', '.join(VALUE_KINDS)}")
        if self.positivity not in POSITIVITY_METHODS:
            expected = " or ".join(POSITIVITY_METHODS)
            raise InvalidRules(f"positivity {self.positivity!r} unknown (expected {expected})")
        cutoffs = [self.cutoff, *(c for _, c in self.cutoff_by_class), *(c for _, c in self.cutoff_by_locus)]
        if any(c <= 0 for c in cutoffs):
            raise InvalidRules("cutoffs must be positive MFI values")
        if self.weak_band_low is not None and not 0 <= self.weak_band_low < min(cutoffs):
            raise InvalidRules("weak_band_low must lie below every cutoff")
        if not max(cutoffs) <= self.moderate_from < self.strong_from:
            raise InvalidRules("strength bands must ascend: cutoff <= moderate_from < strong_from")
        if self.persistent_min < 2 or self.resolved_min_negative < 1:
            raise InvalidRules("persistent_min must be >= 2 and resolved_min_negative >= 1")
        names = [v.name for v in self.visits]
        if len(set(names)) != len(names) or "baseline" in names or "unscheduled" in names:
            raise InvalidRules("visit names must be unique and not 'baseline' or 'unscheduled'")

    def __hash__(self) -> int:
        # The hash of every field, nested visits included, made once per rules object: rules
        # key the caches of a run (versions, bands, visit patterns), asked tens of thousands of
        # times by an evaluation over a cohort. Equal rules still hash equal (all fields).
        held = _HASHES.get(id(self))
        if held is not None and held[0] is self:
            return held[1]
        value = hash(tuple(getattr(self, item.name) for item in fields(self)))
        if len(_HASHES) >= _HASHES_KEPT:
            _HASHES.clear()
        _HASHES[id(self)] = (self, value)  # the rules kept: their id is not reused
        return value

    def cutoff_for(self, locus: str, hla_class: str) -> float:
        """The positivity cutoff of a bead: per locus, else per class, else the default."""
        by_locus = dict(self.cutoff_by_locus)
        if locus in by_locus:
            return by_locus[locus]
        return dict(self.cutoff_by_class).get(hla_class, self.cutoff)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document of every rule, with its version hash."""
        body = asdict(self)
        body["value_preference"] = list(self.value_preference)
        body["cutoff_by_class"] = dict(self.cutoff_by_class)
        body["cutoff_by_locus"] = dict(self.cutoff_by_locus)
        body["visits"] = [asdict(v) for v in self.visits]
        body["version"] = self.version
        return body

    def to_json(self) -> str:
        """The document as text, made once per distinct rules (stored with every evaluation)."""
        return _json_of(self)

    @property
    def version(self) -> str:
        """A stable hash of the rule values (not of the name): equal rules, equal version."""
        return _version_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rules:
        """Rebuild rules from ``to_dict`` output; a stated version must match the values."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known - {"version"}
        if unknown:
            raise InvalidRules(f"unknown rule(s): {', '.join(sorted(unknown))}")
        values = {k: v for k, v in data.items() if k in known}
        try:
            if "value_preference" in values:
                values["value_preference"] = tuple(values["value_preference"])
            for key in ("cutoff_by_class", "cutoff_by_locus"):
                if key in values:
                    raw = values[key]
                    items = raw.items() if isinstance(raw, dict) else raw
                    values[key] = tuple(sorted((str(k), float(v)) for k, v in items))
            if "visits" in values:
                values["visits"] = tuple(
                    v if isinstance(v, VisitSpec) else VisitSpec(**v) for v in values["visits"]
                )
            rules = cls(**values)
        except (TypeError, ValueError) as error:
            raise InvalidRules(f"rules document not usable: {error}") from error
        stated = data.get("version")
        if stated is not None and stated != rules.version:
            raise InvalidRules(f"rules version {stated} does not match its values (computed {rules.version})")
        return rules

    def with_changes(self, **changes: Any) -> Rules:
        """A copy with some rules changed (its version changes with them)."""
        for key in ("cutoff_by_class", "cutoff_by_locus"):
            if isinstance(changes.get(key), dict):
                changes[key] = tuple(sorted(changes[key].items()))
        return replace(self, **changes)


_HASHES: dict[int, tuple[Rules, int]] = {}
_HASHES_KEPT = 256  # rules objects whose hash is kept (a run makes one per study schedule)


@lru_cache(maxsize=256)
def _json_of(rules: Rules) -> str:
    return json.dumps(rules.to_dict(), sort_keys=True)


@lru_cache(maxsize=256)
def _version_of(rules: Rules) -> str:
    """Computed once per distinct rules (read per sample and per evaluation)."""
    body = asdict(rules)
    body.pop("name")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return "r1-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


DEFAULT_RULES = Rules()

# Bands used by cell therapy and haplo-identical HSCT protocols (Ciurea 2018/2021; DSA_RULES.md §7).
CELL_THERAPY_RULES = Rules(name="cell-therapy", moderate_from=5000.0, strong_from=20000.0)

__all__ = [
    "CATEGORY_NAMES",
    "CELL_THERAPY_RULES",
    "DEFAULT_RULES",
    "DEFAULT_VISITS",
    "InvalidRules",
    "Rules",
    "VisitSpec",
]
