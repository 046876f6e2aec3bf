"""What an evaluation reads: a recipient's typing, exposures with typed donors, sera and panels.

Loaded in bulk for many recipients at once (a handful of queries, not a query per sample), then
handed to ``engine`` as dataclasses and numpy arrays.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlite_utils import Database

from ..dsa.donor import DonorHLA
from ..dsa.matching import BeadPanel
from ..dsa.rules import VALUE_KINDS as VALUE_KINDS_OF_RULES
from ..dsa.visits import shift_days
from ..store import evaluation_inputs as bulk
from ..store.assignments import assigned_visits
from ..store.mfi import VALUE_KINDS

RAW_MINUS_NC = "raw_minus_nc"


@dataclass(slots=True)
class Run:
    """One stored sample: a serum's run on one panel (its class I or class II run)."""

    sample_id: int
    serum: str  # the lab's sample ID (and treatment when not neat), as shown
    serum_key: str  # what joins a serum's runs: the draw date
    date: dt.date
    hla_class: str | None
    panel_id: int
    excluded: bool
    qc_reasons: tuple[str, ...]
    assay: str
    values: dict[str, npt.NDArray[np.float32]]
    value_kind: str | None = None  # chosen by the rules in force
    nc_mfi: float | None = None  # raw MFI of the run's NC bead (what raw_minus_nc subtracts)


@dataclass(frozen=True, slots=True)
class DonorInput:
    donor_id: int
    code: str
    typing_id: int | None
    hla: DonorHLA | None


@dataclass(frozen=True, slots=True)
class ExposureInput:
    exposure_id: int
    date: dt.date
    until: dt.date | None  # the day before the next exposure: this one's follow-up ends there
    donors: tuple[DonorInput, ...]


_UNREAD: Any = object()  # a recipient typing not read yet


@dataclass
class RecipientInputs:
    recipient_id: int
    subject_code: str
    study_code: str
    visit_schedule: Any
    typing_id: int | None
    typing_json: str | None  # the stored typing; ``hla`` reads it when first asked
    exposures: list[ExposureInput]
    runs: list[Run]
    panels: dict[int, BeadPanel] = field(default_factory=dict)
    assigned: dict[str, str] = field(default_factory=dict)  # serum key -> visit, set by a person
    _hla: DonorHLA | None = field(default=_UNREAD, repr=False, compare=False)

    @property
    def typed(self) -> bool:
        """Whether the recipient has a typing (without reading it)."""
        return self.typing_json is not None

    @property
    def hla(self) -> DonorHLA | None:
        """The recipient's typing, read from its stored text when first asked: the many
        recipients whose donors the screen clears never need it (the screen reads donors, their
        notes only whether the recipient is typed)."""
        if self._hla is _UNREAD:
            self._hla = None if self.typing_json is None else _hla_of(self.subject_code, self.typing_json)
        return self._hla


@lru_cache(maxsize=64)
def panel_of(beads_json: str) -> BeadPanel:
    """A stored bead order as a panel, built once per process (a panel's beads never change)."""
    return BeadPanel.build(
        (bead_id, tuple(spec.split(",")) if spec else (), None) for bead_id, spec in json.loads(beads_json)
    )


def _hla(owner: str, typing: tuple[int, str] | None) -> DonorHLA | None:
    return None if typing is None else _hla_of(owner, typing[1])


# A stored typing's entries are JSON objects with no object inside (``HLATyping.to_dict``).
_ENTRY = re.compile(r"\{[^{}]*\}")
_NO_EPITOPES = '"public_epitopes": []'


@lru_cache(maxsize=4096)
def _hla_of(owner: str, typing_json: str) -> DonorHLA:
    """A stored typing read once per process (a typing version never changes): entry by entry
    through a cache of distinct entries (a cohort of 100,000 donors types a few hundred), the
    whole document read only when it holds more than entries (public epitopes)."""
    entries = _ENTRY.findall(typing_json) if _NO_EPITOPES in typing_json else None
    if entries is None or typing_json.count('"names":') != len(entries):
        return DonorHLA.from_stored(owner, json.loads(typing_json))
    parts = [_entry_of(text) for text in entries]
    return DonorHLA(
        owner,
        tuple(e for p in parts for e in p.entries),
        frozenset(x for p in parts for x in p.epitopes),
        tuple(n for p in parts for n in p.notes),
    )


@lru_cache(maxsize=65536)
def _entry_of(entry_json: str) -> DonorHLA:
    """One stored typing entry as ``DonorHLA.from_stored`` reads it (its entry, notes)."""
    return DonorHLA.from_stored("", {"loci": {"": [json.loads(entry_json)]}})


def serum_of(row: dict) -> tuple[str, str]:
    """A run's name as shown, and its serum: the draw (its date). The class I and II runs of one
    draw, and a treated (EDTA, DTT...) run beside its neat one, are one serum at one visit, whatever
    sample IDs the lab gave them; a DSA counts there once, at its strongest run."""
    return _shown(row["lab_sample_id"], row["serum_treatment"]), row["draw_date"]


