"""One donor of one exposure, evaluated from loaded inputs: calls, timeline, what to store.

No SQL here: ``inputs`` loads, this module computes with ``dsa`` (numpy per panel), ``service``
stores. A donor none of whose beads is positive in any serum is settled by one numpy screen and
never reaches the per-sample objects: most sera of most recipients are negative.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from ..dsa.calls import BeadCall, DSACall, PanelEvaluation, dsa_call, evaluate
from ..dsa.donor import DonorHLA
from ..dsa.matching import NONE, BeadPanel, DonorMatch, SerologyReference, donor_notes, match_donor
from ..dsa.panel_serology import panel_serology
from ..dsa.positivity import cutoff_vector, positive_mask
from ..dsa.rules import Rules
from ..dsa.self_beads import self_bead_calls
from ..dsa.timeline import (
    DSAValue,
    SampleDSAValues,
    Timeline,
    build_timeline,
    merge_values,
    strongest,
    values_from_evaluation,
)
from ..dsa.visits import SampleRef
from ..sab.values import reported
from .inputs import (
    MFI_KINDS,
    RAW_MINUS_NC,
    DonorInput,
    ExposureInput,
    PanelStack,
    RecipientInputs,
    Run,
)
from .model import ClassDSAMFI, DonorEvaluation, PointResult, StateResult

MatchFn = Callable[[int, DonorInput], DonorMatch]  # (panel id, donor) -> masks
# Part of every fingerprint: raise it when a change here alters what the same inputs give.
# e2: DSA MFI per class, self beads, raw − NC bead; e3: a serum is a draw; e4: docs/dsa-rules.md
# (untyped alpha, allele groups, allele-specific, heterodimer self, preformed earlier serum)
ENGINE_VERSION = "e4"
# Donor masks kept by one ``match_with_cache`` store: a run over a national cohort stays bounded.
MAX_MATCHES = 8192


def _value_kind(run: Run, rules: Rules) -> str | None:
    """The first kind the rules prefer that this run's file gave (``inputs`` keeps only those)."""
    return next((kind for kind in rules.value_preference if kind in run.values), None)


def _sample_ref(run: Run) -> SampleRef:
    reason = "; ".join(run.qc_reasons) or None
    return SampleRef(
        run.serum_key,
        run.date,
        run.excluded or run.value_kind is None,
        reason if run.value_kind else "no MFI value the rules accept",
        run.assay,
    )


class _Group:
    """The runs of one bead panel read with one value kind: one (samples × beads) matrix."""

    def __init__(self, panel_id: int, kind: str, runs: list[Run]) -> None:
        self.panel_id, self.kind, self.runs = panel_id, kind, runs
        self.matrix = np.vstack([r.values[kind] for r in runs]).astype(np.float32, copy=False)
        self.excluded = np.array([r.excluded for r in runs], dtype=bool)
        self.evaluation: PanelEvaluation | None = None

    def call(self, row: int, target: str) -> DSACall | None:
        """The DSA call of a target in one run (None: not called there)."""
        assert self.evaluation is not None
        return dsa_call(self.evaluation, row, target)


def _groups(runs: list[Run]) -> list[_Group]:
    by_key: dict[tuple[int, str], list[Run]] = {}
    for run in runs:
        if run.value_kind is not None:
            by_key.setdefault((run.panel_id, run.value_kind), []).append(run)
    return [_Group(panel_id, kind, rows) for (panel_id, kind), rows in by_key.items()]


def prepare(inputs: RecipientInputs, rules: Rules) -> None:
    """Choose each run's value kind under the rules in force (normalized, else BCM, else raw)."""
    for run in inputs.runs:
        run.value_kind = _value_kind(run, rules)


def _positive_beads(group: _Group, panel: BeadPanel, rules: Rules) -> npt.NDArray[np.bool_]:
    """The beads positive in any usable run of the group."""
    cutoffs = cutoff_vector(panel.loci, panel.hla_classes, rules)
    usable = positive_mask(group.matrix[~group.excluded], cutoffs, panel.groups, rules)
    return np.logical_or.reduce(usable, axis=0)


