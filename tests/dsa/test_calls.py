"""Worked examples of DSA calling (DSA_RULES.md §3), on the embedded reference and on 3.58.0."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dsa_monitor.dsa.calls import evaluate, evaluate_exposure, evaluate_values
from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import BeadPanel, match_donor
from dsa_monitor.dsa.positivity import NoMFIValues
from dsa_monitor.dsa.rules import Rules

CLASS_I = BeadPanel.from_specificities(
    [
        "NC",
        "PC",
        "A*01:01",
        "A*02:01",
        "A*02:03",
        "A*02:06",
        "A*23:01",
        "A*24:02",
        "A*03:01",
        "B*44:02",
        "B*07:02",
        "B*57:01",
    ]
)


DEFAULT = Rules()


def call(reference, panel, donor_names, mfi_by_bead, recipient_names=(), rules=DEFAULT):
    """One sample: MFI given per specificity string, every other bead at 50."""
    donor = DonorHLA.from_names("D1", donor_names)
    recipient = DonorHLA.from_names("R1", recipient_names) if recipient_names else None
    match = match_donor(panel, donor, reference, recipient)
    row = np.full(len(panel), 50.0, dtype=np.float32)
    for b, bead in enumerate(panel.beads):
        if bead.label in mfi_by_bead:
            row[b] = mfi_by_bead[bead.label]
    return evaluate(row, match, rules).sample(0)


def by_target(sample):
    return {c.target: c for c in sample.calls}


@pytest.mark.parametrize(
    "donor, positive, target, level, category",
    [
        (["A*02:01", "A*01:01"], {"A*02:01": 4500}, "A*02:01", "allele", "moderate"),
        (["A*02:01"], {"A*02:06": 1500}, "A*02:01", "antigen", "weak"),
        (["A2"], {"A*02:01": 12000}, "A2", "antigen", "strong"),
        (["A2"], {"A*02:03": 2000}, "A2", "possible", "weak"),
        (["A9"], {"A*23:01": 2000}, "A9", "possible", "weak"),
        (["A9"], {"A*24:02": 5000}, "A9", "possible", "moderate"),
        (["A*02"], {"A*02:01": 2000}, "A*02", "antigen", "weak"),
        (["A*02:01/A*02:06"], {"A*02:01": 2000}, "A*02:01/A*02:06", "antigen", "weak"),
    ],
)
def test_class_i_levels(reference, donor, positive, target, level, category):
    calls = by_target(call(reference, CLASS_I, donor, positive))
    assert set(calls) == {target}
    assert (calls[target].level, calls[target].category) == (level, category)


def test_serologic_a2_takes_every_a2_bead_and_a203_only_as_possible(reference):
    sample = call(reference, CLASS_I, ["A2"], {"A*02:01": 3000, "A*02:06": 2500, "A*02:03": 2000})
    beads = {b.specificity: b.level for b in by_target(sample)["A2"].beads}
    assert beads == {"A*02:01": "antigen", "A*02:06": "antigen", "A*02:03": "possible"}
    assert by_target(sample)["A2"].level == "antigen"


@pytest.mark.parametrize(
    "donor, positive",
    [
        (["A*02:01"], {"A*01:01": 9000, "A*03:01": 4000}),  # not the donor's antigens
        (["A*02:01"], {"A*02:03": 9000}),  # A203 is not A2 at allele-level typing
        (["A*02:01N", "A*01:01"], {"A*02:01": 9000}),  # null allele never a target
        (["A24"], {"A*23:01": 9000}),  # A23 is the other split of A9
        (["A*02:01"], {"A*02:01": 900}),  # equivocal, below the cutoff
    ],
)
def test_no_dsa(reference, donor, positive):
    sample = call(reference, CLASS_I, donor, positive)
    assert sample.calls == () and sample.sum_mfi == 0.0 and sample.immunodominant is None


def test_null_allele_is_noted(reference):
    sample = call(reference, CLASS_I, ["A*02:01N", "A*01:01"], {"A*02:01": 9000})
    assert any("null allele" in note for note in sample.notes)


CLASS_II = BeadPanel.from_specificities(
    [
        "NC",
        "PC",
        "DRB1*15:01",
        "DRB1*04:01",
        "DRB5*01:01",
        "DRB3*01:01",
        "DQA1*05:01&DQB1*02:01",
        "DQA1*02:01&DQB1*02:01",
        "DQA1*03:01&DQB1*02:01",
        "DQA1*05:01&DQB1*03:01",
        "DQA1*01:01&DQB1*05:01",
        "DQA1*03:01&DQB1*03:02",
    ]
)


def test_shared_dr15_is_self_not_dsa(reference):
    sample = call(
        reference,
        CLASS_II,
        ["DRB1*15:01", "DRB1*04:01"],
        {"DRB1*15:01": 8000, "DRB1*04:01": 4000},
        recipient_names=["DRB1*15:01", "DRB1*01:01"],
    )
    assert [c.target for c in sample.calls] == ["DRB1*04:01"]
    assert [b.specificity for b in sample.self_beads] == ["DRB1*15:01"]


def test_dr51_typing_targets_drb5_beads_only(reference):
    sample = call(reference, CLASS_II, ["DR15", "DR51"], {"DRB5*01:01": 6000, "DRB3*01:01": 6000})
    calls = by_target(sample)
    assert set(calls) == {"DR51"} and calls["DR51"].beads[0].specificity == "DRB5*01:01"


DQ_DONOR = ["DQA1*05:01", "DQA1*01:01", "DQB1*02:01", "DQB1*05:01"]


def test_dqb1_directed(reference):
    sample = call(
        reference,
        CLASS_II,
        DQ_DONOR,
        {
            "DQA1*05:01/DQB1*02:01": 6000,
            "DQA1*02:01/DQB1*02:01": 5000,
            "DQA1*03:01/DQB1*02:01": 4000,
        },
    )
    calls = by_target(sample)
    assert set(calls) == {"DQB1*02:01"}
    assert calls["DQB1*02:01"].chain == "DQB1" and len(calls["DQB1*02:01"].beads) == 3


def test_dqa1_directed(reference):
    sample = call(
        reference,
        CLASS_II,
        DQ_DONOR,
        {
            "DQA1*05:01/DQB1*02:01": 6000,
            "DQA1*05:01/DQB1*03:01": 5000,
        },
    )
    calls = by_target(sample)
    assert set(calls) == {"DQA1*05:01"} and calls["DQA1*05:01"].chain == "DQA1"
    assert calls["DQA1*05:01"].level == "allele" and len(calls["DQA1*05:01"].beads) == 2


def test_undecidable_at_alpha(reference):
    """DQA1 untyped: the bead with the donor's DQB1 is a DSA on that chain; the bead whose only
    link to the donor is an alpha that may be the donor's is shown, never called."""
    sample = call(
        reference,
        CLASS_II,
        ["DQB1*02:01", "DQB1*05:01"],
        {
            "DQA1*05:01/DQB1*02:01": 6000,
            "DQA1*05:01/DQB1*03:01": 5000,
        },
    )
    assert [(c.target, c.chain) for c in sample.calls] == [("DQB1*02:01", "DQB1")]
    assert sample.sum_mfi == 6000.0
    assert [c.chain for c in sample.undecidable] == ["undecidable at alpha"]
    assert sample.undecidable[0].target == "DQA1*05:01 (DQA1 untyped)"


