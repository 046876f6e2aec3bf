"""HLA names as labs send them: each row is a worked example of one nomenclature rule."""

from __future__ import annotations

import time

import pytest

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.names import (
    AlleleCode,
    AlleleName,
    Antigen,
    is_code,
    legacy_fields,
    parse_allele,
    parse_antigen,
    parse_code,
    parse_name,
)


@pytest.mark.parametrize(
    ("text", "canonical", "resolution"),
    [
        ("HLA-A*02:01:01:01", "A*02:01:01:01", 4),
        ("A*02:01:01", "A*02:01:01", 3),
        ("A*02:01", "A*02:01", 2),
        ("A*02", "A*02", 1),
        ("  hla-a*02:01 ", "A*02:01", 2),  # whitespace, lowercase prefix and gene
        ("b*07:02", "B*07:02", 2),
        ("Cw*07:02", "C*07:02", 2),  # Cw is serology's spelling; the gene is C
        ("DRB1*15:01", "DRB1*15:01", 2),
        ("DPB1*104:01", "DPB1*104:01", 2),
        ("DPB1*1001:01", "DPB1*1001:01", 2),
        ("A*02:1001", "A*02:1001", 2),
        ("MICA*008:01:01", "MICA*008:01:01", 3),
        # expression suffixes N L S C A Q
        ("A*24:09N", "A*24:09N", 2),
        ("A*24:02:01:02L", "A*24:02:01:02L", 4),
        ("B*44:02:01:02S", "B*44:02:01:02S", 4),
        ("A*02:01C", "A*02:01C", 2),
        ("A*02:01A", "A*02:01A", 2),
        ("A*32:11Q", "A*32:11Q", 2),
        ("a*24:09n", "A*24:09N", 2),
        # pre-2010 names without colons
        ("A*0201", "A*02:01", 2),
        ("A*020101", "A*02:01:01", 3),
        ("A*02010101", "A*02:01:01:01", 4),
        ("A*02101", "A*02:101", 2),
        ("A*0210101", "A*02:101:01", 3),
        ("DRB1*1501", "DRB1*15:01", 2),
        ("Cw*0702", "C*07:02", 2),
        ("DPB1*10401", "DPB1*104:01", 2),
        ("DPB1*0401", "DPB1*04:01", 2),
        ("A*24020102L", "A*24:02:01:02L", 4),
        ("HLA-B*0702", "B*07:02", 2),
    ],
)
def test_allele_names_normalise(text, canonical, resolution):
    allele = parse_allele(text)
    assert str(allele) == canonical
    assert allele.resolution == resolution
    assert parse_name(text) == allele
    assert parse_allele(canonical) == allele  # the canonical form reads back to the same name


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty name"),
        ("   ", "empty name"),
        ("A0201", "not an allele name"),
        ("*02:01", "no locus before '*'"),
        ("A*", "no fields after '*'"),
        ("X*02:01", "unknown HLA gene 'X'"),
        ("A1*02:01", "unknown HLA gene 'A1'"),
        ("A*2", "bad field '2'"),
        ("A*02:1", "bad field '1'"),
        ("A*02:01:01:01:01", "more than 4 fields"),
        ("A*02::01", "empty field"),
        ("A*02:01:", "empty field"),
        ("A*02-01", "fields may only hold digits"),
        ("A*02:01X", "unknown expression suffix 'X'"),
        ("A*02:01NN", "at most one suffix letter"),
        ("A*02N", "an expression suffix needs at least 2 fields"),
        ("A*02:01:01G", "'G' marks a G group"),
        ("DRB1*15:01P", "'P' marks a P group"),
    ],
)
def test_bad_allele_names_say_why(text, reason):
    with pytest.raises(InvalidHLAName) as caught:
        parse_allele(text)
    assert caught.value.token == text
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f'"{text}": ')


@pytest.mark.parametrize(
    ("digits", "gene", "fields"),
    [
        ("0201", "A", ("02", "01")),
        ("02101", "A", ("02", "101")),
        ("0210101", "A", ("02", "101", "01")),
        ("10401", "DPB1", ("104", "01")),
        ("1040101", "DPB1", ("104", "01", "01")),
        ("020101", "DPB1", ("02", "01", "01")),
    ],
)
def test_legacy_fields(digits, gene, fields):
    assert legacy_fields(digits, gene) == fields


