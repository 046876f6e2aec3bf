"""Evaluate recipients from the database and keep each evaluation with the rules it was made under.

``evaluate_recipient`` evaluates one recipient (explicitly, under the rules given);
``evaluate_pending`` re-evaluates only the recipients that a new sample, typing or exposure touched
since its watermark, and is what the scheduler runs. An evaluation is never overwritten: one with
other inputs or other rules is added beside it; one with the same fingerprint is not stored again.
Each stored evaluation yields the change facts (``changes.py``) alerts are made of, and
``store_evaluation`` records them (``recording``) in the same transaction: whatever door evaluates
(``dsa-monitor evaluate``, ``--pending``, the scheduler), an evaluation never lands without them.
A run of many batches computes some of them in a helper process (``parallel``); this process
stores every batch, in order, so that what lands is what one process alone would store.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlite_utils import Database

from ..collector import collector_paused
from ..dsa.matching import DonorMatch, SerologyReference
from ..dsa.rules import DEFAULT_RULES, Rules
from ..dsa.visits import schedule_rules
from ..errors import NotFound
from ..store import evaluation_inputs as bulk
from ..store import evaluations as stored
from ..store import studies as requests
from ..store.connection import checkpoint_after, database_file, open_reader, write_transaction
from . import parallel
from .bulk import BulkEvaluator, Cleared, unplain_recipients
from .changes import ChangeFact, changes, facts_of, withdrawal_cause
from .engine import ENGINE_VERSION, MatchFn, evaluate_donor, match_with_cache, screen_batch
from .inputs import Batch, RecipientInputs, load_batch
from .model import DonorEvaluation, PointResult, RecipientEvaluation, StateResult
from .recording import RecordFacts, recorder

log = logging.getLogger(__name__)
BATCH = 500
Rows = tuple[tuple, list[tuple], list[tuple]]  # an evaluation's head, points and states, to insert
HELPED_FROM = 4  # batches: a run this long computes some of them in a helper process


@dataclass(frozen=True, slots=True)
class RecipientFailure:
    """A recipient an evaluation run could not evaluate: nothing of it was stored."""

    recipient_id: int
    error: str


class PendingRun(list):
    """The recipients ``evaluate_pending`` evaluated (a list of ids), with what changed, and the
    recipients it could not evaluate (each kept to retry on the next run). The evaluations of
    recipients without DSA are made into objects when ``evaluations`` is first read: a run over
    a cohort stores rows, and only a reader that wants them pays for the objects."""

    def __init__(
        self,
        recipient_ids: Sequence[int] = (),
        *,
        evaluations: Sequence[RecipientEvaluation | Deferred] = (),
        failures: Sequence[RecipientFailure] = (),
    ) -> None:
        super().__init__(recipient_ids)
        self._evaluations = list(evaluations)
        self.failures = list(failures)

    @property
    def evaluations(self) -> list[RecipientEvaluation]:
        self._evaluations = [_made(e) for e in self._evaluations]
        return self._evaluations  # type: ignore[return-value]

    @property
    def changes(self) -> list[ChangeFact]:
        return [fact for e in self._evaluations for fact in e.changes]


@dataclass
class Deferred:
    """A recipient whose donors the bulk path evaluated: stored, made into objects when read."""

    recipient_id: int
    subject_code: str
    study_code: str
    cleared: list[Cleared]
    changes: tuple[ChangeFact, ...] = ()  # the bulk path stores no evaluation with facts

    def made(self) -> RecipientEvaluation:
        return RecipientEvaluation(
            self.recipient_id,
            self.subject_code,
            self.study_code,
            [c.evaluation() for c in self.cleared],
            list(self.changes),
        )


@dataclass
class Computed:
    """What ``_Run.compute`` made of a batch, in recipient order, not stored yet; ``rows``: the
    rows of each ``evaluate_donor`` evaluation (``_rows_of``, by its key), made beside it."""

    items: list[RecipientEvaluation | Deferred]
    rows: dict[tuple[int, int, int], Rows] = field(default_factory=dict)


def _made(item: RecipientEvaluation | Deferred) -> RecipientEvaluation:
    return item.made() if isinstance(item, Deferred) else item


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def evaluate_recipient(
    db: Database,
    recipient_id: int,
    *,
    reference: SerologyReference,
    rules: Rules = DEFAULT_RULES,
    as_of: dt.date | None = None,
    user: str = "system",
    record: RecordFacts | None = None,
) -> RecipientEvaluation:
    """Evaluate every donor of every exposure of one recipient and store what is new (with its
    facts, recorded by ``record`` or the installed recorder)."""
    found = evaluate_recipients(
        db, [recipient_id], reference=reference, rules=rules, as_of=as_of, user=user, record=record
    )
    if not found:
        raise NotFound(f"no recipient {recipient_id}", recipient_id=recipient_id)
    return found[0]


def evaluate_recipients(
    db: Database,
    recipient_ids: Sequence[int],
    *,
    reference: SerologyReference,
    rules: Rules = DEFAULT_RULES,
    as_of: dt.date | None = None,
    user: str = "system",
    record: RecordFacts | None = None,
    failures: list[RecipientFailure] | None = None,
    bulk: bool = True,
    helper: bool = False,
) -> list[RecipientEvaluation]:
    """Evaluate recipients in batches, each batch stored (with its facts) in one transaction.

    The facts go to ``record``, else to the recorder the alerts installed (``recording``); with
    neither, ``recording.NoRecorder`` is raised before anything is stored.

    With a ``failures`` list, one recipient's error is logged and added there while the others
    are evaluated and stored (its own writes roll back); without one, the error is raised.

    ``bulk=False`` takes every donor through ``engine.evaluate_donor``, the donors the screen
    clears too (the reference the bulk path is tested against). ``helper``: a long run called
    outside any transaction may compute some batches in a helper process (``parallel``).
    """
    helped = helper and not db.conn.in_transaction
    return [
        _made(e)
        for e in _evaluate(db, recipient_ids, reference, rules, as_of, user, record, failures, bulk, helped)
    ]


def _evaluate(
    db: Database,
    recipient_ids: Sequence[int],
    reference: SerologyReference,
    rules: Rules,
    as_of: dt.date | None,
    user: str,
    record: RecordFacts | None,
    failures: list[RecipientFailure] | None,
    bulk: bool = True,
    helped: bool = False,
) -> list[RecipientEvaluation | Deferred]:
    """``helped``: a long run may use a helper process (``parallel``); only for inputs all
    committed, as another connection reads them."""
    run = _Run(db, reference, rules, as_of or _today(), user, recorder(record), failures, bulk)
    ids = list(recipient_ids)
    batches = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    with collector_paused(), _helper(run, len(batches) if helped else 0) as helper:
        for computed in parallel.in_order(batches, run.compute, helper, _compute_there, run.finish):
            with write_transaction(db):
                run.store(computed)
    return run.results


@contextmanager
def _helper(run: _Run, batches: int) -> Iterator[parallel.Helper | None]:
    """A helper process for a run of at least ``HELPED_FROM`` batches on a database file (its
    inputs committed: it reads them on its own connection), else None."""
    path = database_file(run.db)
    helper = None
    if batches >= HELPED_FROM and path is not None:
        try:
            helper = parallel.Helper(
                _start_there,
                (path, run.reference, run.rules, run.as_of, run.bulk is not None),
            )
        except Exception as error:  # no helper process here: the run is done in this process
            log.warning("no evaluation helper process (%s: %s)", type(error).__name__, error)
    try:
        yield helper
    finally:
        if helper is not None:
            helper.close()


_THERE: list[_Run] = []  # in a helper process: the run it computes batches of


def _start_there(path: str, reference: SerologyReference, rules: Rules, as_of: dt.date, bulk: bool) -> None:
    """A helper process's run: reads on its own read-only connection, stores nothing. Its
    failures are told by the process that stores, which computes those recipients again."""
    log.setLevel(logging.CRITICAL)
    _THERE[:] = [_Run(open_reader(path), reference, rules, as_of, "helper", _stores_nothing, [], bulk)]


def _compute_there(ids: list[int]) -> tuple[Computed, list[int]]:
    """``_Run.compute`` in a helper process, and the recipients it failed."""
    run = _THERE[0]
    assert run.failures is not None
    run.failures.clear()
    with collector_paused():  # as in the process that stores (``collector``)
        computed = run.compute(ids)
    return computed, [failure.recipient_id for failure in run.failures]


def _stores_nothing(db: Database, facts: list[ChangeFact]) -> None:
    raise RuntimeError("a helper process computes evaluations; it never stores or records them")


def evaluate_pending(
    db: Database,
    *,
    reference: SerologyReference,
    rules: Rules = DEFAULT_RULES,
    as_of: dt.date | None = None,
    user: str = "scheduler",
    record: RecordFacts | None = None,
    helper: bool = True,
) -> PendingRun:
    """Re-evaluate the recipients touched by a sample, typing or exposure stored since the last
    run, those marked for it (``store.studies.request_evaluation``: a visit schedule changed),
    those a previous run failed on, and those last evaluated by another engine version or
    under another reference release (an upgrade), all in one transaction with the watermark (a crash
    repeats the work, never skips). A recipient that fails is logged, reported in the run and
    kept in ``evaluation_failures``: the watermark moves on, the next run retries it. ``helper``:
    a long run begun outside any transaction computes some batches in a helper process."""
    as_of = as_of or _today()
    record = recorder(record)  # before the transaction: no recorder, nothing evaluated
    failures: list[RecipientFailure] = []
    helped = helper and not db.conn.in_transaction  # nothing of the caller's unwritten: a helper may read
    with checkpoint_after(db), write_transaction(db):
        upto = stored.newest_input_ids(db)
        since = stored.read_watermark(db)
        retry = stored.failed_recipients(db)
        release = str(getattr(reference, "release", "unknown"))
        stale = stored.evaluated_otherwise(db, engine=ENGINE_VERSION, release=release)
        ids = sorted(
            set(stored.touched_recipients(db, since, upto))
            | set(retry)
            | set(stale)
            | set(requests.requested_evaluations(db))
        )
        evaluated = _evaluate(db, ids, reference, rules, as_of, user, record, failures, helped=helped)
        stored.clear_failures(db, set(ids) - {f.recipient_id for f in failures})
        requests.clear_evaluation_requests(db, set(ids) - {f.recipient_id for f in failures})
        for failure in failures:
            stored.record_failure(db, failure.recipient_id, failure.error)
        stored.write_watermark(db, upto)
        stored.mark_checked(db, engine=ENGINE_VERSION, release=release)
    log.info("evaluated %d recipient(s) with new inputs", len(evaluated))
    if failures:
        log.error(
            "%d recipient(s) not evaluated, retried on the next run: %s",
            len(failures),
            "; ".join(f"recipient {f.recipient_id}: {f.error}" for f in failures),
        )
    return PendingRun([e.recipient_id for e in evaluated], evaluations=evaluated, failures=failures)


class _Run:
    """One evaluation run over batches: caches shared, failures kept apart per recipient; each
    batch computed (``compute``, here or in a helper process) and then stored (``store``)."""

    def __init__(
        self,
        db: Database,
        reference: SerologyReference,
        rules: Rules,
        as_of: dt.date,
        user: str,
        record: RecordFacts,
        failures: list[RecipientFailure] | None,
        bulk: bool = True,
    ) -> None:
        self.db, self.reference, self.rules, self.as_of = db, reference, rules, as_of
        self.user, self.record, self.failures = user, record, failures
        self.cache: dict[tuple, DonorMatch] = {}
        self.panels: dict = {}
        self.results: list[RecipientEvaluation | Deferred] = []
        self.bulk = BulkEvaluator(reference, as_of) if bulk else None
        self.study_rules: dict[str, Rules] = {}

    def _failed(self, recipient_id: int, error: Exception) -> None:
        if self.failures is None:
            raise error
        log.error(
            "recipient %s not evaluated: %s: %s", recipient_id, type(error).__name__, error, exc_info=error
        )
        self.failures.append(RecipientFailure(recipient_id, f"{type(error).__name__}: {error}"))

    def _rules_of(self, inputs: RecipientInputs) -> Rules:
        """The rules with the recipient's study schedule (read once per study and run)."""
        found = self.study_rules.get(inputs.study_code)
        if found is None:
            found = self.study_rules[inputs.study_code] = schedule_rules(self.rules, inputs.visit_schedule)
        return found

    def compute(self, ids: list[int]) -> Computed:
        """Load and screen ``ids`` together; if that fails, each recipient alone. Recipients
        whose donors the screen clears take the bulk path; the others ``engine.evaluate_donor``.
        Nothing is stored (``store``): a helper process may compute what this one stores."""
        try:
            loaded = load_batch(self.db, ids, panels=self.panels, runs=False)
            batch = [
                (inputs, self._rules_of(inputs), match_with_cache(inputs, self.reference, self.cache))
                for inputs in loaded.inputs
            ]
            flagged = screen_batch(batch, loaded.stacks, self.reference)
            unplain = unplain_recipients(loaded, self.rules) if self.bulk else set()
            # a serum assigned to a visit by hand: the bulk path pairs by dates alone
            unplain |= {inputs.recipient_id for inputs in loaded.inputs if inputs.assigned}
        except Exception as error:
            if len(ids) == 1 or self.failures is None:
                self._failed(ids[0], error)
                return Computed([])
            # find the recipient at fault: the others go on
            return _joined([self.compute([recipient_id]) for recipient_id in ids])
        found = Computed([])
        for inputs, study_rules, match in batch:
            if self.bulk is not None and inputs.recipient_id not in unplain:
                cleared = self._cleared(loaded, inputs, study_rules, flagged)
                if cleared is not None:
                    found.items.append(cleared)
                    continue
            try:
                loaded.complete(inputs)
                made = _evaluated(inputs, self.reference, study_rules, match, flagged, self.as_of)
                rows = {_key(e): _rows_of(e) for e in made.evaluations}
            except Exception as error:
                self._failed(inputs.recipient_id, error)
                continue
            found.items.append(made)
            found.rows.update(rows)
        return found

    def store(self, computed: Computed) -> None:
        """Store what ``compute`` made, in the caller's transaction: the evaluations made by
        ``evaluate_donor`` with their facts, then the bulk path's rows; each kept in
        ``results`` in order."""
        made = [item for item in computed.items if isinstance(item, RecipientEvaluation)]
        cleared = [item for item in computed.items if isinstance(item, Deferred)]
        self.results.extend(computed.items)
        if made:
            self._store_made(made, computed.rows)
        if cleared:
            self._store_cleared(cleared)

    def finish(self, given: tuple[Computed, list[int]], ids: list[int]) -> Computed:
        """What a helper process computed of ``ids``, with the recipients it failed computed
        here (so that their failure is reported and kept here), in recipient order."""
        computed, failed = given
        if not failed:
            return computed
        order = {recipient_id: position for position, recipient_id in enumerate(ids)}
        found = _joined([computed, self.compute(failed)])
        found.items.sort(key=lambda item: order[item.recipient_id])
        return found

    def _store_made(self, made: list[RecipientEvaluation], rows: dict[tuple[int, int, int], Rows]) -> None:
        """Store the batch's evaluations made by ``evaluate_donor`` with their facts, all at
        once in a savepoint; if that fails, each recipient in its own savepoint (a failure
        undoes that recipient only, and it is reported, not returned)."""
        try:
            with self.db.atomic():
                _store_recipients(self.db, made, user=self.user, record=self.record, rows=rows)
            return
        except Exception:
            if len(made) == 1 and self.failures is None:
                raise
        for result in made:
            try:
                with self.db.atomic():
                    _store_recipients(self.db, [result], user=self.user, record=self.record, rows=rows)
            except Exception as error:
                self.results = [r for r in self.results if r is not result]
                self._failed(result.recipient_id, error)

    def _cleared(
        self, loaded: Batch, inputs: RecipientInputs, rules: Rules, flagged: set[tuple[int, int, int]]
    ) -> Deferred | None:
        """The recipient's evaluations by the bulk path, or None when a donor needs calls (the
        screen flagged it), is untyped, or the recipient has no run: ``evaluate_donor`` then."""
        donors = [(exposure, donor) for exposure in inputs.exposures for donor in exposure.donors]
        if not loaded.rows.get(inputs.recipient_id) or any(
            donor.hla is None or (inputs.recipient_id, exposure.exposure_id, donor.donor_id) in flagged
            for exposure, donor in donors
        ):
            return None
        assert self.bulk is not None
        try:
            found = self.bulk.recipient(loaded, inputs, rules, donors)
        except Exception:  # left to the per-recipient path, which isolates and reports it
            log.debug("bulk path declined recipient %s", inputs.recipient_id, exc_info=True)
            return None
        return Deferred(inputs.recipient_id, inputs.subject_code, inputs.study_code, found)

    def _store_cleared(self, cleared: list[Deferred]) -> None:
        """Store the bulk path's evaluations of a batch: one query for what is stored already,
        two ``executemany`` for the rest. One whose previous evaluation had DSA states goes
        through ``store_evaluation`` (its withdrawals are facts to record)."""
        known = stored.latest_heads(self.db, [d.recipient_id for d in cleared])
        heads: list[tuple] = []
        points: list[str] = []
        fresh: list[Cleared] = []
        for deferred in cleared:
            for item in deferred.cleared:
                held = known.get((item.recipient_id, item.exposure_id, item.donor_id))
                same = None if held is None else held["by_rules"].get(item.rules.version)
                if same is not None and same[1] == item.fingerprint:
                    item.evaluation_id = same[0]
                    continue
                if held is not None and held["latest"][1]:
                    evaluation = item.evaluation()
                    facts = store_evaluation(self.db, evaluation, user=self.user, record=self.record)
                    item.evaluation_id, item.created = evaluation.evaluation_id, True
                    deferred.changes += tuple(facts)
                    continue
                heads.append(item.row)
                points.append(item.sera)
                fresh.append(item)
        for item, evaluation_id in zip(
            fresh, stored.insert_evaluations(self.db, heads, points, user=self.user), strict=True
        ):
            item.evaluation_id, item.created, item.row = evaluation_id, True, ()  # stored: let go