def _to_call(
    groups: list[_Group], panels: Mapping[int, BeadPanel], donor: DonorInput, rules: Rules, match: MatchFn
) -> list[bool]:
    """Which groups need the per-sample calls: those with a positive bead the donor carries
    (asked of the match the calls need, only where some bead is positive), and the others of
    their HLA class (two lots of a class test the same targets). Any other group has no DSA and
    no self bead, and its targets are never positive: it gives no value ``_ever_positive`` keeps
    (a flagged donor is positive in one class, mostly)."""
    positive = []
    for group in groups:
        beads = _positive_beads(group, panels[group.panel_id], rules)
        if beads.any():
            found = match(group.panel_id, donor)
            beads &= (found.primary_level > NONE) | (found.alpha_level > NONE)
        positive.append(bool(beads.any()))
    hit = {c for g, p in zip(groups, positive, strict=True) if p for c in panels[g.panel_id].hla_classes if c}
    return [
        p or not hit.isdisjoint(panels[g.panel_id].hla_classes) for g, p in zip(groups, positive, strict=True)
    ]


def screen_batch(
    batch: Sequence[tuple[RecipientInputs, Rules, MatchFn]],
    stacks: Mapping[int, PanelStack],
    reference: SerologyReference,
) -> set[tuple[int, int, int]]:
    """(recipient, exposure, donor) of every donor with a positive bead it carries in any usable
    run of the batch: a few numpy operations per panel over all runs and donors at once (no loop
    per run or per bead). The other donors have no DSA: their sera need no per-sample calls."""
    pairs: list[tuple[int, int, int]] = []
    pair_of: list[DonorHLA] = []
    slots: dict[int, list[int]] = {}  # recipient -> its pair numbers
    by_version: dict[str, tuple[Rules, list[int]]] = {}
    for inputs, rules, _ in batch:
        by_version.setdefault(rules.version, (rules, []))[1].append(inputs.recipient_id)
        for exposure in inputs.exposures:
            for donor in exposure.donors:
                if donor.hla is not None:
                    slots.setdefault(inputs.recipient_id, []).append(len(pairs))
                    pairs.append((inputs.recipient_id, exposure.exposure_id, donor.donor_id))
                    pair_of.append(donor.hla)
    if not pairs or not batch:
        return set()
    recipients = np.array(sorted(slots), dtype=np.int64)
    table = np.full((len(recipients), max(len(s) for s in slots.values())), -1, dtype=np.intp)
    for position, recipient in enumerate(recipients.tolist()):
        table[position, : len(slots[recipient])] = slots[recipient]
    panels = batch[0][0].panels
    flagged: set[tuple[int, int, int]] = set()
    for panel_id, stack in stacks.items():
        panel = panels[panel_id]
        masks = panel_serology(panel, reference).carried(pair_of)
        at = np.searchsorted(recipients, stack.recipient_ids).clip(0, len(recipients) - 1)
        known = recipients[at] == stack.recipient_ids
        for rules, members in by_version.values():
            preference = [MFI_KINDS.index(k) for k in rules.value_preference]
            given = stack.given[:, preference]
            kind = np.array(preference)[given.argmax(axis=1)]
            matrix = stack.values[np.arange(len(kind)), kind, :]
            usable = known & given.any(axis=1) & ~stack.excluded & np.isin(stack.recipient_ids, members)
            cutoffs = cutoff_vector(panel.loci, panel.hla_classes, rules)
            positive = positive_mask(matrix, cutoffs, panel.groups, rules) & usable[:, None]
            for slot in range(table.shape[1]):
                pair = table[at, slot]
                rows = np.flatnonzero((pair >= 0) & usable)
                hit = (positive[rows] & masks[pair[rows]]).any(axis=1)
                flagged.update(pairs[i] for i in np.unique(pair[rows][hit]).tolist())
    return flagged