def test_dqb1_directed_is_decidable_without_alpha_typing(reference):
    sample = call(
        reference,
        CLASS_II,
        ["DQB1*02:01"],
        {
            "DQA1*05:01/DQB1*02:01": 6000,
            "DQA1*02:01/DQB1*02:01": 5000,
            "DQA1*03:01/DQB1*02:01": 4000,
        },
    )
    assert [(c.target, c.chain) for c in sample.calls] == [("DQB1*02:01", "DQB1")]


def test_heterodimer_kept_and_warned_when_both_chains_mixed(reference):
    sample = call(reference, CLASS_II, DQ_DONOR, {"DQA1*05:01/DQB1*02:01": 7000})
    (dsa,) = sample.calls
    assert (dsa.target, dsa.chain) == ("DQA1*05:01+DQB1*02:01", "DQA1+DQB1")
    assert any("heterodimer" in w for w in dsa.warnings)


def test_immunodominant_and_sum_per_sample(reference):
    sample = call(
        reference,
        CLASS_II,
        ["DRB1*15:01", "DRB1*04:01", *DQ_DONOR],
        {
            "DRB1*15:01": 8000,
            "DRB1*04:01": 4000,
            "DQA1*01:01/DQB1*05:01": 12000,
        },
    )
    assert sample.immunodominant is not None and sample.immunodominant.mfi == 12000
    assert sample.sum_mfi == 24000


