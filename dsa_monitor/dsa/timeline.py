"""The status of each DSA at each sample of an exposure: preformed, de novo, persistent, rising...

DSA_RULES.md §4 and §7: statuses compare a sample with the baseline and with the previous usable
sample (unscheduled samples count: "consecutive" means consecutive usable samples); QC-failed
samples are shown with their reason and never used; a trend across a change of assay (vendor, kit,
lot) is flagged. Thresholds come from ``rules.Rules``.

Preformed: a DSA positive in any usable serum drawn before the exposure was there before it,
whatever the baseline window says; the window only chooses which serum is *the* baseline (the
one statuses are compared with). A DSA positive only in an earlier serum, not at the baseline
(negative, untested or missing), is reported preformed with that serum's draw date
(``earlier_serum_date``), never de novo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .calls import PanelEvaluation
from .positivity import WEAK, category_of
from .rules import CATEGORY_NAMES, Rules
from .visits import (
    BASELINE,
    PRE_EXPOSURE,
    OverdueVisit,
    SampleRef,
    VisitAssignment,
    assign_visits,
    overdue_visits,
)

# Statuses, as reported per DSA and sample.
NEGATIVE = "negative"
PREFORMED = "preformed"
DE_NOVO = "de_novo"
DE_NOVO_BASELINE_MISSING = "de_novo_baseline_missing"
PERSISTENT = "persistent"
RESOLVED = "resolved"
BELOW_CUTOFF = "below_cutoff"  # negative once, resolution needs more negatives (rules)
RECURRENT = "recurrent"  # positive again after it had resolved
STATUSES = (
    NEGATIVE,
    PREFORMED,
    DE_NOVO,
    DE_NOVO_BASELINE_MISSING,
    PERSISTENT,
    RESOLVED,
    BELOW_CUTOFF,
    RECURRENT,
)


@dataclass(frozen=True, slots=True)
class DSAValue:
    """One DSA in one sample: the MFI of its highest bead and whether it was called."""

    mfi: float
    positive: bool
    assay: str | None = None  # the run's vendor, kit and lot (None: the serum's, as a whole)


@dataclass(frozen=True, slots=True)
class SampleDSAValues:
    """A sample with the value of each DSA (keyed by target) that its panels tested."""

    sample: SampleRef
    values: Mapping[str, DSAValue]


@dataclass(frozen=True, slots=True)
class DSAState:
    """A DSA at one sample: status, value, and how it moved since the previous usable sample."""

    target: str
    status: str
    mfi: float
    positive: bool
    category: str
    origin: str | None  # preformed / de_novo / de_novo_baseline_missing, once positive
    consecutive: int  # consecutive positive samples up to this one
    rising: bool
    previous_mfi: float | None
    assay_changed: bool  # the previous value came from another vendor, kit or lot
    assay: str | None = None  # vendor, kit and lot of this value
    previous_assay: str | None = None  # ... and of the previous value (None at the first)
    # Origin preformed through a serum before the exposure other than the baseline ("preformed,
    # earlier serum"): the draw date of the latest such serum the DSA was positive in.
    earlier_serum_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """One sample of an exposure, its visit, and the state of each DSA (none if excluded)."""

    sample_id: str
    date: dt.date
    visit: str
    day: int
    excluded_reason: str | None
    states: tuple[DSAState, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every sample of one exposure for one donor, with the overdue visits as of a date."""

    exposure: dt.date
    donor_id: str
    baseline_sample: str | None
    points: tuple[TimelinePoint, ...]
    overdue: tuple[OverdueVisit, ...]
    as_of: dt.date | None
    rules_version: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO 8601), to be stored with the rules version."""
        return jsonable(asdict(self))

    def state(self, visit: str, target: str) -> DSAState | None:
        """The state of a DSA at a named visit (``baseline``, ``M3``...), if usably sampled."""
        for point in self.points:
            if point.visit == visit and point.excluded_reason is None:
                return next((s for s in point.states if s.target == target), None)
        return None


def jsonable(value: Any) -> Any:
    """Dates as ISO strings, tuples as lists: a dataclass tree ready for JSON."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _is_rising(
    value: DSAValue, category: int, previous: DSAValue | None, prev_cat: int, rules: Rules
) -> bool:
    """Rising (DSA_RULES.md §4): up >= 50 % and >= 1000 MFI, or into a higher positive category.

    Only a DSA already positive at the previous sample can rise: its first positive sample is
    de novo (or preformed, or recurrent), not "rising" from a negative bead's background.
    """
    if not value.positive or previous is None or not previous.positive:
        return False
    by_amount = (
        value.mfi >= previous.mfi * (1 + rules.rising_relative)
        and value.mfi - previous.mfi >= rules.rising_absolute
    )
    by_category = rules.rising_on_category and prev_cat >= WEAK and category > prev_cat
    return by_amount or by_category