def evaluate_donor(
    inputs: RecipientInputs,
    exposure: ExposureInput,
    donor: DonorInput,
    reference: SerologyReference,
    rules: Rules,
    *,
    as_of: dt.date | None,
    match: MatchFn,
    flagged: bool | None = None,
) -> DonorEvaluation:
    """Calls and timeline of one donor of one exposure over all the recipient's sera, in four
    steps: notes on what cannot be called, per-panel calls (only for a donor the screen flags),
    the timeline of every DSA, and the rows to store.

    ``flagged``: what ``screen_batch`` found for this donor (None: screen here).
    """
    prepare(inputs, rules)
    groups = _groups(inputs.runs)
    notes = _notes(inputs, exposure, donor, groups, reference)
    wanted = [False] * len(groups)
    if donor.hla is not None and flagged is not False:
        wanted = _to_call(groups, inputs.panels, donor, rules, match)
    called = _called(groups, wanted, donor, rules, match) if any(wanted) else _Called.none(groups)
    unread = [SampleDSAValues(_sample_ref(r), {}) for r in inputs.runs if r.value_kind is None]
    merged = _ever_positive(merge_values(*called.values, unread))
    timeline = build_timeline(
        exposure.date,
        merged,
        rules,
        donor_id=donor.code,
        as_of=as_of,
        until=exposure.until,
        assigned=inputs.assigned,
    )
    by_serum: dict[str, list[Run]] = {}
    for run in inputs.runs:
        by_serum.setdefault(run.serum_key, []).append(run)
    points = _points(timeline, groups, by_serum, called.self_beads)
    states = _states(timeline, by_serum, called.origin)
    overdue = [
        overdue_visit(o.name, o.window.target, o.window.opens, o.window.closes, o.reason)
        for o in timeline.overdue
    ]
    release = str(getattr(reference, "release", "unknown"))
    made_from = evaluation_inputs(inputs, exposure, donor, rules, release, overdue)
    return DonorEvaluation(
        recipient_id=inputs.recipient_id,
        exposure_id=exposure.exposure_id,
        exposure_date=exposure.date,
        donor_id=donor.donor_id,
        donor_code=donor.code,
        rules=rules,
        reference_release=release,
        fingerprint=fingerprint(made_from),
        inputs=made_from,
        baseline_serum=_serum_of(by_serum, timeline.baseline_sample),
        points=points,
        states=states,
        overdue=overdue,
        notes=notes,
        as_of=as_of,
    )


def _ever_positive(samples: list[SampleDSAValues]) -> list[SampleDSAValues]:
    """The sera with only the values of targets positive in some serum (any serum, before the
    exposure or QC-failed too): each target's course along the timeline is its own, and a target
    never positive has only negative states, of which ``_states`` keeps none. A flagged donor has
    a DSA or two among a dozen targets: the timeline walks those, not every target."""
    positive = {t for s in samples for t, v in s.values.items() if v.positive}
    if all(positive.issuperset(s.values) for s in samples):
        return samples
    return [SampleDSAValues(s.sample, {t: v for t, v in s.values.items() if t in positive}) for s in samples]


def _notes(
    inputs: RecipientInputs,
    exposure: ExposureInput,
    donor: DonorInput,
    groups: list[_Group],
    reference: SerologyReference,
) -> list[str]:
    """What a reader must know before the calls: an untyped donor or recipient, a follow-up
    cut short by the next exposure, what the donor's typing says on each panel."""
    notes: list[str] = []
    if donor.hla is None:
        notes.append(f"donor {donor.code} is not typed: no DSA can be called")
    if inputs.hla is None:
        notes.append("recipient not typed: antigens shared with the donor cannot be told from self")
    if exposure.until is not None:
        notes.append(
            f"follow-up of this exposure ends on {exposure.until.isoformat()}: later sera"
            " count for the next exposure"
        )
    if donor.hla is not None:  # what the donor's typing says on each panel (no masks needed)
        for panel_id in dict.fromkeys(g.panel_id for g in groups):
            said = donor_notes(inputs.panels[panel_id], donor.hla, reference)
            notes.extend(n for n in said if n not in notes)
    return notes