def _evaluated(
    inputs: RecipientInputs,
    reference: SerologyReference,
    rules: Rules,
    match: MatchFn,
    flagged: set[tuple[int, int, int]],
    as_of: dt.date,
) -> RecipientEvaluation:
    """Every donor of every exposure of one recipient through ``engine.evaluate_donor``
    (nothing stored yet: ``_store_recipients``)."""
    result = RecipientEvaluation(inputs.recipient_id, inputs.subject_code, inputs.study_code, [])
    for exposure in inputs.exposures:
        for donor in exposure.donors:
            key = (inputs.recipient_id, exposure.exposure_id, donor.donor_id)
            result.evaluations.append(
                evaluate_donor(
                    inputs,
                    exposure,
                    donor,
                    reference,
                    rules,
                    as_of=as_of,
                    match=match,
                    flagged=key in flagged,
                )
            )
    return result


def _store_recipients(
    db: Database,
    results: list[RecipientEvaluation],
    *,
    user: str,
    record: RecordFacts,
    rows: dict[tuple[int, int, int], Rows],
) -> None:
    """``store_evaluations`` for recipients' evaluations; each recipient's facts kept with it."""
    for result in results:
        result.changes = []
    evaluations = [e for result in results for e in result.evaluations]
    by_id = {id(e): result for result in results for e in result.evaluations}
    for evaluation, facts in zip(
        evaluations, store_evaluations(db, evaluations, user=user, record=record, rows=rows), strict=True
    ):
        by_id[id(evaluation)].changes.extend(facts)


