"""The typing model: per-locus entries, homozygosity, antigen placement, GL Strings, validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.names import AlleleCode, AlleleName, Antigen
from dsa_monitor.hla.reference import ReferenceData
from dsa_monitor.hla.typing import HLATyping, TypingEntry


def _shown(typing: HLATyping) -> dict[str, list[str]]:
    return {locus: [str(e) for e in copies] for locus, copies in typing.loci.items()}


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"A": ["A*02:01", "A24"]}, {"A": ["A*02:01", "A24"]}),
        ({"A": ["A*0201", "A*2402"]}, {"A": ["A*02:01", "A*24:02"]}),
        ({"a": ["A*02:01", "A*24:02"]}, {"A": ["A*02:01", "A*24:02"]}),  # locus keys any case
        ({"HLA-A": ["A*02:01", "A*24:02"]}, {"A": ["A*02:01", "A*24:02"]}),
        ({"Cw": ["Cw*0702", "C4"]}, {"C": ["C*07:02", "Cw4"]}),
        ({"A": "A*02:01"}, {"A": ["A*02:01", "A*02:01"]}),  # one name: homozygous, both copies
        ({"A": ["A*02:01"]}, {"A": ["A*02:01", "A*02:01"]}),
        ({"A": ["A*02:01", "-"]}, {"A": ["A*02:01", "A*02:01"]}),
        ({"A": ["A*02:01", ""]}, {"A": ["A*02:01", "A*02:01"]}),
        ({"A": ["A*02:01", "A*02:01"]}, {"A": ["A*02:01", "A*02:01"]}),
        ({"A": [], "B": None, "C": ["-", ""]}, {}),  # blank loci
        ({"A": ["A*02:01/A*02:02", "A*24:AB"]}, {"A": ["A*02:01/A*02:02", "A*24:AB"]}),
        ({"B": ["B44", "B*07:02", "Bw4", "Bw6"]}, {"B": ["B44", "B*07:02"]}),
        (
            {"DRB1": ["DR15", "DR4", "DR51", "DR53"]},
            {"DRB1": ["DR15", "DR4"], "DRB4": ["DR53"], "DRB5": ["DR51"]},
        ),
        ({"DRB3": ["DR52"]}, {"DRB3": ["DR52"]}),  # DRB3/4/5: one name is one copy
        ({"DRB4": ["DRB4*01:03"]}, {"DRB4": ["DRB4*01:03"]}),
        ({"DQB1": ["DQ7", "DQ6"]}, {"DQB1": ["DQ7", "DQ6"]}),
        ({"DPB1": ["DPw2", "DP4"]}, {"DPB1": ["DP2", "DP4"]}),
        ({"DQA1": ["DQA1*05:01", "DQA1*01:02"]}, {"DQA1": ["DQA1*05:01", "DQA1*01:02"]}),
        ({"DPA1": ["DPA1*01:03", "DPA1*02:01"]}, {"DPA1": ["DPA1*01:03", "DPA1*02:01"]}),
    ],
)
def test_from_loci(form, expected):
    assert _shown(HLATyping.from_loci(form)) == expected


def test_loci_are_in_locus_order():
    typing = HLATyping.from_loci({"DPB1": ["DP2"], "A": ["A2"], "DRB1": ["DR15"], "C": ["Cw4"]})
    assert list(typing.loci) == ["A", "C", "DRB1", "DPB1"]


@pytest.mark.parametrize(
    ("text", "kind", "resolution", "candidates"),
    [
        ("A*02:01", "allele", "2-field", (AlleleName("A", ("02", "01")),)),
        ("A*02", "allele", "1-field", (AlleleName("A", ("02",)),)),
        ("A*02:01:01", "allele", "3-field", (AlleleName("A", ("02", "01", "01")),)),
        ("A*02:01:01:01", "allele", "4-field", (AlleleName("A", ("02", "01", "01", "01")),)),
        ("A2", "antigen", "serologic", (Antigen("A", "2"),)),
        ("A*02:AB", "code", "code", (AlleleCode("A", "02", "AB"),)),
        ("A*02:XX", "code", "code", (AlleleCode("A", "02", "XX"),)),
        (
            "A*02:01:01/A*02:02",
            "ambiguous",
            "2-field",  # what all candidates are known to: the lowest resolution
            (AlleleName("A", ("02", "01", "01")), AlleleName("A", ("02", "02"))),
        ),
    ],
)
def test_entry_kind_and_resolution(text, kind, resolution, candidates):
    entry = HLATyping.from_loci({"A": [text]}).entries("A")[0]
    assert (entry.kind, entry.resolution, entry.candidates) == (kind, resolution, candidates)


@pytest.mark.parametrize(
    ("form", "token", "reason"),
    [
        ({"A": ["B*07:02"]}, "B*07:02", "given under locus A but belongs to B"),
        ({"A": ["B44"]}, "B44", "given under locus A but belongs to B"),
        ({"DQB1": ["DR15"]}, "DR15", "given under locus DQB1 but belongs to DRB1"),
        ({"C": ["Bw4"]}, "Bw4", "given under locus C; list it under B"),
        ({"A": ["A*01", "A*02", "A*03"]}, "A", "3 entries given, at most 2 copies per locus"),
        ({"DRB1": ["DR15", "DR4", "DR1"]}, "DRB1", "3 entries given"),
        ({"DRA": ["DRA*01:01"]}, "DRA", "not a monitored locus (monitored: A, B, C, DRB1"),
        ({"DR": ["DR15"]}, "DR", "not a monitored locus"),
        ({"A": ["A*99:9"]}, "A*99:9", "bad field '9'"),
        ({"A": ["A2/A28"]}, "A2/A28", "an ambiguity list ('/') holds alleles"),
        ({"A": ["A*02:AB/A*02:01"]}, "A*02:AB/A*02:01", "an NMDP code cannot be part of"),
        ({"A": ["A*02:01/B*07:02"]}, "A*02:01/B*07:02", "an ambiguity list ('/') holds one locus"),
        ({"A": ["A*02:01+A*24:02"]}, "A*02:01+A*24:02", "give the two copies as two list items"),
    ],
)
def test_from_loci_errors(form, token, reason):
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_loci(form)
    assert caught.value.token == token
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("form", "homozygous"),
    [
        ({"A": ["A*02:01"]}, ("A",)),
        ({"A": ["A*02:01", "A*02:01"], "B": ["B7", "B8"]}, ("A",)),
        ({"A": ["A*02:01", "A*02:01:01"]}, ()),
        ({"DRB1": ["DR15"], "DRB5": ["DR51"]}, ("DRB1",)),
    ],
)
def test_homozygous_loci(form, homozygous):
    typing = HLATyping.from_loci(form)
    assert typing.homozygous_loci == homozygous
    assert all(typing.is_homozygous(locus) for locus in homozygous)


def test_public_epitopes_are_kept_apart():
    typing = HLATyping.from_loci({"A": ["A24", "A2"], "B": ["B44", "B8", "Bw4", "Bw6", "Bw4"]})
    assert [str(a) for a in typing.public_epitopes] == ["Bw4", "Bw6"]
    assert len(typing.entries("B")) == 2


GL = "HLA-A*02:01/HLA-A*02:02+HLA-A*24:02^HLA-B*44:02~HLA-C*05:01+HLA-B*07:02~HLA-C*07:02"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GL,
            {
                "A": ["A*02:01/A*02:02", "A*24:02"],
                "B": ["B*44:02", "B*07:02"],
                "C": ["C*05:01", "C*07:02"],
            },
        ),
        ("A*02:01", {"A": ["A*02:01", "A*02:01"]}),  # one copy given: homozygous
        ("A*02:01+A*02:01", {"A": ["A*02:01", "A*02:01"]}),
        ("HLA-DRB4*01:03", {"DRB4": ["DRB4*01:03"]}),
        (
            "HLA-A*02:01+HLA-A*24:02|HLA-A*02:05+HLA-A*24:02",  # genotype list: per-copy unions
            {"A": ["A*02:01/A*02:05", "A*24:02"]},
        ),
        ("A*02:AB+A*24:XX", {"A": ["A*02:AB", "A*24:XX"]}),
        (
            "HLA-DRB1*15:01~HLA-DRB5*01:01+HLA-DRB1*04:01~HLA-DRB4*01:03",
            {"DRB1": ["DRB1*15:01", "DRB1*04:01"], "DRB4": ["DRB4*01:03"], "DRB5": ["DRB5*01:01"]},
        ),
        (
            "HLA-DRB1*15:01~HLA-DRB5*01:01+HLA-DRB1*04:01~HLA-DRB4*01:03"
            "|HLA-DRB1*15:01~HLA-DRB5*01:01+HLA-DRB1*03:01~HLA-DRB3*01:01",
            {
                "DRB1": ["DRB1*15:01", "DRB1*04:01/DRB1*03:01"],
                "DRB3": ["DRB3*01:01"],  # possible in one genotype only: kept, conservatively
                "DRB4": ["DRB4*01:03"],
                "DRB5": ["DRB5*01:01"],
            },
        ),
        ("A*01~B*08+A*02", {"A": ["A*01", "A*02"], "B": ["B*08"]}),
        (
            "HLA-DQA1*05:01~HLA-DQB1*02:01+HLA-DQA1*01:02~HLA-DQB1*06:02",
            {"DQA1": ["DQA1*05:01", "DQA1*01:02"], "DQB1": ["DQB1*02:01", "DQB1*06:02"]},
        ),
    ],
)
def test_from_gl_string(text, expected):
    typing = HLATyping.from_gl_string(text)
    assert _shown(typing) == expected


@pytest.mark.parametrize(
    "text",
    [
        GL,
        GL + "|HLA-B*44:03~HLA-C*05:01+HLA-B*07:02~HLA-C*07:02",
        "HLA-A*02:01+HLA-A*24:02|HLA-A*02:05+HLA-A*24:02^HLA-DRB1*15:01+HLA-DRB1*04:01",
    ],
)
def test_gl_string_typing_gives_its_source_back(text):
    assert HLATyping.from_gl_string(text).to_gl_string() == text


@pytest.mark.parametrize(
    ("text", "token", "reason"),
    [
        ("HLA-DRA*01:01+HLA-DRA*01:02", "DRA", "not a monitored locus"),
        ("A*01+A*02+A*03", "HLA-A*01+HLA-A*02+HLA-A*03", "3 copies of A; a person has at most 2"),
        ("A2+A24", "A2", "serologic antigens are not allowed in a GL String"),
        ("A*02:01+", "A*02:01+", "GL String ends with an operator"),
    ],
)
def test_from_gl_string_errors(text, token, reason):
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_gl_string(text)
    assert caught.value.token == token
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("form", "gl"),
    [
        (
            {"A": ["A*0201/A*02:02", "A*24:02"], "B": ["B*44:02", "B*07:02"]},
            "HLA-A*02:01/HLA-A*02:02+HLA-A*24:02^HLA-B*44:02+HLA-B*07:02",
        ),
        ({"A": ["A*02:01"]}, "HLA-A*02:01+HLA-A*02:01"),
        (
            {"DRB1": ["DRB1*15:01", "DRB1*04:01"], "DRB5": ["DRB5*01:01"]},
            "HLA-DRB1*15:01+HLA-DRB1*04:01^HLA-DRB5*01:01",
        ),
        ({"A": ["A*02:AB"]}, "HLA-A*02:AB+HLA-A*02:AB"),
        ({}, ""),
    ],
)
def test_to_gl_string_from_loci(form, gl):
    assert HLATyping.from_loci(form).to_gl_string() == gl


def test_antigens_have_no_gl_string():
    typing = HLATyping.from_loci({"A": ["A*02:01", "A24"]})
    with pytest.raises(InvalidHLAName) as caught:
        typing.to_gl_string()
    assert caught.value.token == "A24"
    assert "no GL String form" in caught.value.reason
    assert typing.to_dict()["gl_string"] is None


@pytest.mark.parametrize(
    "typing",
    [
        HLATyping.from_loci(
            {
                "A": ["A*02:01", "A24"],
                "B": ["B44", "Bw4"],
                "DRB1": ["DR15", "DR52"],
                "DQB1": ["DQ7"],
            }
        ),
        HLATyping.from_gl_string(GL + "|HLA-B*44:03~HLA-C*05:01+HLA-B*07:02~HLA-C*07:02"),
        HLATyping.from_loci({}),
    ],
)
def test_to_dict_is_json_and_reads_back(typing):
    data = json.loads(json.dumps(typing.to_dict()))
    assert HLATyping.from_dict(data) == typing
    assert hash(HLATyping.from_dict(data)) == hash(typing)


def test_to_dict_shape():
    data = HLATyping.from_loci({"A": ["A*02:01/A*02:02"], "B": ["B44", "Bw4"]}).to_dict()
    assert data == {
        "source": "loci",
        "loci": {
            "A": [{"kind": "ambiguous", "names": ["A*02:01", "A*02:02"], "resolution": "2-field"}] * 2,
            "B": [{"kind": "antigen", "names": ["B44"], "resolution": "serologic"}] * 2,
        },
        "homozygous": ["A", "B"],
        "public_epitopes": ["Bw4"],
        "reference_release": None,
        "gl_string": None,
    }


def test_alleles_lists_each_candidate_once():
    typing = HLATyping.from_loci({"A": ["A*02:01/A*02:02", "A*02:01"], "B": ["B44", "B*07:02"]})
    assert [str(a) for a in typing.alleles()] == ["A*02:01", "A*02:02", "B*07:02"]
    assert [str(a) for a in typing.alleles("B")] == ["B*07:02"]


def test_entry_of_rejects_empty():
    with pytest.raises(InvalidHLAName, match="empty typing entry"):
        TypingEntry.of(())


# As tests/conftest.py's IMGT_358; not imported from there, since "conftest" may name another one.
IMGT_358 = Path(__file__).resolve().parents[3] / "shared" / "hla_reference" / "imgthla_3.58.0"


# A release written by us in the rel_dna_ser.txt / rel_ser_ser.txt layouts.
TINY_RELEASE = ReferenceData.from_wmda(
    "A*;02:01:01:01;2;;;\nA*;24:02:01:01;24;;;\nB*;07:02:01:01;7;;;\n",
    "A;2;;203/210\n",
    release="3.58.0",
)


@pytest.mark.parametrize(
    ("make", "token"),
    [
        (lambda ref: HLATyping.from_loci({"A": ["A*02:01", "A*99:99"]}, ref), "A*99:99"),
        (lambda ref: HLATyping.from_gl_string("A*02:01/A*02:55+A*24:02", ref), "A*02:55"),
    ],
)
def test_reference_rejects_unknown_alleles(make, token):
    with pytest.raises(InvalidHLAName) as caught:
        make(TINY_RELEASE)
    assert str(caught.value) == f'"{token}": no such allele in IPD-IMGT/HLA 3.58.0'


def test_reference_release_is_recorded():
    typing = HLATyping.from_loci({"A": ["A*02:01", "A24"], "B": ["B*07:02"]}, TINY_RELEASE)
    assert typing.reference_release == "3.58.0"
    assert typing.to_dict()["reference_release"] == "3.58.0"
    assert HLATyping.from_dict(typing.to_dict()).reference_release == "3.58.0"
    assert HLATyping.from_loci({"A": ["A*02:01"]}).reference_release is None


def test_issue_example_with_the_real_release():
    folder = IMGT_358
    if not folder.exists():
        pytest.skip(f"reference material not present: {folder} (../shared/ is not checked out here)")
    release = ReferenceData.from_wmda(
        (folder / "rel_dna_ser.txt").read_text(),
        (folder / "rel_ser_ser.txt").read_text(),
        (folder / "Allelelist.txt").read_text(),
    )
    typing = HLATyping.from_gl_string(GL, release)
    assert typing.reference_release == "3.58.0"
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_gl_string("HLA-A*99:99+HLA-A*02:01", release)
    assert str(caught.value) == '"A*99:99": no such allele in IPD-IMGT/HLA 3.58.0'


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"A": ["A2", "A99"]}, '"A99": no such serologic antigen in IPD-IMGT/HLA 3.58.0'),
        ({"B": ["B7", "B8"]}, '"B8": no such serologic antigen in IPD-IMGT/HLA 3.58.0'),
        (
            {"DPB1": ["DPw4"]},
            '"DP4": no such serologic antigen in IPD-IMGT/HLA 3.58.0, which '
            "has no DP antigen (DPw1-6 were cellular types): give DPB1 alleles",
        ),
        ({"A": ["A*02:XX", "A*03:AB"]}, '"A*03:AB": no allele group A*03 in IPD-IMGT/HLA 3.58.0'),
        ({"A": ["A*99:XX"]}, '"A*99:XX": no allele group A*99 in IPD-IMGT/HLA 3.58.0'),
    ],
)
def test_reference_checks_antigens_and_code_groups(form, message):
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_loci(form, TINY_RELEASE)
    assert caught.value.message == message


def test_reference_accepts_its_antigens_epitopes_and_codes():
    typing = HLATyping.from_loci({"A": ["A2", "A*24:XX"], "B": ["B7", "Bw4", "Bw6"]}, TINY_RELEASE)
    assert [str(e) for e in typing.public_epitopes] == ["Bw4", "Bw6"]
    assert [str(e) for e in typing.entries("A")] == ["A2", "A*24:XX"]