def _shown(lab_sample_id: str, treatment: str) -> str:
    return lab_sample_id if treatment == "neat" else f"{lab_sample_id} ({treatment})"


MFI_KINDS = VALUE_KINDS_OF_RULES  # the kinds a DSA call may use, in the rules' default order
STORED_KINDS = tuple(k for k in MFI_KINDS if k != RAW_MINUS_NC)  # as the file gave them


def with_raw_minus_nc(
    stored_values: npt.NDArray[np.float32], nc: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """(runs × STORED_KINDS × beads) -> (runs × MFI_KINDS × beads), adding ``raw − NC bead``
    floored at 0 (FORMATS.md "Vendor arithmetic": the documented fallback of a raw-only export);
    NaN where the run has no NC bead (``nc`` NaN) or no raw value."""
    raw = stored_values[:, STORED_KINDS.index("raw"), :]
    derived = np.maximum(raw - nc[:, np.newaxis], np.float32(0.0))  # NaN stays NaN
    parts = {kind: stored_values[:, i, :] for i, kind in enumerate(STORED_KINDS)}
    parts[RAW_MINUS_NC] = derived
    return np.stack([parts[kind] for kind in MFI_KINDS], axis=1).astype(np.float32, copy=False)


@dataclass(frozen=True)
class PanelStack:
    """Every run of a batch on one panel as arrays, for the numpy screen (no loop per run)."""

    panel_id: int
    sample_ids: npt.NDArray[np.int64]
    recipient_ids: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]  # (runs × MFI_KINDS × beads)
    given: npt.NDArray[np.bool_]  # (runs × MFI_KINDS): the file gave this kind (not all NaN)
    excluded: npt.NDArray[np.bool_]  # QC failed
    nc: npt.NDArray[np.float32]  # (runs,): raw MFI of each run's NC bead, NaN when it has none


@dataclass
class Batch:
    """A batch's recipients, its runs stacked per panel, and each recipient's run rows
    (``store.evaluation_inputs.RUN_COLUMNS``): ``Run`` objects are made only for the recipients that
    need per-sample calls (``complete``), never for the many whose donors the screen clears."""

    inputs: list[RecipientInputs]
    stacks: dict[int, PanelStack]
    rows: dict[int, list[tuple]] = field(default_factory=dict)
    _where: dict[int, tuple[PanelStack, int]] | None = None
    _complete: set[int] = field(default_factory=set)

    def where(self, sample_id: int) -> tuple[PanelStack, int]:
        """A sample's panel stack and its row there."""
        if self._where is None:
            self._where = {
                sample_id: (stack, row)
                for stack in self.stacks.values()
                for row, sample_id in enumerate(stack.sample_ids.tolist())
            }
        return self._where[sample_id]

    def complete(self, inputs: RecipientInputs) -> RecipientInputs:
        """``inputs`` with its runs (each with its values per kind), made once."""
        if inputs.recipient_id not in self._complete:
            inputs.runs = _runs(self, self.rows.get(inputs.recipient_id, []))
            self._complete.add(inputs.recipient_id)
        return inputs


def _stacks(
    db: Database,
    runs: dict[int, list[tuple]],
    nc_positions: dict[int, int],
) -> dict[int, PanelStack]:
    every = [row for rows in runs.values() for row in rows]
    if not every:
        return {}
    columns = list(zip(*every, strict=True))
    sample_ids = np.array(columns[0], dtype=np.int64)
    order = np.argsort(sample_ids)
    sample_ids = sample_ids[order]
    recipients = np.array(columns[1], dtype=np.int64)[order]
    excluded = np.array(columns[10], dtype=bool)[order]
    rows_at = [VALUE_KINDS.index(kind) for kind in STORED_KINDS]
    raw_at = VALUE_KINDS.index("raw")
    stacks = {}
    kinds = 1 + max(rows_at)  # the leading kinds of each vector the rules may read
    for panel_id, (ids, packed) in bulk.stacked_values(db, sample_ids.tolist(), kinds=kinds).items():
        at = np.searchsorted(sample_ids, ids)
        position = np.array([nc_positions.get(i, -1) for i in ids.tolist()], dtype=np.intp)
        nc = np.full(len(ids), np.nan, dtype=np.float32)
        has_nc = position >= 0
        nc[has_nc] = packed[np.flatnonzero(has_nc), raw_at, position[has_nc]]
        stack = with_raw_minus_nc(packed[:, rows_at, :], nc)
        given = np.asarray(~np.isnan(stack).all(axis=2), dtype=np.bool_)
        stacks[panel_id] = PanelStack(panel_id, ids, recipients[at], stack, given, excluded[at], nc)
    return stacks


def _with_panels(samples: dict[int, list[tuple]], stacks: dict[int, PanelStack]) -> dict[int, list[tuple]]:
    """Each recipient's run rows (``RUN_COLUMNS``: the sample's, then its panel), only the
    samples with stored values (a sample without them has nothing to read)."""
    panel_of = {
        sample_id: panel_id for panel_id, stack in stacks.items() for sample_id in stack.sample_ids.tolist()
    }
    rows = {}
    for recipient_id, found in samples.items():
        kept = [(*row, panel_of[row[0]]) for row in found if row[0] in panel_of]
        if kept:
            rows[recipient_id] = kept
    return rows


