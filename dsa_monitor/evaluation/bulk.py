"""The bulk path: donors the screen clears, evaluated as rows without per-sample objects.

Most donors of a cohort have no positive bead they carry in any serum (``engine.screen_batch``
says which in one numpy pass per panel). Their evaluation is known without calls: every serum
negative, no DSA, no self bead; what remains is which visit each serum is, the overdue visits, the
notes and the fingerprint. This module writes exactly what ``engine.evaluate_donor`` would give
them, as the rows ``store.evaluations`` keeps, from the run rows of the batch: visit assignments
are made once per pattern of draw days (a cohort sampled on schedule shares a handful), the notes
once per donor typing shape, and nothing is made per sample but its row. A recipient with a run
this path does not cover (QC failed, no value the rules accept, raw MFI only, no HLA class) takes
``evaluate_donor``: the test ``tests/evaluation/test_bulk.py`` holds both paths to the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from ..dsa.donor import DonorHLA, TypingEntry
from ..dsa.matching import BeadPanel, SerologyReference, donor_notes
from ..dsa.panel_serology import PanelSerology, panel_serology
from ..dsa.rules import Rules
from ..dsa.visits import PRE_EXPOSURE, SampleRef, assign_visits, overdue_visits
from ..store.evaluations import compact_sera, evaluation_head, sera_rows
from .engine import evaluation_inputs, fingerprint_of, overdue_visit
from .inputs import MFI_KINDS, Batch, DonorInput, ExposureInput, RecipientInputs, run_name
from .model import DonorEvaluation, PointResult

PRE_EXPOSURE_REASON = "before the exposure, not the baseline"  # as ``timeline.build_timeline``
_CLASSES = ("I", "II")
_EMPTY = "[]"
_PATTERNS_KEPT = 4096


def unplain_recipients(batch: Batch, rules: Rules) -> set[int]:
    """Recipients with a run the bulk path does not cover: QC failed, no value kind the rules
    accept, raw MFI only (a note per serum), or no HLA class I or II. One numpy pass per panel."""
    preference = [MFI_KINDS.index(kind) for kind in rules.value_preference]
    vendor = [MFI_KINDS.index(kind) for kind in ("normalized", "bcm")]
    found: set[int] = set()
    for stack in batch.stacks.values():
        readable = stack.given[:, preference].any(axis=1) & stack.given[:, vendor].any(axis=1)
        found.update(stack.recipient_ids[stack.excluded | ~readable].tolist())
    for recipient_id, rows in batch.rows.items():
        if any(row[7] not in _CLASSES for row in rows):
            found.add(recipient_id)
    return found


class _Serum(NamedTuple):
    """One draw of a recipient: its runs' names and ids, as the points show them, and the tail of
    its point row once past the exposure (no DSA: zero MFI for each class it was run on). A
    tuple, not a frozen dataclass: a cohort has hundreds of thousands of sera."""

    key: str
    date: dt.date
    name: str
    ids_json: str  # the sample ids as the points store them (``json.dumps`` of the list)
    tail: tuple  # the point row after (position, serum, sample ids, date, visit, day)


_NO_CLASS = (None, None, None)
_ZERO = (None, 0.0, 0.0)
_PRE_TAIL = (PRE_EXPOSURE_REASON, None, None, _EMPTY, *_NO_CLASS, *_NO_CLASS, _EMPTY)
_TAILS = {
    (one, two): (
        None,
        0.0,
        0.0,
        _EMPTY,
        *(_ZERO if one else _NO_CLASS),
        *(_ZERO if two else _NO_CLASS),
        _EMPTY,
    )
    for one in (False, True)
    for two in (False, True)
}


def _sera(rows: list[tuple]) -> list[_Serum]:
    """A recipient's sera in draw order from its run rows (ordered by draw date, id). Written
    out for the common shapes (one run, or runs of one lab sample ID, neat): a cohort has
    hundreds of thousands of sera, and each call and generator here is paid per serum."""
    found: list[_Serum] = []
    fromisoformat = dt.date.fromisoformat
    start, count = 0, len(rows)
    while start < count:
        first = rows[start]
        key, end = first[3], start + 1
        while end < count and rows[end][3] == key:
            end += 1
        if end == start + 1:
            name, ids, tail = run_name(first), f"[{first[0]}]", _TAILS[first[7] == "I", first[7] == "II"]
        else:
            lab, neat, one, two, numbers = first[2], True, False, False, []
            for run in rows[start:end]:  # one pass, no generator: paid per serum
                neat = neat and run[11] == "neat" and run[2] == lab
                one, two = one or run[7] == "I", two or run[7] == "II"
                numbers.append(str(run[0]))
            name = lab if neat else " + ".join(dict.fromkeys([run_name(r) for r in rows[start:end]]))
            ids, tail = f"[{', '.join(numbers)}]", _TAILS[one, two]
        found.append(_Serum(key, fromisoformat(key), name, ids, tail))
        start = end
    return found


_INPUT_KEYS = (
    "donor_typing",
    "engine",
    "exposure",
    "overdue",
    "recipient_typing",
    "reference",
    "rules",
    "runs",
)  # ``evaluation_inputs`` without visit assignments, sorted


def _inputs_json(made_from: dict[str, Any], runs: tuple[list, str]) -> tuple[str, str]:
    """``evaluation_inputs`` as the fingerprint hashes it (compact) and as the summary keeps it
    (``json.dumps`` defaults), both sorted by key, written from their parts: ``runs`` (the
    longest part) once per recipient as compact text, shared by its donors. Any other shape
    of inputs is written by ``json.dumps`` itself."""
    if tuple(sorted(made_from)) != _INPUT_KEYS:
        return (
            json.dumps(made_from, sort_keys=True, separators=(",", ":")),
            json.dumps(made_from, sort_keys=True, default=str),
        )
    exposure_id, day, until = made_from["exposure"]
    constant = [_text_json(made_from[key]) for key in ("engine", "reference", "rules")]
    exposure = (str(int(exposure_id)), _scalar_json(day), _scalar_json(until))
    donor, recipient = _scalar_json(made_from["donor_typing"]), _scalar_json(made_from["recipient_typing"])
    compact = (
        f'{{"donor_typing":{donor},"engine":{constant[0]},"exposure":[{",".join(exposure)}],'
        f'"overdue":{_names_json(made_from["overdue"], ",")},'
        f'"recipient_typing":{recipient},"reference":{constant[1]},'
        f'"rules":{constant[2]},"runs":[{runs[1]}]}}'
    )
    spaced = (
        f'{{"donor_typing": {donor}, "engine": {constant[0]}, "exposure":'
        f' [{", ".join(exposure)}], "overdue":'
        f' {_names_json(made_from["overdue"], ", ")}, "recipient_typing": {recipient},'
        f' "reference": {constant[1]}, "rules": {constant[2]},'
        f' "runs": [{runs[1].replace(",", ", ")}]}}'
    )
    return compact, spaced


def _scalar_json(value: Any) -> str:
    """A typing id, an ISO date or None as ``json.dumps`` writes it (two of them per donor):
    ids written as numbers, dates (a few hundred distinct in a cohort) once each."""
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    return _text_json(value)


@lru_cache(maxsize=4096)
def _text_json(value: Any) -> str:
    """``json.dumps`` of a text a run writes again and again (dates, the engine, rules, release)."""
    return json.dumps(value)


def _names_json(names: list[str], separator: str) -> str:
    return "[]" if not names else json.dumps(names, separators=(separator, ":"))


@lru_cache(maxsize=1024)
def _notes_tuple_json(notes: tuple[str, ...]) -> str:
    return json.dumps(list(notes))


def _notes_json(notes: list[str]) -> str:
    """A donor's notes as JSON, written once per distinct list (most donors share a few)."""
    return _notes_tuple_json(tuple(notes))