# (serum key, target) -> (group, row, value) whose value the timeline used (``strongest``)
Origin = dict[tuple[str, str], tuple[_Group, int, DSAValue]]


@dataclass
class _Called:
    """The calls of one donor on a recipient's panels: each panel's values per sample, where
    each (serum, target) value came from, and each serum's self beads."""

    values: list[list[SampleDSAValues]]
    origin: Origin = field(default_factory=dict)
    self_beads: dict[str, list[dict]] = field(default_factory=dict)  # serum key -> beads

    @classmethod
    def none(cls, groups: list[_Group]) -> _Called:
        """No calls (a donor the screen clears, or untyped): every serum without values."""
        return cls([[SampleDSAValues(_sample_ref(r), {}) for r in g.runs] for g in groups])


def _called(
    groups: list[_Group], wanted: list[bool], donor: DonorInput, rules: Rules, match: MatchFn
) -> _Called:
    """Per ``wanted`` panel, the numpy calls (``dsa.calls.evaluate``) and the values the
    timeline reads; the other panels' sera without values."""
    called = _Called([])
    for group, call in zip(groups, wanted, strict=True):
        refs = [_sample_ref(r) for r in group.runs]
        if not call:
            called.values.append([SampleDSAValues(ref, {}) for ref in refs])
            continue
        group.evaluation = evaluate(
            group.matrix, match(group.panel_id, donor), rules, value_kind=group.kind, excluded=group.excluded
        )
        rows = values_from_evaluation(group.evaluation, refs)
        for row, item in enumerate(rows):
            for target, value in item.values.items():
                key = (item.sample.sample_id, target)
                held = called.origin.get(key)
                if held is None or strongest(held[2], value) is value:
                    called.origin[key] = (group, row, value)
        for row in np.flatnonzero(group.evaluation.self_flag.any(axis=1)).tolist():
            run = group.runs[row]
            called.self_beads.setdefault(run.serum_key, []).extend(
                {**asdict(bead), "sample_id": run.sample_id, "hla_class": run.hla_class}
                for bead in self_bead_calls(group.evaluation, row)
            )
        called.values.append(rows)
    return called


def _points(
    timeline: Timeline,
    groups: list[_Group],
    by_serum: dict[str, list[Run]],
    self_beads: dict[str, list[dict]],
) -> list[PointResult]:
    """One row per serum of the timeline: its visit, what was left out, its DSA MFI by class."""
    points = []
    dsa = _dsa_of_runs(groups)
    for position, point in enumerate(timeline.points):
        serum_runs = by_serum[point.sample_id]
        dominant = total = None
        by_class: tuple[ClassDSAMFI, ...] = ()
        point_notes: tuple[str, ...] = ()
        if point.excluded_reason is None:
            point_notes = _run_notes(serum_runs)
            by_class = class_dsa_mfi(dsa, serum_runs)
            dominant = max((c.immunodominant_mfi for c in by_class), default=0.0)
            total = reported(sum(c.sum_mfi for c in by_class))
        points.append(
            PointResult(
                position,
                serum_runs[0].serum,
                tuple(r.sample_id for r in serum_runs),
                point.date,
                point.visit,
                point.day,
                point.excluded_reason,
                dominant,
                total,
                point_notes,
                by_class,
                tuple(self_beads.get(point.sample_id, ())),
            )
        )
    return points