def store_evaluation(
    db: Database, evaluation: DonorEvaluation, *, user: str, record: RecordFacts
) -> list[ChangeFact]:
    """Keep a new evaluation (unless an equal one is stored) and record what it changed, in the
    caller's transaction; return those facts."""
    return store_evaluations(db, [evaluation], user=user, record=record)[0]


def store_evaluations(
    db: Database,
    evaluations: Sequence[DonorEvaluation],
    *,
    user: str,
    record: RecordFacts,
    rows: Mapping[tuple[int, int, int], Rows] | None = None,
) -> list[list[ChangeFact]]:
    """Keep each new evaluation (unless an equal one is stored) and record what it changed, in
    the caller's transaction; return the facts of each. The one place an evaluation with DSA
    states is stored: one query for what is stored already, one ``executemany`` per table, then
    the facts of them all to ``record``, in order, in the same transaction (alerts exactly
    once: an evaluation never lands without its facts, nor facts without it)."""
    found: list[list[ChangeFact]] = [[] for _ in evaluations]
    with write_transaction(db):
        known = stored.latest_heads(db, {e.recipient_id for e in evaluations})
        fresh: list[tuple[int, list[ChangeFact]]] = []
        for position, evaluation in enumerate(evaluations):
            held = known.get((evaluation.recipient_id, evaluation.exposure_id, evaluation.donor_id))
            same = None if held is None else held["by_rules"].get(evaluation.rules.version)
            if same is not None and same[1] == evaluation.fingerprint:
                evaluation.evaluation_id = same[0]
                continue
            fresh.append((position, _changes_since(db, evaluation, held)))
        made = [_prepared(evaluations[position], rows) for position, _ in fresh]
        ids = stored.insert_evaluations(
            db, [r[0] for r in made], [r[1] for r in made], states=[r[2] for r in made], user=user
        )
        for (position, facts), evaluation_id in zip(fresh, ids, strict=True):
            evaluation = evaluations[position]
            evaluation.evaluation_id, evaluation.created = evaluation_id, True
            found[position] = [_with_id(f, evaluation_id) for f in facts]
        recorded = [fact for facts in found for fact in facts]
        if recorded:  # once for the batch, in order: the recorder reads what it needs at once
            record(db, recorded)
    return found


