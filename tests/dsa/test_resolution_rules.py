"""Low-resolution and antigen-level typings (docs/dsa-rules.md, "Levels" and "Self"), worked on the
real One Lambda class I bead list (LS1A04: B*15:01 B62, B*15:02 B75, B*15:03 B72, B*15:10 B71,
B*15:12 B76, B*15:13 B77, B*15:16 B63; A*02:01, A*02:03, A*02:06)."""

from __future__ import annotations

import pytest
from beadlists import LS1A04, real_panel, serum, targets

B15_FAMILY = ["B*15:01", "B*15:02", "B*15:03", "B*15:10", "B*15:12", "B*15:13", "B*15:16"]


@pytest.fixture(scope="module")
def panel():
    return real_panel(LS1A04)


@pytest.mark.parametrize("typed", ["B*15", "B*15:XX"])
@pytest.mark.parametrize("bead", B15_FAMILY)
def test_an_allele_group_typing_makes_every_bead_of_the_group_a_possible_dsa(reference, panel, typed, bead):
    """B*15 covers B62, B63, B75, B76, B77 and also B70's splits B71, B72: all possible."""
    sample = serum(panel, reference, [typed, "B*08:01"], {bead: 6000})
    assert {t: level for t, (level, _) in targets(sample).items()} == {typed: "possible"}
    assert any("does not resolve" in w for w in sample.calls[0].warnings)


def test_a_serologic_broad_is_not_an_allele_group(reference, panel):
    """Serologic B15 is B62, B63, B75, B76, B77: the B70 family (B71, B72) is another antigen."""
    sample = serum(panel, reference, ["B15", "B8"], {"B*15:03": 6000, "B*15:10": 6000})
    assert sample.calls == ()


def test_antigen_typed_donor_and_allele_typed_recipient_allele_specific_antibody(reference, panel):
    """Donor A2 (antigen level), recipient A*02:01: only A*02:06 positive. The donor may carry
    A*02:06, the recipient does not: a possible DSA, never self."""
    sample = serum(panel, reference, ["A2", "A1"], {"A*02:06": 5000}, recipient=["A*02:01", "A*03:01"])
    assert targets(sample) == {"A2": ("possible", "A")}
    assert sample.self_beads == ()
    assert any("allele-specific" in w for w in sample.calls[0].warnings)


def test_antigen_typed_donor_bead_of_the_recipients_own_allele_is_self(reference, panel):
    sample = serum(panel, reference, ["A2", "A1"], {"A*02:01": 5000}, recipient=["A*02:01", "A*03:01"])
    assert sample.calls == () and [b.specificity for b in sample.self_beads] == ["A*02:01"]


@pytest.mark.parametrize(
    "donor, recipient",
    [
        (["A2", "A1"], ["A2", "A3"]),  # both typed to share A2 at antigen level
        (["A*02:01", "A*01:01"], ["A*02:01", "A*03:01"]),  # the donor's A2 is the recipient's allele
    ],
)
def test_an_antigen_both_are_typed_to_share_stays_self(reference, panel, donor, recipient):
    sample = serum(panel, reference, donor, {"A*02:06": 5000}, recipient=recipient)
    assert sample.calls == () and [b.specificity for b in sample.self_beads] == ["A*02:06"]


def test_allele_mismatch_inside_an_antigen_is_an_allele_level_dsa(reference, panel):
    sample = serum(
        panel, reference, ["A*02:06", "A*01:01"], {"A*02:06": 5000}, recipient=["A*02:01", "A*03:01"]
    )
    assert targets(sample) == {"A*02:06": ("allele", "A")}