def _states(timeline: Timeline, by_serum: dict[str, list[Run]], origin: Origin) -> list[StateResult]:
    """One row per DSA (a target positive at some serum) per usable serum, with the call that
    made it: the run its value came from, its chain, level and beads."""
    dsa = {s.target for p in timeline.points for s in p.states if s.positive}
    states = []
    for position, point in enumerate(timeline.points):
        serum = by_serum[point.sample_id][0].serum
        for state in point.states:
            if state.target not in dsa:
                continue
            group, row, _ = origin[(point.sample_id, state.target)]
            run = group.runs[row]
            call = group.call(row, state.target) if state.positive else None
            states.append(
                StateResult(
                    position=position,
                    serum=serum,
                    date=point.date,
                    visit=point.visit,
                    target=state.target,
                    sample_id=run.sample_id,
                    hla_class=run.hla_class,
                    level=call.level if call else None,
                    chain=call.chain if call else None,
                    mfi=reported(state.mfi),
                    value_kind=group.kind,
                    positive=state.positive,
                    strength=state.category,
                    status=state.status,
                    origin=state.origin,
                    rising=state.rising,
                    consecutive=state.consecutive,
                    previous_mfi=None if state.previous_mfi is None else reported(state.previous_mfi),
                    assay_changed=state.assay_changed,
                    beads=tuple(_bead_dict(b) for b in call.beads) if call else (),
                    warnings=call.warnings if call else (),
                    assay=state.assay,
                    previous_assay=state.previous_assay,
                    earlier_serum_date=state.earlier_serum_date,
                )
            )
    return states


_BEAD_FIELDS = tuple(f.name for f in fields(BeadCall))


def _bead_dict(bead: BeadCall) -> dict[str, Any]:
    """``asdict`` of a bead call, whose fields are text, numbers or None: the same dict without
    ``asdict``'s recursive deep copy (a flagged donor has dozens of beads per serum)."""
    return {name: getattr(bead, name) for name in _BEAD_FIELDS}


def _serum_of(by_serum: dict[str, list[Run]], key: str | None) -> str | None:
    return None if key is None else by_serum[key][0].serum


def _run_notes(runs: list[Run]) -> tuple[str, ...]:
    """What a reader of a serum must know of its runs: one left out, or read on raw MFI only."""
    notes = []
    for run in runs:
        name = f"class {run.hla_class or '?'} run (sample {run.sample_id})"
        if run.excluded or run.value_kind is None:
            reason = f"QC failed: {'; '.join(run.qc_reasons)}" if run.excluded else "no usable MFI"
            notes.append(f"{name} left out: {reason}")
        elif not {"normalized", "bcm"} & set(run.values):  # FORMATS.md: say so
            used = (
                f"raw − NC bead ({run.nc_mfi:.0f}) used"
                if run.value_kind == RAW_MINUS_NC
                else "raw MFI used as is" + ("" if RAW_MINUS_NC in run.values else " (no NC bead)")
            )
            notes.append(f"{name}: the file gives raw MFI only; {used}")
    return tuple(notes)


# sample id -> (its place among the groups' runs, its HLA class, its DSA and their MFI)
RunDSA = dict[int, tuple[int, str, list[tuple[str, float]]]]


def _dsa_of_runs(groups: list[_Group]) -> RunDSA:
    """Each run's DSA with their MFI, read once from its group's evaluation (none without one:
    no DSA in this donor's screen)."""
    found: RunDSA = {}
    for group in groups:
        dsa: dict[int, list[tuple[str, float]]] = {}
        if group.evaluation is not None:
            values, targets = group.evaluation.dsa_mfi, group.evaluation.targets
            rows, columns = np.nonzero(values > 0)
            for row, t, mfi in zip(
                rows.tolist(), columns.tolist(), values[rows, columns].tolist(), strict=True
            ):
                dsa.setdefault(row, []).append((targets[t], mfi))
        for row, run in enumerate(group.runs):
            found[run.sample_id] = (len(found), run.hla_class or "?", dsa.get(row, []))
    return found