def test_qc_failed_sample_is_excluded(reference):
    match = match_donor(CLASS_I, DonorHLA.from_names("D1", ["A*02:01"]), reference)
    mfi = np.full((2, len(CLASS_I)), 5000.0, dtype=np.float32)
    evaluation = evaluate(mfi, match, excluded=[True, False])
    assert evaluation.sample(0).excluded and evaluation.sample(0).calls == ()
    assert [c.target for c in evaluation.sample(1).calls] == ["A*02:01"]


def test_value_preference_normalised_then_raw(reference):
    match = match_donor(CLASS_I, DonorHLA.from_names("D1", ["A*02:01"]), reference)
    raw = np.full((1, len(CLASS_I)), 5000.0, dtype=np.float32)
    assert evaluate_values({"raw": raw, "normalized": None}, match).value_kind == "raw"
    normalised = raw - 4500
    chosen = evaluate_values({"raw": raw, "normalized": normalised}, match)
    assert chosen.value_kind == "normalized" and chosen.sample(0).calls == ()
    with pytest.raises(NoMFIValues):
        evaluate_values({"bcm": None}, match)


def test_wisse_rule(reference):
    rules = Rules(positivity="wisse", value_preference=("raw",))
    sample = call(reference, CLASS_I, ["A*02:01", "A*01:01"], {"A*02:01": 800, "A*01:01": 600}, rules=rules)
    # A locus lowest bead is 50: 800/50 = 16 > 15 and > 500; 600/50 = 12 is not.
    assert [(c.target, c.category) for c in sample.calls] == [("A*02:01", "weak")]


def test_cutoff_per_locus(reference):
    rules = Rules(cutoff_by_locus=(("A", 2000.0),))
    sample = call(reference, CLASS_I, ["A*02:01", "B*44:02"], {"A*02:01": 1500, "B*44:02": 1500}, rules=rules)
    assert [c.target for c in sample.calls] == ["B*44:02"]


def test_bw4_reported_on_the_bead(reference):
    sample = call(reference, CLASS_I, ["B*44:02"], {"B*44:02": 3000})
    assert sample.calls[0].beads[0].epitope == "Bw4"


def test_several_donors_of_one_exposure(reference):
    donors = [DonorHLA.from_names("D1", ["A*02:01"]), DonorHLA.from_names("D2", ["A*24:02"])]
    mfi = np.full((1, len(CLASS_I)), 50.0, dtype=np.float32)
    mfi[0, 3] = 4000  # A*02:01
    result = evaluate_exposure({"normalized": mfi}, CLASS_I, donors, reference)
    assert [c.target for c in result["D1"].sample(0).calls] == ["A*02:01"]
    assert result["D2"].sample(0).calls == ()


def test_vectorised_summary_matches_objects(reference):
    rng = np.random.default_rng(7)
    match = match_donor(CLASS_II, DonorHLA.from_names("D1", ["DRB1*04:01", *DQ_DONOR]), reference)
    mfi = rng.gamma(0.6, 3000, size=(200, len(CLASS_II))).astype(np.float32)
    evaluation = evaluate(mfi, match)
    for row in range(200):
        sample = evaluation.sample(row)
        assert evaluation.sum_mfi[row] == pytest.approx(sample.sum_mfi)
        top = sample.immunodominant.mfi if sample.immunodominant else 0.0
        assert evaluation.immunodominant_mfi[row] == pytest.approx(top)


def test_sample_calls_are_json_ready(reference):
    sample = call(reference, CLASS_I, ["A2"], {"A*02:01": 3000, "A*02:03": 2000})
    document = json.loads(json.dumps(sample.to_dict()))
    assert document["rules_version"] == DEFAULT.version
    assert [b["level"] for b in document["calls"][0]["beads"]] == ["antigen", "possible"]


def test_excluded_must_match_the_samples(reference):
    match = match_donor(CLASS_I, DonorHLA.from_names("D1", ["A*02:01"]), reference)
    with pytest.raises(ValueError, match="excluded"):
        evaluate(np.zeros((2, len(CLASS_I))), match, excluded=[True])


@pytest.mark.parametrize(
    "positive, warned",
    [
        ({"B*44:02": 6000, "B*57:01": 5000, "A*24:02": 4000}, True),  # 3 of 4 Bw4 beads
        ({"B*44:02": 6000}, False),
    ],
)
def test_bw4_pattern_warning(reference, positive, warned):
    (dsa,) = call(reference, CLASS_I, ["B44", "B7"], positive).calls
    assert dsa.target == "B44"
    assert any("anti-Bw4" in w for w in dsa.warnings) is warned