def load_batch(
    db: Database,
    recipient_ids: Sequence[int],
    *,
    panels: dict[int, BeadPanel] | None = None,
    runs: bool = True,
) -> Batch:
    """Everything the engine needs for these recipients, and their runs stacked per panel;
    ``panels`` caches the bead panels across batches. ``runs=False``: each recipient's ``Run``
    objects are left for ``Batch.complete`` (the bulk path reads the rows)."""
    ids = list(dict.fromkeys(int(i) for i in recipient_ids))
    samples = bulk.recipient_runs(db, ids)
    sample_ids = [r[0] for found in samples.values() for r in found]
    stacks = _stacks(db, samples, bulk.nc_bead_positions(db, sample_ids))
    rows = _with_panels(samples, stacks)
    panels = _panels_of(db, rows, {} if panels is None else panels)
    out = _recipient_inputs(db, ids, panels)
    batch = Batch(out, stacks, rows)
    if runs:
        for inputs in out:
            batch.complete(inputs)
    return batch


def _panels_of(
    db: Database, rows: dict[int, list[tuple]], panels: dict[int, BeadPanel]
) -> dict[int, BeadPanel]:
    """``panels`` with every panel the rows were read on (those not cached read in one query)."""
    wanted = {r[12] for found in rows.values() for r in found} - set(panels)
    for panel_id, beads in bulk.bead_panels(db, wanted).items():
        panels[panel_id] = panel_of(beads)
    return panels


def _recipient_inputs(db: Database, ids: list[int], panels: dict[int, BeadPanel]) -> list[RecipientInputs]:
    """Each recipient's study, schedule, typing, exposures with their donors (a donor met twice
    is one ``DonorInput``) and assigned visits, a few queries for the batch; runs left empty."""
    heads = bulk.recipient_heads(db, ids)
    exposures = bulk.recipient_exposures(db, ids)
    assigned = assigned_visits(db, ids)
    donor_ids = {d[0] for found in exposures.values() for e in found for d in e["donors"]}
    donor_typings = bulk.current_typings(db, "donor", donor_ids)
    recipient_typings = bulk.current_typings(db, "recipient", ids)
    donors: dict[int, DonorInput] = {}

    def donor(donor_id: int, code: str) -> DonorInput:
        if donor_id not in donors:
            typed = donor_typings.get(donor_id)
            donors[donor_id] = DonorInput(donor_id, code, typed[0] if typed else None, _hla(code, typed))
        return donors[donor_id]

    out = []
    for recipient_id in ids:
        head = heads.get(recipient_id)
        if head is None:
            continue
        typing = recipient_typings.get(recipient_id)
        found = exposures.get(recipient_id, [])
        exposure_inputs = []
        for index, row in enumerate(found):
            following = found[index + 1]["date"] if index + 1 < len(found) else None
            exposure_inputs.append(
                ExposureInput(
                    row["id"],
                    dt.date.fromisoformat(row["date"]),
                    None if following is None else shift_days(dt.date.fromisoformat(following), -1),
                    tuple(donor(donor_id, code) for donor_id, code in row["donors"]),
                )
            )
        out.append(
            RecipientInputs(
                recipient_id=recipient_id,
                subject_code=head["subject_code"],
                study_code=head["study_code"],
                visit_schedule=head["visit_schedule"],
                typing_id=typing[0] if typing else None,
                typing_json=typing[1] if typing else None,
                exposures=exposure_inputs,
                runs=[],
                panels=panels,
                assigned=assigned.get(recipient_id, {}),
            )
        )
    return out


def run_name(row: tuple) -> str:
    """A run's name as shown: the lab's sample ID, and its treatment when not neat."""
    return _shown(row[2], row[11])


def _runs(batch: Batch, rows: list[tuple]) -> list[Run]:
    """One recipient's runs from its rows, in draw order."""
    found = []
    for row in rows:
        stack, at = batch.where(row[0])
        nc = float(stack.nc[at])
        found.append(
            Run(
                sample_id=row[0],
                serum=run_name(row),
                serum_key=row[3],
                date=dt.date.fromisoformat(row[3]),
                hla_class=row[7],
                panel_id=row[12],
                excluded=bool(row[10]),
                qc_reasons=tuple(json.loads(row[9])),
                assay=" ".join(str(x or "") for x in row[4:7]).strip(),
                values={kind: stack.values[at, k] for k, kind in enumerate(MFI_KINDS) if stack.given[at, k]},
                nc_mfi=None if np.isnan(nc) else nc,
            )
        )
    # One name per serum (all its runs); each run keeps its own assay, so that a DSA's trend
    # compares the runs that gave its values (a class II run added is no kit change).
    names: dict[str, list[str]] = {}
    for run in found:
        names.setdefault(run.serum_key, [])
        if run.serum not in names[run.serum_key]:
            names[run.serum_key].append(run.serum)
    for run in found:
        run.serum = " + ".join(names[run.serum_key])
    return found