class _Course:
    """The running history of one DSA along the usable samples."""

    def __init__(
        self, target: str, baseline_tested: bool, rules: Rules, earlier: dt.date | None = None
    ) -> None:
        self.target, self.baseline_tested, self.rules = target, baseline_tested, rules
        self.previous: DSAValue | None = None
        self.previous_category = 0
        self.previous_assay: str | None = None
        self.consecutive = 0
        self.negatives = 0
        # Positive in an earlier serum before the exposure: preformed from the start.
        self.earlier = earlier
        self.origin: str | None = PREFORMED if earlier is not None else None
        self.resolved = False

    def step(self, value: DSAValue, assignment: VisitAssignment) -> DSAState:
        rules = self.rules
        # The call decides positivity (per-locus cutoff, Wisse rule); the bands only grade it.
        category = category_of(value.mfi, rules)
        category = max(category, WEAK) if value.positive else min(category, WEAK - 1)
        if value.positive:
            self.negatives = 0
            if assignment.visit == BASELINE:
                status = self.origin = PREFORMED
                self.earlier = None  # the baseline itself shows it
            elif self.consecutive:
                status = (
                    PERSISTENT if self.consecutive + 1 >= rules.persistent_min else self.origin or DE_NOVO
                )  # set by the first positive serum
            elif self.resolved:
                status = RECURRENT
            elif self.origin == PREFORMED:  # there before the exposure: back, never de novo
                status = PREFORMED
            else:
                self.origin = DE_NOVO if self.baseline_tested else DE_NOVO_BASELINE_MISSING
                status = self.origin
            self.resolved = False
            self.consecutive += 1
        else:
            was_positive = self.consecutive > 0 or (self.negatives > 0 and not self.resolved)
            self.consecutive = 0
            status = NEGATIVE
            if was_positive:
                self.negatives += 1
                if self.negatives >= rules.resolved_min_negative:
                    status, self.resolved = RESOLVED, True
                else:
                    status = BELOW_CUTOFF
        assay = value.assay if value.assay is not None else assignment.sample.assay
        state = DSAState(
            target=self.target,
            status=str(status),
            mfi=value.mfi,
            positive=value.positive,
            category=CATEGORY_NAMES[category],
            origin=self.origin,
            consecutive=self.consecutive,
            rising=_is_rising(value, category, self.previous, self.previous_category, rules),
            previous_mfi=None if self.previous is None else self.previous.mfi,
            assay_changed=self.previous is not None and assay != self.previous_assay,
            assay=assay,
            previous_assay=self.previous_assay,
            earlier_serum_date=self.earlier,
        )
        self.previous, self.previous_category, self.previous_assay = value, category, assay
        return state


