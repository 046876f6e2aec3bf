"""Donor masks over a bead panel: typings in, per-bead levels and self flags out."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from reference_paths import HLA_REFERENCE, IMGT_358, need_shared

from dsa_monitor.dsa.calls import evaluate
from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.dsa.matching import ALLELE, ANTIGEN, NONE, POSSIBLE, BeadPanel, match_donor
from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.reference.service import load_release
from dsa_monitor.sab.catalogue import Catalogue, CatalogueBead

LS2A01 = HLA_REFERENCE / "bead_catalogues" / "OneLambda_LS2A01_lot013_beads.csv"


PANEL = BeadPanel.from_specificities(
    [
        "NC",
        "A*02:01",
        "A*24:02",
        "A*23:01",
        "B*44:02",
        "B*07:02",
        "DRB1*15:01",
        "DRB5*01:01",
        "DPA1*01:03&DPB1*04:01",
        "DPA1*02:01&DPB1*04:01",
    ]
)


def levels(reference, donor, recipient=None):
    match = match_donor(
        PANEL,
        DonorHLA.from_names("D", donor),
        reference,
        DonorHLA.from_names("R", recipient) if recipient else None,
    )
    return {
        b.label: int(level) for b, level in zip(PANEL.beads, match.primary_level, strict=True) if level
    }, match


@pytest.mark.parametrize(
    "donor, expected",
    [
        (["A*02:01:01:01"], {"A*02:01": ALLELE}),
        (["A9"], {"A*24:02": POSSIBLE, "A*23:01": POSSIBLE}),
        (["A24"], {"A*24:02": ANTIGEN}),
        (["B44", "DR15", "DR51"], {"B*44:02": ANTIGEN, "DRB1*15:01": ANTIGEN, "DRB5*01:01": ANTIGEN}),
        (["A*02:XX"], {"A*02:01": ANTIGEN}),  # an unexpanded code is its allele group
        (["DPB1*04:01"], {"DPA1*01:03/DPB1*04:01": ALLELE, "DPA1*02:01/DPB1*04:01": ALLELE}),
        (["Bw4"], {}),  # a public epitope alone targets no bead
        (["A*24:02N"], {}),
    ],
)
def test_primary_levels(reference, donor, expected):
    assert levels(reference, donor)[0] == expected


def test_unexpanded_code_is_noted(reference):
    match = levels(reference, ["A*02:AB"])[1]
    assert any("not expanded" in note for note in match.notes)


@pytest.mark.parametrize(
    "donor, recipient, self_beads, shared_beads",
    [
        (["A*02:01"], ["A*02:01"], ["A*02:01"], []),
        (["A2"], ["A*02:01"], ["A*02:01"], []),  # recipient resolves the shared antigen
        (["A*02:01"], ["A2"], [], ["A*02:01"]),  # recipient at lower resolution: warned
        (["A24"], ["A9"], [], ["A*24:02"]),
        (["A24"], ["A*01:01"], [], []),
    ],
)
def test_self_and_shared(reference, donor, recipient, self_beads, shared_beads):
    match = levels(reference, donor, recipient)[1]
    labels = [b.label for b in PANEL.beads]
    assert [labels[b] for b in np.flatnonzero(match.primary_self)] == self_beads
    assert [labels[b] for b in np.flatnonzero(match.shared)] == shared_beads


def test_shared_antigen_warning_on_the_call(reference):
    match = levels(reference, ["A*02:01"], ["A2"])[1]
    mfi = np.full(len(PANEL), 50.0, dtype=np.float32)
    mfi[1] = 6000
    (dsa,) = evaluate(mfi, match).sample(0).calls
    assert dsa.level == "allele" and any("lower resolution" in w for w in dsa.warnings)


def test_dp_alpha_untyped_flags_heterodimer_beads_only(reference):
    match = levels(reference, ["DPB1*04:01"])[1]
    assert match.alpha_untyped.tolist() == [False] * 8 + [True, True]


def test_donor_from_hla_typing_equals_from_names(reference):
    typing = HLATyping.from_loci(
        {"A": ["A*02:01", "A24"], "B": ["B44", "Bw4"], "DRB1": ["DR15"], "DRB5": ["DR51"]}
    )
    from_typing = DonorHLA.from_typing("D", typing)
    from_names = DonorHLA.from_names("D", ["A*02:01", "A24", "B44", "Bw4", "DR15", "DR51"])
    assert from_typing.epitopes == from_names.epitopes == frozenset({"Bw4"})
    a = match_donor(PANEL, from_typing, reference)
    b = match_donor(PANEL, from_names, reference)
    assert a.primary_level.tolist() == b.primary_level.tolist()
    assert a.primary_target == b.primary_target


@pytest.mark.parametrize(
    "typing",
    [
        HLATyping.from_loci(
            {
                "A": ["A*02:01", "A24"],
                "B": ["B44", "Bw4"],
                "C": ["C*07:AB"],
                "DRB1": ["DR15"],
                "DRB5": ["DR51"],
                "DQB1": ["DQB1*06:02/DQB1*06:09"],
            }
        ),
        HLATyping.from_gl_string(
            "HLA-A*02:01+HLA-A*24:02^HLA-B*44:02:01:01+HLA-B*07:02"
            "^HLA-DPB1*04:01/HLA-DPB1*04:02^HLA-DRB4*01:03:01:02N"
        ),
        HLATyping.from_gl_string(
            "HLA-DQA1*05:01~HLA-DQB1*02:01+HLA-DQA1*01:02~HLA-DQB1*06:02"
            "|HLA-DQA1*05:05~HLA-DQB1*03:01+HLA-DQA1*01:02~HLA-DQB1*06:02"
        ),
    ],
)
def test_donor_from_stored_typing_equals_from_typing(typing):
    """The evaluation reads stored typings without the GL String parser: the same donor."""
    stored = json.loads(json.dumps(typing.to_dict()))
    assert DonorHLA.from_stored("D", stored) == DonorHLA.from_typing("D", typing)


def test_donor_from_gl_string(reference):
    typing = HLATyping.from_gl_string("HLA-A*02:01+HLA-A*24:02^HLA-DPB1*04:01/HLA-DPB1*04:02")
    match = match_donor(PANEL, DonorHLA.from_typing("D", typing), reference)
    # DPB1*04:01/04:02: only one candidate is on the bead, so it is only possible.
    assert match.primary_level.tolist() == [NONE, ALLELE, ALLELE] + [NONE] * 5 + [POSSIBLE] * 2


def test_mixed_loci_in_one_ambiguity_is_refused():
    with pytest.raises(InvalidHLAName, match="one locus"):
        DonorHLA.from_names("D", ["A*02:01/B*07:02"])


def test_panel_from_a_catalogue():
    catalogue = Catalogue(
        "onelambda",
        "LS2A01",
        "LOT1",
        "II",
        (
            CatalogueBead("1", (), control="NC"),
            CatalogueBead("41", ("DQA1*02:01", "DQB1*02:01")),
            CatalogueBead("3", ("DRB1*01:01",)),
        ),
    )
    panel = BeadPanel.from_catalogue(catalogue)
    assert [b.bead_id for b in panel.beads] == ["1", "41", "3"]
    assert panel.loci == ("", "DQB1", "DRB1") and panel.groups[0] == -1
    assert str(panel.beads[1].alpha) == "DQA1*02:01" and panel.chain_alleles[:2] == (
        "DQB1*02:01",
        "DQA1*02:01",
    )


def test_real_ls2a01_panel_dqb1_directed(reference):
    with need_shared(LS2A01).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    panel = BeadPanel.from_specificities([r["specificity"] for r in rows])
    match = match_donor(panel, DonorHLA.from_names("D", ["DQA1*05:01", "DQB1*02:01"]), reference)
    mfi = np.full(len(panel), 100.0, dtype=np.float32)
    carriers = [i for i, b in enumerate(panel.beads) if b.primary.two_field == "DQB1*02:01"]
    assert len(carriers) >= 3
    mfi[carriers] = 5000
    (dsa,) = evaluate(mfi, match).sample(0).calls
    assert (dsa.target, dsa.chain, len(dsa.beads)) == ("DQB1*02:01", "DQB1", len(carriers))


@pytest.mark.parametrize(
    "donor, recipient, level, target, self_bead",
    [
        (["DRB1*15:01", "DRB1*04:01"], None, POSSIBLE, "DR51 (implied by DRB1*15:01; DRB5 untyped)", False),
        (["DR15", "DR4"], ["DR15", "DR7"], POSSIBLE, "DR51 (implied by DR15; DRB5 untyped)", True),
        (["DRB1*15:01", "DRB5*01:01"], None, ALLELE, "DRB5*01:01", False),
        (["DRB1*15:01", "DRB5*02:02"], None, ANTIGEN, "DRB5*02:02", False),
        (["DRB1*01:01", "DRB1*04:01"], None, NONE, None, False),  # DR1, DR53 haplotypes only
    ],
)
def test_dr51_implied_by_drb1_when_drb5_untyped(reference, donor, recipient, level, target, self_bead):
    drb5 = [b.label for b in PANEL.beads].index("DRB5*01:01")
    match = levels(reference, donor, recipient)[1]
    assert int(match.primary_level[drb5]) == level
    assert match.primary_target[drb5] == target and bool(match.primary_self[drb5]) is self_bead


def test_untyped_loci_of_the_panel_are_noted(reference):
    match = levels(reference, ["A*02:01", "DRB1*01:01", "DQB1*05:01"])[1]
    notes = [n for n in match.notes if "not typed" in n]
    assert notes == [
        "donor B not typed: no DSA can be called on its beads",
        "donor DPA1 not typed: DSA on its beads are called on the DPB1 chain; alpha attribution not possible",
        "donor DPB1 not typed: no DSA can be called on its beads",
    ]


def test_bead_allele_unknown_to_the_release_is_noted():
    release = load_release(need_shared(IMGT_358))
    panel = BeadPanel.from_specificities(["A*02:01", "A*02:999"])
    match = match_donor(panel, DonorHLA.from_names("D", ["A2"]), release)
    assert match.primary_level.tolist() == [ANTIGEN, NONE]
    assert match.notes == ('"A*02:999": no such allele in IPD-IMGT/HLA 3.58.0; matched at allele level only',)