@pytest.mark.parametrize(
    ("text", "canonical", "prefix", "loci"),
    [
        ("A2", "A2", "A", ("A",)),
        ("a2", "A2", "A", ("A",)),
        ("HLA-A2", "A2", "A", ("A",)),
        ("A203", "A203", "A", ("A",)),
        ("A0203", "A203", "A", ("A",)),  # 2026 4-digit spelling of an associated antigen
        ("A2403", "A2403", "A", ("A",)),
        ("B44", "B44", "B", ("B",)),
        ("B4005", "B4005", "B", ("B",)),
        ("B703", "B703", "B", ("B",)),
        ("B0703", "B703", "B", ("B",)),
        ("Cw4", "Cw4", "Cw", ("C",)),
        ("C4", "Cw4", "Cw", ("C",)),
        ("CW4", "Cw4", "Cw", ("C",)),
        ("cw10", "Cw10", "Cw", ("C",)),
        ("DR15", "DR15", "DR", ("DRB1", "DRB3", "DRB4", "DRB5")),
        ("dr15", "DR15", "DR", ("DRB1", "DRB3", "DRB4", "DRB5")),
        ("DR103", "DR103", "DR", ("DRB1", "DRB3", "DRB4", "DRB5")),
        ("DR0103", "DR103", "DR", ("DRB1", "DRB3", "DRB4", "DRB5")),
        ("DR1403", "DR1403", "DR", ("DRB1", "DRB3", "DRB4", "DRB5")),
        ("DR51", "DR51", "DR", ("DRB1", "DRB3", "DRB4", "DRB5")),
        ("DR52", "DR52", "DR", ("DRB1", "DRB3", "DRB4", "DRB5")),
        ("DR53", "DR53", "DR", ("DRB1", "DRB3", "DRB4", "DRB5")),
        ("DQ7", "DQ7", "DQ", ("DQB1",)),
        ("DPw2", "DP2", "DP", ("DPB1",)),
        ("DPW2", "DP2", "DP", ("DPB1",)),
        ("DP2", "DP2", "DP", ("DPB1",)),
        ("Bw4", "Bw4", "Bw", ("B", "A")),
        ("BW6", "Bw6", "Bw", ("B", "A")),
    ],
)
def test_antigen_names_normalise(text, canonical, prefix, loci):
    antigen = parse_antigen(text)
    assert str(antigen) == canonical
    assert antigen.prefix == prefix
    assert antigen.loci == loci
    assert parse_name(text) == antigen
    assert parse_antigen(canonical) == antigen


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty name"),
        ("Bw5", "the public epitopes are Bw4 and Bw6"),
        ("Bw46", "the public epitopes are Bw4 and Bw6"),
        ("A0", "antigen numbers start at 1"),
        ("A02", "no leading zero (write A2)"),
        ("DR01", "no leading zero (write DR1)"),
        ("A00203", "no leading zero"),
        ("A0020", "no leading zero"),
        ("A12345", "at most 4 digits"),
        ("X2", "not a serologic antigen name"),
        ("DRB15", "not a serologic antigen name"),
        ("A2.1", "not a serologic antigen name"),
        ("DR", "no antigen number after 'DR'"),
    ],
)
def test_bad_antigen_names_say_why(text, reason):
    with pytest.raises(InvalidHLAName) as caught:
        parse_antigen(text)
    assert caught.value.token == text
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A*02:AB", AlleleCode("A", "02", "AB")),
        ("HLA-A*02:AB", AlleleCode("A", "02", "AB")),
        ("a*02:ab", AlleleCode("A", "02", "AB")),
        ("A*02AB", AlleleCode("A", "02", "AB")),  # pre-2010 spelling
        ("A*02:XX", AlleleCode("A", "02", "XX")),
        ("Cw*07:XX", AlleleCode("C", "07", "XX")),
        ("B*44:AFXYZ", AlleleCode("B", "44", "AFXYZ")),
        ("DPB1*104:XX", AlleleCode("DPB1", "104", "XX")),
    ],
)
def test_nmdp_and_xx_codes_are_recognised(text, code):
    assert is_code(text)
    assert parse_code(text) == code
    assert parse_name(text) == code
    assert code.is_xx == (code.code == "XX")
    assert parse_code(str(code)) == code


@pytest.mark.parametrize("text", ["A*02:01", "A*0201", "A2", "A*02", "A*24:09N", "A*02:A", "AB"])
def test_not_codes(text):
    assert not is_code(text)


def test_parse_code_refuses_an_allele():
    with pytest.raises(InvalidHLAName, match=r'^"A\*02:01": not an NMDP allele code'):
        parse_code("A*02:01")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("A*02:01", AlleleName), ("A*02:AB", AlleleCode), ("A2", Antigen), ("Cw*0702", AlleleName)],
)
def test_parse_name_dispatches(text, kind):
    assert isinstance(parse_name(text), kind)


@pytest.mark.parametrize(
    ("text", "n_fields", "truncated"),
    [
        ("A*02:01:01:01", 2, "A*02:01"),
        ("A*24:02:01:02L", 2, "A*24:02L"),
        ("A*24:09N", 1, "A*24"),
        ("A*02:01", 3, "A*02:01"),
    ],
)
def test_truncate_keeps_suffix_down_to_two_fields(text, n_fields, truncated):
    assert str(parse_allele(text).truncate(n_fields)) == truncated


def test_null_alleles_are_not_expressed():
    assert not parse_allele("A*24:09N").expressed
    assert parse_allele("A*24:02:01:02L").expressed


def test_sort_key_orders_fields_numerically():
    names = [parse_allele(t) for t in ("A*02:101", "A*02:09", "A*01:01")]
    assert [str(n) for n in sorted(names, key=AlleleName.sort_key)] == [
        "A*01:01",
        "A*02:09",
        "A*02:101",
    ]


def test_fifty_thousand_names_parse_fast():
    """The `hla lookup` command resolves 50,000 names in a few seconds, parsing included."""
    texts = [f"A*{g:02d}:{p:02d}" for g in range(1, 51) for p in range(1, 501)]
    texts += [f"B{n}" for n in range(1, 100)] + ["Cw*0702", "A*02:AB"] * 100
    start = time.perf_counter()
    for text in texts:
        parse_name(text)
    assert time.perf_counter() - start < 2.0