def _changes_since(db: Database, evaluation: DonorEvaluation, held: dict | None) -> list[ChangeFact]:
    """What ``evaluation`` changes against the latest stored one of its donor (``held``: from
    ``stored.latest_heads``): its new facts, and withdrawals of facts it no longer holds (read
    only when that evaluation had DSA states: without, there is nothing to withdraw)."""
    previous: list[StateResult] = []
    made_from = None
    if held is not None and held["latest"][1]:
        latest = stored.get_evaluation(db, held["latest"][0])
        previous = [
            StateResult.from_row(row, latest["summary"].get("earlier_sera"))
            for row in stored.evaluation_states(db, latest["id"])
        ]
        made_from = latest["summary"].get("inputs")
    identity = {
        "recipient_id": evaluation.recipient_id,
        "donor_id": evaluation.donor_id,
        "exposure_id": evaluation.exposure_id,
    }
    return changes(
        facts_of(previous, **identity),
        facts_of(evaluation.states, **identity),
        now=evaluation.states,
        cause=withdrawal_cause(made_from, evaluation.inputs),
    )


def _key(evaluation: DonorEvaluation) -> tuple[int, int, int]:
    return (evaluation.recipient_id, evaluation.exposure_id, evaluation.donor_id)


def _prepared(evaluation: DonorEvaluation, rows: Mapping[tuple[int, int, int], Rows] | None) -> Rows:
    """``evaluation``'s rows as made beside it (``Computed.rows``), else made now."""
    found = None if rows is None else rows.get(_key(evaluation))
    return _rows_of(evaluation) if found is None else found


