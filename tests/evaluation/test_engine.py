"""The batch screen finds exactly the donors a per-donor evaluation finds DSA against."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from dsa_monitor import store
from dsa_monitor.demo.seed import store_trial
from dsa_monitor.demo.trial import build_trial
from dsa_monitor.dsa.rules import DEFAULT_RULES, Rules
from dsa_monitor.dsa.visits import schedule_rules
from dsa_monitor.evaluation.engine import evaluate_donor, match_with_cache, screen_batch
from dsa_monitor.evaluation.inputs import load_batch
from dsa_monitor.reference.service import embedded


@pytest.fixture(scope="module")
def trial_inputs(tmp_path_factory):
    db = store.open_database(tmp_path_factory.mktemp("engine") / "engine.sqlite3")
    trial = build_trial()
    ids = store_trial(db, trial)
    batch = load_batch(db, sorted(ids.recipients.values()))
    db.close()
    return trial, ids, batch


@pytest.mark.parametrize(
    "rules, expected",
    [
        (DEFAULT_RULES, {"LUP-03"}),
        (Rules(cutoff=6000.0, moderate_from=6000.0), set()),  # 5400 at M6 is then negative
        # Wisse: MFI / lowest bead of the locus > 15 and > 500 MFI; background noise in LUP-07
        (Rules(positivity="wisse", value_preference=("raw",)), {"LUP-03", "LUP-07"}),
    ],
)
def test_batch_screen_agrees_with_each_donor_evaluated_alone(trial_inputs, rules, expected):
    trial, ids, loaded = trial_inputs
    inputs = loaded.inputs
    reference = embedded()
    batch = [(i, schedule_rules(rules, i.visit_schedule), match_with_cache(i, reference)) for i in inputs]
    flagged = screen_batch(batch, loaded.stacks, reference)
    subjects = {i.recipient_id: i.subject_code for i in inputs}
    with_dsa = set()
    for item, study_rules, match in batch:
        exposure = item.exposures[0]
        donor = exposure.donors[0]
        alone = evaluate_donor(item, exposure, donor, reference, study_rules, as_of=trial.as_of, match=match)
        batched = evaluate_donor(
            item,
            exposure,
            donor,
            reference,
            study_rules,
            as_of=trial.as_of,
            match=match,
            flagged=(item.recipient_id, exposure.exposure_id, donor.donor_id) in flagged,
        )
        assert alone.states == batched.states and alone.points == batched.points
        if alone.states:
            with_dsa.add(item.subject_code)
    assert with_dsa == expected
    # the screen may flag a donor whose positive bead is self; it never misses a DSA
    assert {subjects[r] for r, _, _ in flagged} >= with_dsa


def test_match_cache_reuses_and_stays_bounded(trial_inputs, monkeypatch):
    from dsa_monitor.evaluation import engine
    from dsa_monitor.evaluation.inputs import DonorInput

    _, _, loaded = trial_inputs
    item = loaded.inputs[0]
    donor = item.exposures[0].donors[0]
    panel_id = next(iter(item.panels))
    cache: dict = {}
    match = match_with_cache(item, embedded(), cache)
    assert match(panel_id, donor) is match(panel_id, donor)  # computed once
    monkeypatch.setattr(engine, "MAX_MATCHES", 5)
    for typing_id in range(1000, 1020):  # other typing versions of the same donor
        match(panel_id, DonorInput(donor.donor_id, donor.code, typing_id, donor.hla))
        assert len(cache) <= 5


def with_second_lot(item, scale):
    """The recipient with each serum drawn again the next day and run on a second group of its
    panels (BCM values at ``scale``): two groups of one class, one positive where the other may
    not be, the second's sera without a run on the first."""
    again = []
    for run in item.runs:
        if "normalized" in run.values:
            date = run.date + dt.timedelta(days=1)
            again.append(
                dataclasses.replace(
                    run,
                    sample_id=run.sample_id + 10_000,
                    serum=f"{run.serum}-b",
                    serum_key=date.isoformat(),
                    date=date,
                    values={"bcm": run.values["normalized"] * scale},
                )
            )
    return dataclasses.replace(item, runs=item.runs + again)


@pytest.mark.parametrize(
    "rules",
    [
        DEFAULT_RULES,
        Rules(positivity="wisse", value_preference=("raw",)),
        Rules(cutoff=300.0, weak_band_low=None),
    ],
)
def test_calling_the_screened_panels_only_gives_what_calling_every_panel_gives(
    trial_inputs, monkeypatch, rules
):
    """``engine._to_call`` leaves out a panel without a positive bead the donor carries (unless
    another panel of its class has one): the evaluation is the one every panel called gives."""
    from dsa_monitor.evaluation import engine

    trial, _, loaded = trial_inputs
    reference = embedded()
    chosen = []

    def every_panel(groups, *args):
        chosen.append(real(groups, *args))
        return [True] * len(groups)

    real = engine._to_call
    items = [v for i in loaded.inputs for v in (i, with_second_lot(i, 0.0), with_second_lot(i, 0.5))]
    for item in items:
        study_rules = schedule_rules(rules, item.visit_schedule)
        match = match_with_cache(item, reference)
        for exposure in item.exposures:
            for donor in exposure.donors:
                args = (item, exposure, donor, reference, study_rules)
                screened = evaluate_donor(*args, as_of=trial.as_of, match=match, flagged=True)
                monkeypatch.setattr(engine, "_to_call", every_panel)
                called = evaluate_donor(*args, as_of=trial.as_of, match=match, flagged=True)
                monkeypatch.setattr(engine, "_to_call", real)
                assert screened == called
    assert any(any(c) and not all(c) for c in chosen)  # some panels were left out
    if rules == DEFAULT_RULES:  # a negative second lot called beside its positive first
        assert [True, False, True, False] in chosen or [False, True, False, True] in chosen
