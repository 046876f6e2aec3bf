"""The rules in force: defaults from DSA_RULES.md, a JSON round trip, a version tracking values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dsa_monitor.dsa.positivity import (
    EQUIVOCAL,
    MODERATE,
    NEGATIVE,
    STRONG,
    WEAK,
    category_of,
    lowest_of_locus,
    positive_mask,
    strength_category,
)
from dsa_monitor.dsa.rules import CELL_THERAPY_RULES, DEFAULT_RULES, InvalidRules, Rules, VisitSpec


def test_defaults_are_the_published_ones():
    rules = DEFAULT_RULES
    assert (rules.cutoff, rules.weak_band_low, rules.moderate_from, rules.strong_from) == (
        1000,
        500,
        3000,
        10000,
    )
    assert [v.name for v in rules.visits] == ["M1", "M3", "M6", "M9", "M12"]
    assert (rules.baseline_window_days, rules.rising_relative, rules.rising_absolute) == (90, 0.5, 1000)
    # FORMATS.md: raw MFI only -> raw − NC bead, bare raw only without an NC bead
    assert rules.value_preference == ("normalized", "bcm", "raw_minus_nc", "raw")


def test_rules_stored_before_raw_minus_nc_keep_their_own_version():
    before = Rules(value_preference=("normalized", "bcm", "raw"))
    document = json.loads(before.to_json())
    again = Rules.from_dict(document)
    assert again.value_preference == ("normalized", "bcm", "raw")
    assert again.version == document["version"] != DEFAULT_RULES.version


def test_json_round_trip_keeps_the_version():
    rules = Rules(cutoff_by_locus=(("DQB1", 1500.0),), visits=(VisitSpec("D7", 7, 2, 2),))
    document = json.loads(rules.to_json())
    again = Rules.from_dict(document)
    assert again == rules and again.version == rules.version == document["version"]
    assert document["cutoff_by_locus"] == {"DQB1": 1500.0}


def test_version_changes_with_a_value_not_with_the_name():
    assert Rules(name="x").version == DEFAULT_RULES.version
    assert Rules(cutoff=1500).version != DEFAULT_RULES.version
    assert CELL_THERAPY_RULES.version != DEFAULT_RULES.version
    a = Rules(cutoff_by_class=(("I", 1000.0), ("II", 1500.0)))
    b = Rules(cutoff_by_class=(("II", 1500.0), ("I", 1000.0)))
    assert a.version == b.version


def test_a_tampered_document_is_refused():
    document = DEFAULT_RULES.to_dict()
    document["cutoff"] = 800
    with pytest.raises(InvalidRules, match="does not match"):
        Rules.from_dict(document)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"cutoff": 0}, "positive"),
        ({"weak_band_low": 1200}, "below every cutoff"),
        ({"moderate_from": 12000}, "ascend"),
        ({"positivity": "guess"}, "unknown"),
        ({"value_preference": ("median",)}, "value_preference"),
        ({"persistent_min": 1}, "persistent_min"),
        ({"visits": (VisitSpec("M1", 30), VisitSpec("M1", 60))}, "unique"),
    ],
)
def test_invalid_rules(changes, message):
    with pytest.raises(InvalidRules, match=message):
        DEFAULT_RULES.with_changes(**changes)


def test_unknown_rule_in_a_document():
    with pytest.raises(InvalidRules, match="unknown rule"):
        Rules.from_dict({"cutof": 1000})


def test_cutoff_for_locus_then_class_then_default():
    rules = DEFAULT_RULES.with_changes(cutoff_by_class={"II": 1500.0}, cutoff_by_locus={"DQA1": 2000.0})
    assert [rules.cutoff_for(locus, cls) for locus, cls in (("A", "I"), ("DRB1", "II"), ("DQA1", "II"))] == [
        1000,
        1500,
        2000,
    ]


@pytest.mark.parametrize(
    "mfi, category",
    [
        (100, NEGATIVE),
        (500, EQUIVOCAL),
        (999, EQUIVOCAL),
        (1000, WEAK),
        (2999, WEAK),
        (3000, MODERATE),
        (4500, MODERATE),
        (9999, MODERATE),
        (10000, STRONG),
    ],
)
def test_strength_categories(mfi, category):
    assert category_of(mfi, DEFAULT_RULES) == category


def test_cell_therapy_bands():
    assert category_of(4500, CELL_THERAPY_RULES) == WEAK
    assert category_of(15000, CELL_THERAPY_RULES) == MODERATE


@pytest.mark.parametrize(
    "rules", [DEFAULT_RULES, CELL_THERAPY_RULES, DEFAULT_RULES.with_changes(weak_band_low=None)]
)
def test_one_value_is_graded_as_the_matrix_grades_it(rules):
    """The timeline grades one value at a time; it must agree with the matrix bands, float32
    rounding and NaN included, at and around every band edge."""
    edges = [rules.weak_band_low or 0, rules.cutoff, rules.moderate_from, rules.strong_from]
    values = [float(np.nextafter(np.float32(e), np.float32(d))) for e in edges for d in (0, 1e9)]
    values += [*edges, 0.0, 999.99995, 2999.9999, 1e6, float("nan")]
    mfi = np.array([values], dtype=np.float32)
    cutoffs = np.full(len(values), rules.cutoff, np.float32)
    expected = strength_category(mfi, cutoffs, mfi >= cutoffs, rules)[0].tolist()
    assert [category_of(v, rules) for v in values] == expected


def test_no_equivocal_band_when_switched_off():
    rules = DEFAULT_RULES.with_changes(weak_band_low=None)
    assert category_of(800, rules) == NEGATIVE


def test_wisse_uses_the_lowest_bead_of_each_locus():
    mfi = np.array([[40, 700, 500, 5, 80, 12000]], dtype=np.float32)
    groups = np.array([-1, 0, 0, 1, 1, 1], dtype=np.int32)
    lowest = lowest_of_locus(mfi, groups)[0]
    assert np.isnan(lowest[0]) and lowest[1:].tolist() == [500, 500, 5, 5, 5]
    rules = Rules(positivity="wisse")
    positive = positive_mask(mfi, np.full(6, 1000, np.float32), groups, rules)
    # 700/500 is no ratio; 80/5 = 16 but 80 < 500; 12000/5 passes. The control bead never counts.
    assert positive.tolist() == [[False, False, False, False, False, True]]
    assert strength_category(mfi, np.full(6, 1000, np.float32), positive, rules)[0, 5] == STRONG


def test_equal_rules_written_as_int_or_float_have_one_version():
    assert Rules(cutoff=1500).version == Rules(cutoff=1500.0).version
    assert Rules.from_dict({"cutoff": 1000, "strong_from": 10000}).version == DEFAULT_RULES.version