def class_dsa_mfi(dsa: RunDSA, runs: list[Run]) -> tuple[ClassDSAMFI, ...]:
    """Per HLA class of a serum, its immunodominant DSA and sum of DSA MFI (DSA_RULES.md §3).

    Each DSA counts once per class, at its highest value among the serum's usable runs: the same
    serum run on two lots of one class tests the same antigens twice. The runs are read in the
    groups' order (``_dsa_of_runs``): the sum adds the same values in the same order.
    """
    usable = {r.sample_id for r in runs if not r.excluded and r.value_kind is not None}
    best: dict[str, dict[str, float]] = {}  # class -> DSA -> MFI
    for _, hla_class, values in sorted(dsa[s] for s in usable if s in dsa):
        found = best.setdefault(hla_class, {})
        for target, mfi in values:
            found[target] = max(found.get(target, 0.0), mfi)
    out = []
    for hla_class in sorted(best, key=lambda c: (len(c), c)):  # I, II, then ?
        found = best[hla_class]
        top = min(found, key=lambda t: (-found[t], t)) if found else None
        out.append(
            ClassDSAMFI(hla_class, top, reported(found[top]) if top else 0.0, reported(sum(found.values())))
        )
    return tuple(out)


def overdue_visit(name: str, target: dt.date, opens: dt.date, closes: dt.date, reason: str) -> dict:
    """An overdue visit as an evaluation keeps it (and its fingerprint hashes it)."""
    return {
        "visit": name,
        "target": target.isoformat(),
        "opens": opens.isoformat(),
        "closes": closes.isoformat(),
        "reason": reason,
    }


def evaluation_inputs(
    inputs: RecipientInputs,
    exposure: ExposureInput,
    donor: DonorInput,
    rules: Rules,
    release: str,
    overdue: list[dict],
    runs: list | None = None,
) -> dict:
    """What an evaluation was made from (kept with it: a correction names what changed);
    ``runs``: ``[sample id, excluded]`` of every run, sorted (default: from ``inputs.runs``).
    Visit assignments are part of it only when there are some: other fingerprints stay as
    they were."""
    until = None if exposure.until is None else exposure.until.isoformat()
    assigned = {"assigned": dict(sorted(inputs.assigned.items()))} if inputs.assigned else {}
    return {
        **assigned,
        "engine": ENGINE_VERSION,
        "rules": rules.version,
        "reference": release,
        "recipient_typing": inputs.typing_id,
        "donor_typing": donor.typing_id,
        "exposure": [exposure.exposure_id, exposure.date.isoformat(), until],
        "runs": sorted([r.sample_id, r.excluded] for r in inputs.runs) if runs is None else runs,
        "overdue": [o["visit"] for o in overdue],
    }


def fingerprint(body: dict) -> str:
    """The hash of ``evaluation_inputs``: equal fingerprints, nothing new to store."""
    return fingerprint_of(json.dumps(body, sort_keys=True, separators=(",", ":")))


def fingerprint_of(text: str) -> str:
    """``fingerprint`` of the compact, key-sorted JSON text of ``evaluation_inputs``."""
    return "f1-" + hashlib.sha256(text.encode()).hexdigest()[:24]


def match_with_cache(
    inputs: RecipientInputs,
    reference: SerologyReference,
    cache: dict[tuple, DonorMatch] | None = None,
) -> MatchFn:
    """Donor masks per (panel, donor typing, recipient typing), computed once per run (at most
    ``MAX_MATCHES`` kept). The screen needs none: it reads the donors' carried beads per panel
    (``PanelSerology.carried``)."""
    store: dict[tuple, DonorMatch] = {} if cache is None else cache

    def match(panel_id: int, donor: DonorInput) -> DonorMatch:
        key = (panel_id, donor.typing_id, inputs.typing_id, getattr(reference, "release", ""))
        found = store.get(key)
        if found is None:
            assert donor.hla is not None
            found = match_donor(inputs.panels[panel_id], donor.hla, reference, inputs.hla)
            if len(store) >= MAX_MATCHES:
                store.clear()  # masks are cheap to recompute; memory must not grow with the run
            store[key] = found
        return found

    return match