def build_timeline(
    exposure: dt.date,
    samples: Sequence[SampleDSAValues],
    rules: Rules,
    *,
    donor_id: str = "",
    as_of: dt.date | None = None,
    until: dt.date | None = None,
    assigned: Mapping[str, str] | None = None,
) -> Timeline:
    """Statuses of every DSA at every sample of one exposure (``until``: the next exposure;
    ``assigned``: sample id -> the visit a person counted it at, ``visits.assign_visits``)."""
    by_id = {s.sample.sample_id: s for s in samples}
    assignments = assign_visits(exposure, [s.sample for s in samples], rules, until=until, assigned=assigned)
    baseline = next((a for a in assignments if a.visit == BASELINE), None)
    baseline_values = by_id[baseline.sample.sample_id].values if baseline else {}
    targets = sorted({t for s in samples for t in s.values})
    earlier = earlier_positive(assignments, by_id)
    courses = {t: _Course(t, t in baseline_values, rules, earlier.get(t)) for t in targets}
    points = []
    for assignment in assignments:
        sample = assignment.sample
        reason = None
        if sample.qc_failed:
            reason = f"QC failed: {sample.qc_reason}" if sample.qc_reason else "QC failed"
        elif assignment.visit == PRE_EXPOSURE:
            reason = "before the exposure, not the baseline"
        states: tuple[DSAState, ...] = ()
        if reason is None:
            values = by_id[sample.sample_id].values
            states = tuple(courses[t].step(values[t], assignment) for t in targets if t in values)
        points.append(
            TimelinePoint(sample.sample_id, sample.date, assignment.visit, assignment.day, reason, states)
        )
    overdue = overdue_visits(exposure, assignments, rules, as_of, until=until) if as_of else []
    return Timeline(
        exposure,
        donor_id,
        baseline.sample.sample_id if baseline else None,
        tuple(points),
        tuple(overdue),
        as_of,
        rules.version,
    )


def earlier_positive(
    assignments: Sequence[VisitAssignment], by_id: Mapping[str, SampleDSAValues]
) -> dict[str, dt.date]:
    """Per DSA, the draw date of the latest usable serum before the exposure, other than the
    baseline, in which it was positive: what makes it preformed when the baseline does not show
    it (outside the baseline window, or an older serum inside it). QC-failed sera never count."""
    found: dict[str, dt.date] = {}
    for assignment in assignments:  # in date order: the latest positive serum wins
        if assignment.visit != PRE_EXPOSURE or assignment.sample.qc_failed:
            continue
        for target, value in by_id[assignment.sample.sample_id].values.items():
            if value.positive:
                found[target] = assignment.sample.date
    return found


def values_from_evaluation(
    evaluation: PanelEvaluation, samples: Sequence[SampleRef]
) -> list[SampleDSAValues]:
    """Adapter: the rows of an evaluation (one per sample, same order) as timeline input.

    Every DSA target of the donor is given in every row (its highest bead when not called), so a
    negative sample can resolve a DSA; targets reached only through undecidable beads are left out.
    Rows excluded from the evaluation give no values: mark their ``SampleRef`` QC-failed.
    """
    if len(samples) != evaluation.mfi.shape[0]:
        raise ValueError(f"{len(samples)} samples for {evaluation.mfi.shape[0]} rows of MFI")
    kept = [
        (t, target)
        for t, target in enumerate(evaluation.targets)
        if target not in evaluation.undecidable_targets
    ]
    # as Python floats and bools once per evaluation, not one numpy scalar per value
    mfi, positive = evaluation.target_mfi.tolist(), evaluation.target_positive.tolist()
    rows = []
    for row, (sample, excluded) in enumerate(zip(samples, evaluation.excluded.tolist(), strict=True)):
        values = (
            {} if excluded else {t: DSAValue(mfi[row][i], positive[row][i], sample.assay) for i, t in kept}
        )
        rows.append(SampleDSAValues(sample, values))
    return rows


def strongest(first: DSAValue, second: DSAValue) -> DSAValue:
    """Of two runs' values of one DSA in one serum, the one that stands: positive, then highest
    (the first on a tie, so that the choice is stable)."""
    return second if (second.positive, second.mfi) > (first.positive, first.mfi) else first


def merge_values(*panels: Sequence[SampleDSAValues]) -> list[SampleDSAValues]:
    """One row per serum from several panels (its class I and class II runs, or one class run on
    two lots).

    A QC-failed run gives no values; the serum is excluded only when every run of it failed. A
    DSA tested by several runs of the serum counts once: its positive value first, then its
    highest (``strongest``).
    """
    runs: dict[str, list[SampleDSAValues]] = {}
    for rows in panels:
        for item in rows:
            runs.setdefault(item.sample.sample_id, []).append(item)
    merged = []
    for items in runs.values():
        passed = [i for i in items if not i.sample.qc_failed]
        if not passed:
            merged.append(SampleDSAValues(items[0].sample, {}))
            continue
        values: dict[str, DSAValue] = {}
        for item in passed:
            for target, value in item.values.items():
                held = values.get(target)
                values[target] = value if held is None else strongest(held, value)
        merged.append(SampleDSAValues(passed[0].sample, values))
    return merged