@dataclass
class Cleared:
    """One cleared donor's evaluation as rows (``head`` without id, its sera as the one text
    ``evaluations.sera`` keeps), and what ``DonorEvaluation`` needs beside them."""

    recipient_id: int
    exposure_id: int
    donor_id: int
    donor_code: str
    exposure_date: dt.date
    rules: Rules
    release: str
    fingerprint: str
    baseline_serum: str | None
    sera: str  # the point rows as ``store.evaluations.compact_sera`` writes them
    counts: tuple[int, int]  # sera, and how many of them left out
    overdue: list[dict[str, Any]]
    notes: list[str]
    as_of: dt.date | None
    inputs_json: str  # ``evaluation_inputs`` as the summary keeps it (``json.dumps``, sorted keys)
    row: tuple = ()  # ``head`` as it will be stored: made where the evaluation is computed
    evaluation_id: int | None = None
    created: bool = False

    @property
    def inputs(self) -> dict[str, Any]:
        """What the evaluation was made from, read from its text when asked: a run keeps
        thousands of these, and a dict of lists each would be walked by the cycle collector."""
        return json.loads(self.inputs_json)

    def summary(self) -> dict[str, Any]:
        """``DonorEvaluation.summary`` of an evaluation without DSA."""
        return {
            "sera": self.counts[0],
            "excluded": self.counts[1],
            "dsa": 0,
            "preformed": 0,
            "de_novo": 0,
            "persistent": 0,
            "resolved": 0,
            "rising": 0,
            "overdue": [o["visit"] for o in self.overdue],
        }

    def stored_summary(self) -> str:
        """The ``summary`` column, as ``service`` writes it (``json.dumps`` of the summary with
        sorted keys): the text written from its parts, the constant ones as written."""
        overdue = "[]" if not self.overdue else json.dumps(self.overdue, sort_keys=True, default=str)
        return (
            f'{{"de_novo": 0, "donor_code": {json.dumps(self.donor_code)}, "dsa": 0,'
            f' "earlier_sera": {{}}, "excluded": {self.counts[1]},'
            f' "inputs": {self.inputs_json}, "notes": {_notes_json(self.notes)},'
            f' "overdue": {_names_json([o["visit"] for o in self.overdue], ", ")},'
            f' "overdue_visits": {overdue}, "persistent": 0, "preformed": 0, "resolved": 0,'
            f' "rising": 0, "sera": {self.counts[0]}}}'
        )

    def head(self, rules_json: str) -> tuple:
        """The ``evaluations`` row as ``store.evaluations.insert_evaluations`` takes it, with
        ``rules_json`` (``rules.to_json()``, written once per rules by the caller)."""
        return evaluation_head(
            recipient_id=self.recipient_id,
            exposure_id=self.exposure_id,
            donor_id=self.donor_id,
            exposure_date=self.exposure_date.isoformat(),
            as_of=None if self.as_of is None else self.as_of.isoformat(),
            rules_version=self.rules.version,
            rules=rules_json,
            reference_release=self.release,
            inputs_fingerprint=self.fingerprint,
            baseline_serum=self.baseline_serum,
            summary=self.stored_summary(),
        )

    def evaluation(self) -> DonorEvaluation:
        """The ``DonorEvaluation`` ``engine.evaluate_donor`` gives (made when read)."""
        names = (
            "position",
            "serum",
            "sample_ids",
            "date",
            "visit",
            "day",
            "excluded_reason",
            "immunodominant_mfi",
            "sum_mfi",
            "notes",
            "class_i_immunodominant_dsa",
            "class_i_immunodominant_mfi",
            "class_i_sum_mfi",
            "class_ii_immunodominant_dsa",
            "class_ii_immunodominant_mfi",
            "class_ii_sum_mfi",
            "self_beads",
        )
        points = []
        for row in sera_rows(self.sera):
            item = dict(zip(names, row, strict=True))
            for key in ("sample_ids", "notes", "self_beads"):
                item[key] = json.loads(item[key])
            points.append(PointResult.from_row(item))
        return DonorEvaluation(
            recipient_id=self.recipient_id,
            exposure_id=self.exposure_id,
            exposure_date=self.exposure_date,
            donor_id=self.donor_id,
            donor_code=self.donor_code,
            rules=self.rules,
            reference_release=self.release,
            fingerprint=self.fingerprint,
            baseline_serum=self.baseline_serum,
            points=points,
            states=[],
            overdue=self.overdue,
            notes=self.notes,
            as_of=self.as_of,
            evaluation_id=self.evaluation_id,
            created=self.created,
            inputs=self.inputs,
        )


