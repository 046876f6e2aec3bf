"""DQ/DP heterodimer beads (docs/dsa-rules.md, "DQ and DP"), worked on the real One Lambda class II
bead list (LS2A01: four DQB1*02:01 beads, DQA1*05:01 on one bead only, DPB1*04:01 on one)."""

from __future__ import annotations

import pytest
from beadlists import LS2A01, real_panel, serum, targets

DQ2_BEADS = [
    "DQA1*02:01&DQB1*02:01",
    "DQA1*03:01&DQB1*02:01",
    "DQA1*04:01&DQB1*02:01",
    "DQA1*05:01&DQB1*02:01",
]


@pytest.fixture(scope="module")
def panel():
    return real_panel(LS2A01)


@pytest.mark.parametrize(
    "donor, target, level",
    [
        (["DQB1*02:01", "DQB1*06:02"], "DQB1*02:01", "allele"),
        (["DQ2", "DQ6"], "DQ2", "antigen"),  # serologic DQ typing: every bead whose beta is DQ2
    ],
)
def test_dqa1_untyped_donor_dq2_antibody_on_three_of_four_beads_is_a_dsa(
    reference, panel, donor, target, level
):
    sample = serum(panel, reference, donor, dict.fromkeys(DQ2_BEADS[:3], 9500))
    assert targets(sample) == {target: (level, "DQB1")}
    (dsa,) = sample.calls
    assert "DQA1 untyped: alpha attribution not possible" in dsa.warnings
    assert len(dsa.beads) == 3 and dsa.category == "moderate"
    assert sample.sum_mfi == 9500 and sample.immunodominant == dsa
    assert sample.undecidable == ()


def test_dpa1_untyped_donor_single_dpb1_bead_is_a_dsa(reference, panel):
    sample = serum(panel, reference, ["DPB1*04:01", "DPB1*02:01"], {"DPA1*01:03&DPB1*04:01": 4200})
    assert targets(sample) == {"DPB1*04:01": ("allele", "DPB1")}
    assert "DPA1 untyped: alpha attribution not possible" in sample.calls[0].warnings


def test_untyped_alpha_on_a_bead_without_the_donors_beta_is_shown_never_called(reference, panel):
    """DQA1*03:01 may be the donor's (DQA1 untyped), its beta is not: undecidable, not a DSA."""
    sample = serum(
        panel,
        reference,
        ["DQB1*02:01", "DQB1*06:02"],
        {
            "DQA1*03:01&DQB1*03:01": 6000,
            "DQA1*03:01&DQB1*03:02": 6000,
            "DQA1*03:01&DQB1*03:03": 6000,
            "DQA1*03:01&DQB1*02:01": 6000,
        },
    )
    assert targets(sample) == {"DQB1*02:01": ("allele", "DQB1")}
    assert [c.target for c in sample.undecidable] == ["DQA1*03:01 (DQA1 untyped)"]
    assert sample.sum_mfi == 6000


def test_foreign_heterodimer_whose_alpha_the_recipient_shares_is_a_dsa(reference, panel):
    """Donor DQA1*05:01-DQB1*02:01, recipient DQA1*05:01-DQB1*03:01: the DQ2 bead with the shared
    alpha is foreign (the recipient lacks DQB1*02:01); DQA1*05:01 is on that one bead only."""
    sample = serum(
        panel,
        reference,
        ["DQA1*05:01", "DQB1*02:01"],
        {"DQA1*05:01&DQB1*02:01": 7000},
        recipient=["DQA1*05:01", "DQB1*03:01"],
    )
    assert targets(sample) == {"DQB1*02:01": ("allele", "DQB1")}
    assert sample.self_beads == ()


def test_an_allele_on_one_bead_proves_nothing_the_heterodimer_is_kept(reference, panel):
    sample = serum(
        panel,
        reference,
        ["DQA1*05:01", "DQA1*01:02", "DQB1*02:01", "DQB1*06:02"],
        {"DQA1*05:01&DQB1*02:01": 7000},
        recipient=["DQA1*03:01", "DQB1*03:02"],
    )
    assert targets(sample) == {"DQA1*05:01+DQB1*02:01": ("allele", "DQA1+DQB1")}
    assert any("heterodimer" in w for w in sample.calls[0].warnings)


def test_a_bead_is_self_only_when_the_recipient_carries_both_chains(reference, panel):
    recipient = ["DQA1*05:01", "DQA1*01:02", "DQB1*02:01", "DQB1*06:02"]
    sample = serum(
        panel,
        reference,
        ["DQA1*05:01", "DQB1*02:01", "DQA1*01:01", "DQB1*05:01"],
        {"DQA1*05:01&DQB1*02:01": 7000},
        recipient=recipient,
    )
    assert sample.calls == ()
    assert [b.specificity for b in sample.self_beads] == ["DQA1*05:01/DQB1*02:01"]


def test_beads_positive_only_with_alphas_the_donor_lacks_are_not_donor_specific(reference, panel):
    """Donor DQA1*01:02-DQB1*06:02 typed: the DQA1*01:01-DQB1*06:02 bead is positive, the donor's
    own DQA1*01:02-DQB1*06:02 bead negative: the antibody sees DQA1*01:01, not the donor."""
    donor = ["DQA1*01:02", "DQA1*03:01", "DQB1*06:02", "DQB1*03:02"]
    alone = serum(panel, reference, donor, {"DQA1*01:01&DQB1*06:02": 8000})
    assert alone.calls == () and alone.undecidable == ()
    both_alpha_beads = serum(
        panel, reference, donor, {"DQA1*01:01&DQB1*06:02": 8000, "DQA1*01:01&DQB1*05:01": 8000}
    )
    assert both_alpha_beads.calls == ()
    with_own = serum(panel, reference, donor, {"DQA1*01:01&DQB1*06:02": 8000, "DQA1*01:02&DQB1*06:02": 9000})
    assert targets(with_own) == {"DQB1*06:02": ("allele", "DQB1")}


def test_donor_beta_with_a_foreign_alpha_stays_possible_when_the_own_bead_is_not_tested(reference, panel):
    """No bead of the panel carries the donor's DQA1*01:03-DQB1*06:02: the DQA1*01:01 bead stays a
    possible DSA on the heterodimer (the panel cannot tell)."""
    sample = serum(panel, reference, ["DQA1*01:03", "DQB1*06:02"], {"DQA1*01:01&DQB1*06:02": 8000})
    (dsa,) = sample.calls
    assert (dsa.target, dsa.level, dsa.chain) == ("DQB1*06:02", "possible", "heterodimer")
