"""GL Strings: every operator round-trips; a malformed string is refused with token and position."""

from __future__ import annotations

import pytest

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla import glstring
from dsa_monitor.hla.names import AlleleCode, AlleleName

CANONICAL = [
    "HLA-A*02:01",
    "HLA-A*02:01+HLA-A*24:02",
    "HLA-A*02:01/HLA-A*02:02+HLA-A*24:02",
    "HLA-A*02:01+HLA-A*24:02^HLA-B*44:02+HLA-B*07:02",
    "HLA-A*02:01/HLA-A*02:02+HLA-A*24:02^HLA-B*44:02~HLA-C*05:01+HLA-B*07:02~HLA-C*07:02",
    "HLA-A*02:01+HLA-A*24:02|HLA-A*02:02+HLA-A*24:03",
    "HLA-A*02:01/HLA-A*02:02+HLA-A*24:02^HLA-B*44:02~HLA-C*05:01+HLA-B*07:02~HLA-C*07:02"
    "|HLA-B*44:03~HLA-C*05:01+HLA-B*07:02~HLA-C*07:02",
    "HLA-A*02:AB+HLA-A*24:XX^HLA-DRB1*15:01+HLA-DRB1*04:01^HLA-DRB5*01:01",
    "HLA-A*24:09N+HLA-A*02:01:01:01",
    "HLA-DQA1*05:01~HLA-DQB1*02:01+HLA-DQA1*01:02~HLA-DQB1*06:02",
    # DR haplotypes carry different DRB3/4/5 genes: copies share DRB1 only
    "HLA-DRB1*15:01~HLA-DRB5*01:01+HLA-DRB1*04:01~HLA-DRB4*01:03",
    "HLA-DRB1*15:01~HLA-DRB5*01:01+HLA-DRB1*04:01~HLA-DRB4*01:03"
    "|HLA-DRB1*15:01~HLA-DRB5*01:01+HLA-DRB1*03:01~HLA-DRB3*01:01",
]


@pytest.mark.parametrize("text", CANONICAL)
def test_canonical_strings_round_trip(text):
    assert glstring.format(glstring.parse(text)) == text


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("A*02:01+A*24:02", "HLA-A*02:01+HLA-A*24:02"),  # HLA- prefix added on output
        ("a*0201+a*2402", "HLA-A*02:01+HLA-A*24:02"),  # pre-2010, lowercase
        ("Cw*0702+C*07:AB", "HLA-C*07:02+HLA-C*07:AB"),
        (
            "A*02:01 + A*24:02 ^ B*44:02 + B*07:02",
            "HLA-A*02:01+HLA-A*24:02^HLA-B*44:02+HLA-B*07:02",
        ),
        (" HLA-A*02:01/A*02:02 ", "HLA-A*02:01/HLA-A*02:02"),
        ("A*02:01\t+ A*24:02\r\n", "HLA-A*02:01+HLA-A*24:02"),  # pasted from a spreadsheet
        ("A*02XX+A*24:02", "HLA-A*02:XX+HLA-A*24:02"),
    ],
)
def test_accepted_spellings_become_canonical(text, canonical):
    assert glstring.canonical(text) == canonical
    assert glstring.canonical(canonical) == canonical


def test_tree_shape_follows_operator_precedence():
    tree = glstring.parse(
        "HLA-A*02:01/HLA-A*02:02+HLA-A*24:02^HLA-B*44:02~HLA-C*05:01+HLA-B*07:02~HLA-C*07:02"
        "|HLA-B*44:03~HLA-C*05:01+HLA-B*07:02~HLA-C*07:02"
    )
    assert tree.loci == ("A", "B", "C")
    a, bc = tree.genotype_lists
    assert len(a.genotypes) == 1 and len(bc.genotypes) == 2
    first_copy = a.genotypes[0].haplotypes[0].allele_lists[0]
    assert first_copy.alleles == (AlleleName("A", ("02", "01")), AlleleName("A", ("02", "02")))
    haplotype = bc.genotypes[1].haplotypes[0]
    assert haplotype.loci == ("B", "C")
    assert str(haplotype.at("B")) == "HLA-B*44:03"
    assert haplotype.at("A") is None
    assert len(list(tree.elements())) == 11


def test_codes_stay_unexpanded():
    tree = glstring.parse("A*02:AB+A*24:XX")
    assert list(tree.elements()) == [AlleleCode("A", "02", "AB"), AlleleCode("A", "24", "XX")]


@pytest.mark.parametrize(
    ("text", "token", "reason"),
    [
        ("A*02:01+", "A*02:01+", "GL String ends with an operator ('+' at position 8)"),
        ("A*02:01^", "A*02:01^", "GL String ends with an operator ('^' at position 8)"),
        ("+A*02:01", "+A*02:01", "GL String starts with an operator ('+' at position 1)"),
        ("/A*02:01", "/A*02:01", "GL String starts with an operator ('/' at position 1)"),
        ("A*02:01++A*24:02", "A*02:01++A*24:02", "empty operand between '+' and '+' at position 9"),
        ("A*02:01+|A*24:02", "A*02:01+|A*24:02", "empty operand between '+' and '|' at position 9"),
        ("A*02:01,A*24:02", "A*02:01,A*24:02", "unknown character ',' at position 8"),
        ("A*02:01;B*07:02", "A*02:01;B*07:02", "unknown character ';' at position 8"),
        ("", "", "empty GL String"),
        ("   ", "   ", "empty GL String"),
        ("A*02:01/B*07:02", "A*02:01/B*07:02", "an allele list ('/') holds one locus; found A, B"),
        ("A*01~A*02", "A*01~A*02", "a haplotype ('~') holds one allele list per locus; A appears"),
        ("A*01:01+B*08:01", "A*01:01+B*08:01", "a genotype ('+') joins copies of the same loci"),
        (
            "A*01+A*02|B*07+B*08",
            "A*01+A*02|B*07+B*08",
            "a genotype list ('|') holds genotypes of the same loci",
        ),
        ("A*01+A*02^A*03", "A*01+A*02^A*03", "locus A appears in more than one '^' part"),
        ("A2+A24", "A2", "serologic antigens are not allowed in a GL String (at position 1"),
        ("A*02:01+A24", "A24", "(at position 9 of the GL String): GL Strings are allele-level"),
        ("A*02:01+A*2", "A*2", "bad field '2': fields are 2-4 digits (at position 9 of the GL"),
        ("A*02:01+X*01:01", "X*01:01", "unknown HLA gene 'X'"),
        ("A*02:01+A*24:02G", "A*24:02G", "marks a G group"),
        ("A*02:01+hello", "hello", "not a serologic antigen name"),
    ],
)
def test_malformed_strings_name_token_and_reason(text, token, reason):
    with pytest.raises(InvalidHLAName) as caught:
        glstring.parse(text)
    assert caught.value.token == token
    assert reason in caught.value.reason
    assert str(caught.value) == f'"{token}": {caught.value.reason}'


def test_issue_example_message():
    with pytest.raises(InvalidHLAName) as caught:
        glstring.parse("A*02:01+")
    assert str(caught.value).startswith('"A*02:01+": GL String ends with an operator')
