"""Bead specificity texts of every vendor become the same tuple of modern allele names."""

from __future__ import annotations

import pytest

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.sab.specificity import parse_specificity, specificity_class


@pytest.mark.parametrize(
    "text, alleles",
    [
        ("-,-,-,-,-,-,-,-,-,-,-,-", ()),  # Fusion control bead
        ("", ()),
        ("A*01:01,-,-,-,-,-", ("A*01:01",)),  # Fusion class I, 6 slots
        ("DRB1*01:01,-,-,-,-,-,-,-,-,-,-,-", ("DRB1*01:01",)),
        ("-,-,DRB4*01:01,-,-,-,-,-,-,-,-,-", ("DRB4*01:01",)),
        ("-,-,-,-,DQA1*05:01,-,DQB1*02:01,-,-,-,-,-", ("DQA1*05:01", "DQB1*02:01")),
        ("-,-,-,-,-,-,-,-,DPA1*01:03,-,DPB1*04:01,-", ("DPA1*01:03", "DPB1*04:01")),
        ("A*01:01", ("A*01:01",)),  # MATCH IT!
        ("DQA1*05:01, DQB1*02:01", ("DQA1*05:01", "DQB1*02:01")),
        ("DQB1*02:01, DQA1*05:01", ("DQA1*05:01", "DQB1*02:01")),  # alpha first
        ("DQA1*05:01~DQB1*02:01", ("DQA1*05:01", "DQB1*02:01")),
        ("HLA-DPA1*02:01/HLA-DPB1*01:01", ("DPA1*02:01", "DPB1*01:01")),
        ("Cw*0401", ("C*04:01",)),  # pre-2010 name
        ("B*44:02:01:01", ("B*44:02:01:01",)),
        ("A*24:09N", ("A*24:09N",)),
        ("DRA*01:01, DRB1*04:01", ("DRA*01:01", "DRB1*04:01")),
    ],
)
def test_parse_specificity(text, alleles):
    assert parse_specificity(text) == alleles


@pytest.mark.parametrize(
    "text, reason",
    [
        ("A2", "'A2' is not an allele name"),
        ("A*02:AB", "is not an allele name"),
        ("DQA1*05:01,-,DQB1*02:01,-,DPB1*04:01,-", "one allele, or a class II alpha/beta pair"),
        ("DQB1*02:01, DQB1*03:01", "one allele per locus"),
        ("DQA1*05:01, DPB1*04:01", "DQA1 and DPB1 do not form a class II alpha/beta pair"),
        ("A*01:01, B*08:01", "A and B do not form"),
        ("MICA*001", "not on single-antigen bead panels"),
    ],
)
def test_parse_specificity_refuses(text, reason):
    with pytest.raises(InvalidHLAName) as caught:
        parse_specificity(text)
    assert reason in caught.value.reason
    assert caught.value.token == text


@pytest.mark.parametrize(
    "alleles, hla_class",
    [
        (("A*01:01",), "I"),
        (("C*07:02",), "I"),
        (("DQA1*05:01", "DQB1*02:01"), "II"),
        (("DRB5*01:01",), "II"),
        ((), None),
    ],
)
def test_specificity_class(alleles, hla_class):
    assert specificity_class(alleles) == hla_class