def _joined(parts: list[Computed]) -> Computed:
    """Computed parts as one, in the order given."""
    joined = Computed([])
    for part in parts:
        joined.items.extend(part.items)
        joined.rows.update(part.rows)
    return joined


def _rows_of(evaluation: DonorEvaluation) -> Rows:
    """An evaluation as ``store.evaluations.insert_evaluations`` takes it: head, points, states."""
    summary = {
        **evaluation.summary(),
        "overdue_visits": evaluation.overdue,
        "notes": evaluation.notes,
        "donor_code": evaluation.donor_code,
        "inputs": evaluation.inputs,
        "earlier_sera": evaluation.earlier_sera(),
    }
    head = stored.evaluation_head(
        recipient_id=evaluation.recipient_id,
        exposure_id=evaluation.exposure_id,
        donor_id=evaluation.donor_id,
        exposure_date=evaluation.exposure_date.isoformat(),
        as_of=None if evaluation.as_of is None else evaluation.as_of.isoformat(),
        rules_version=evaluation.rules.version,
        rules=evaluation.rules.to_json(),
        reference_release=evaluation.reference_release,
        inputs_fingerprint=evaluation.fingerprint,
        baseline_serum=evaluation.baseline_serum,
        summary=json.dumps(summary, sort_keys=True, default=str),
    )
    return (
        head,
        stored.column_values([p.to_row() for p in evaluation.points], stored.POINT_COLUMNS),
        stored.column_values([s.to_row() for s in evaluation.states], stored.STATE_COLUMNS),
    )