@dataclass
class BulkEvaluator:
    """The bulk path for one run: caches of visit patterns and notes shared by its batches."""

    reference: SerologyReference
    as_of: dt.date | None
    _patterns: dict[tuple, tuple] = field(default_factory=dict)
    _notes: dict[tuple, tuple[str, ...]] = field(default_factory=dict)
    _knowns: dict[tuple, tuple[tuple[BeadPanel, PanelSerology], ...]] = field(default_factory=dict)
    _plain_entries: dict[int, dict[int, tuple[TypingEntry, bool]]] = field(default_factory=dict)
    _rules_json: dict[str, str] = field(default_factory=dict)

    @property
    def release(self) -> str:
        return str(getattr(self.reference, "release", "unknown"))

    def recipient(
        self,
        batch: Batch,
        inputs: RecipientInputs,
        rules: Rules,
        donors: Iterable[tuple[ExposureInput, DonorInput]],
    ) -> list[Cleared]:
        """The cleared donors of one recipient (``donors``: its typed donors the screen
        cleared), from its run rows."""
        rows = batch.rows.get(inputs.recipient_id, [])
        if not rows:
            return []
        sera = _sera(rows)
        listed = sorted([r[0], bool(r[10])] for r in rows)
        runs = (listed, ",".join([f"[{i},{'true' if e else 'false'}]" for i, e in listed]))
        panels = list(dict.fromkeys(r[12] for r in rows))
        return [self._donor(inputs, exposure, donor, rules, sera, runs, panels) for exposure, donor in donors]

    def _donor(
        self,
        inputs: RecipientInputs,
        exposure: ExposureInput,
        donor: DonorInput,
        rules: Rules,
        sera: list[_Serum],
        runs: tuple[list, str],
        panels: list[int],
    ) -> Cleared:
        notes: list[str] = []
        if not inputs.typed:
            notes.append("recipient not typed: antigens shared with the donor cannot be told from self")
        if exposure.until is not None:
            notes.append(
                f"follow-up of this exposure ends on {exposure.until.isoformat()}:"
                " later sera count for the next exposure"
            )
        notes.extend(n for n in self._donor_notes(inputs, panels, donor) if n not in notes)
        kept = [s for s in sera if exposure.until is None or s.date <= exposure.until]
        visits, baseline, overdue = self._visits(exposure, kept, rules)
        points = [
            (
                position,
                serum.name,
                serum.ids_json,
                serum.key,
                visit,
                day,
                *(_PRE_TAIL if visit == PRE_EXPOSURE else serum.tail),
            )
            for position, (serum, (visit, day)) in enumerate(zip(kept, visits, strict=True))
        ]
        made_from = evaluation_inputs(inputs, exposure, donor, rules, self.release, overdue, runs[0])
        compact, spaced = _inputs_json(made_from, runs)
        found = Cleared(
            inputs.recipient_id,
            exposure.exposure_id,
            donor.donor_id,
            donor.code,
            exposure.date,
            rules,
            self.release,
            fingerprint_of(compact),
            None if baseline is None else kept[baseline].name,
            compact_sera(points),
            (len(points), sum(1 for point in points if point[6])),
            overdue,
            notes,
            self.as_of,
            spaced,
        )
        rules_json = self._rules_json.get(rules.version)
        if rules_json is None:
            rules_json = self._rules_json[rules.version] = rules.to_json()
        found.row = found.head(rules_json)
        return found

    def _donor_notes(self, inputs: RecipientInputs, panels: list[int], donor: DonorInput) -> tuple[str, ...]:
        """``donor_notes`` of each panel in turn, each note once; made once per set of panels and
        typed loci for the typings they only say untyped loci of (no null or unknown allele, no
        unexpanded code, no chain the reference does not know)."""
        hla = donor.hla
        assert hla is not None
        knowns = self._knowns.get(tuple(panels))
        if knowns is None:
            knowns = self._knowns[tuple(panels)] = tuple(
                (inputs.panels[p], panel_serology(inputs.panels[p], self.reference)) for p in panels
            )
        key = None
        if not hla.notes and self._plain(knowns, hla):
            key = (tuple(panels), frozenset([e.locus for e in hla.entries]))
            found = self._notes.get(key)
            if found is not None:
                return found
        merged: list[str] = []
        for panel, _ in knowns:
            merged.extend(n for n in donor_notes(panel, hla, self.reference) if n not in merged)
        if key is not None:
            self._notes[key] = tuple(merged)
        return tuple(merged)

    def _plain(self, knowns: tuple[tuple[BeadPanel, PanelSerology], ...], hla: DonorHLA) -> bool:
        """No panel of ``knowns`` has a chain the reference does not know, and no entry of the
        typing names an allele unknown to the reference or a null allele (``entry_flags``
        without its lists): per entry object (the typings' entries are shared), for all the
        panels at once."""
        plain = self._plain_entries.get(id(knowns))
        if plain is None:
            if any(known.unknown_chains for _, known in knowns):
                return False
            plain = self._plain_entries[id(knowns)] = {}
        for entry in hla.entries:
            held = plain.get(id(entry))
            if held is None or held[0] is not entry:
                flags = [known.entry_levels(entry) for _, known in knowns]
                held = plain[id(entry)] = (entry, not any(f.unknown or f.null for f in flags))
            if not held[1]:
                return False
        return True

    def _visits(
        self, exposure: ExposureInput, sera: list[_Serum], rules: Rules
    ) -> tuple[list[tuple[str, int]], int | None, list[dict[str, Any]]]:
        """(visit, day) per serum, the baseline's position and the overdue visits: made by
        ``assign_visits`` and ``overdue_visits`` once per pattern of days relative to the
        exposure (the windows are days from it), then read for every exposure sharing it."""
        day0 = exposure.date
        offsets = tuple((s.date - day0).days for s in sera)
        until = None if exposure.until is None else (exposure.until - day0).days
        closes = [spec.day + spec.after for spec in rules.visits]
        since = (
            None
            if self.as_of is None
            else min(max((self.as_of - day0).days, min(closes, default=0) - 1), max(closes, default=0) + 1)
        )
        key = (rules, offsets, until, since)
        relative = 10 <= day0.year <= 9000  # far from the calendar's ends, windows just shift
        found = self._patterns.get(key) if relative else None
        if found is None:
            refs = [SampleRef(s.key, s.date, False, None) for s in sera]
            assigned = assign_visits(day0, refs, rules, until=exposure.until)
            late = (
                overdue_visits(day0, assigned, rules, self.as_of, until=exposure.until) if self.as_of else []
            )
            found = (
                tuple((a.visit, a.day) for a in assigned),
                next((i for i, a in enumerate(assigned) if a.visit == "baseline"), None),
                tuple(
                    (
                        o.name,
                        (o.window.target - day0).days,
                        (o.window.opens - day0).days,
                        (o.window.closes - day0).days,
                        o.reason,
                    )
                    for o in late
                ),
            )
            if relative:
                if len(self._patterns) >= _PATTERNS_KEPT:
                    self._patterns.clear()
                self._patterns[key] = found
        visits, baseline, late_days = found
        overdue = [
            overdue_visit(
                name,
                day0 + dt.timedelta(days=t),
                day0 + dt.timedelta(days=o),
                day0 + dt.timedelta(days=c),
                reason,
            )
            for name, t, o, c, reason in late_days
        ]
        return list(visits), baseline, overdue