def _with_id(fact: ChangeFact, evaluation_id: int) -> ChangeFact:
    return replace(fact, evaluation_id=evaluation_id)


def stored_evaluation(db: Database, evaluation_id: int) -> DonorEvaluation:
    """A stored evaluation as it was made: its own rules, reference and states."""
    head = stored.get_evaluation(db, evaluation_id)
    summary = head["summary"]
    points = [PointResult.from_row(p) for p in stored.evaluation_points(db, evaluation_id)]
    return DonorEvaluation(
        recipient_id=head["recipient_id"],
        exposure_id=head["exposure_id"],
        exposure_date=dt.date.fromisoformat(head["exposure_date"]),
        donor_id=head["donor_id"],
        donor_code=summary.get("donor_code", str(head["donor_id"])),
        rules=Rules.from_dict(head["rules"]),
        reference_release=head["reference_release"],
        fingerprint=head["inputs_fingerprint"],
        baseline_serum=head["baseline_serum"],
        points=points,
        states=[
            StateResult.from_row(r, summary.get("earlier_sera"))
            for r in stored.evaluation_states(db, evaluation_id)
        ],
        overdue=summary.get("overdue_visits", []),
        notes=summary.get("notes", []),
        as_of=dt.date.fromisoformat(head["as_of"]) if head["as_of"] else None,
        evaluation_id=evaluation_id,
        inputs=summary.get("inputs", {}),
    )


def current_evaluations(db: Database, recipient_id: int, rules: Rules | None = None) -> list[DonorEvaluation]:
    """Per exposure and donor, the latest evaluation under ``rules`` (else the latest made)."""
    version = None
    if rules is not None:
        head = bulk.recipient_heads(db, [recipient_id]).get(recipient_id)
        schedule = head["visit_schedule"] if head else None
        version = schedule_rules(rules, schedule).version
    return [
        stored_evaluation(db, head["id"]) for head in stored.current_evaluations(db, recipient_id, version)
    ]
