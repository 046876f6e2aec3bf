"""Lookups on a WMDA release: the 7-field/2026 fixture and IPD-IMGT/HLA 3.58.0 (../shared)."""

from __future__ import annotations

import pytest
from reference_paths import IMGT_358, TEST_DATA, need_shared

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.names import Antigen, parse_allele, parse_antigen
from dsa_monitor.hla.reference import ReferenceData
from dsa_monitor.reference.service import load_release

WMDA = TEST_DATA / "wmda"


@pytest.fixture(scope="module")
def fixture_release() -> ReferenceData:
    return ReferenceData.from_wmda(
        (WMDA / "rel_dna_ser.txt").read_text(),
        (WMDA / "rel_ser_ser.txt").read_text(),
        (WMDA / "Allelelist.txt").read_text(),
    )


@pytest.fixture(scope="module")
def release_358() -> ReferenceData:
    return load_release(need_shared(IMGT_358))


def _summary(reference: ReferenceData, name: str):
    assignment = reference.serology(parse_allele(name))
    antigen = assignment.antigen
    broad = reference.broad_of(antigen) if antigen else None
    return (
        str(antigen) if antigen else None,
        str(broad) if broad else None,
        assignment.kind,
        assignment.expressed,
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("A*02:03:18", ("A203", None, "unambiguous", True)),  # 4-digit 0203 printed A203
        ("A*02:03", ("A203", None, "unambiguous", True)),  # 2-field from its 3-field alleles
        ("A*02:01", ("A2", None, "unambiguous", True)),  # USA 2 wins over the HATS 0201
        ("A*24:03", ("A2403", "A9", "unambiguous", True)),
        ("B*07:03", ("B703", None, "unambiguous", True)),
        ("B*15:01", ("B62", "B15", "unambiguous", True)),
        ("B*15:99", ("B15", None, "assumed", True)),
        ("B*40:05", ("B4005", "B21", "unambiguous", True)),
        ("C*03:04", ("Cw10", "Cw3", "unambiguous", True)),
        ("C*12:03", (None, None, "none", True)),
        ("DQB1*03:02", ("DQ8", "DQ3", "unambiguous", True)),
        ("DRB3*01:01", ("DR52", None, "unambiguous", True)),
        ("A*24:09N", (None, None, "null", False)),
        ("A*01:01:01:02N", (None, None, "null", False)),
        ("A*02:65", (None, None, "possible", True)),
        ("A*02", ("A2", None, "group", True)),
        ("DPB1*04:01", (None, None, "none", True)),
    ],
)
def test_seven_field_release(fixture_release, name, expected):
    assert _summary(fixture_release, name) == expected


def test_fixture_release_metadata(fixture_release):
    described = fixture_release.describe()
    assert described["release"] == "3.64.0"
    assert described["embedded"] is False
    assert described["validation"] == "Allelelist.txt"


def test_possible_antigens_are_listed(fixture_release):
    assert fixture_release.serology(parse_allele("A*02:65")).possible == (
        Antigen("A", "2"),
        Antigen("A", "19"),
    )


def test_2026_associated_antigens(fixture_release):
    assert fixture_release.parent_of_associated(parse_antigen("A0203")) == Antigen("A", "2")
    assert fixture_release.parent_of_associated(parse_antigen("A203")) == Antigen("A", "2")
    assert fixture_release.parent_of_associated(parse_antigen("B4005")) == Antigen("B", "21")
    assert fixture_release.parent_of_associated(parse_antigen("DR5201")) == Antigen("DR", "52")
    assert fixture_release.parent_of_associated(parse_antigen("A2")) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("A*02:99", "no such allele in IPD-IMGT/HLA 3.64.0"),
        ("A*03:01", "no such allele in IPD-IMGT/HLA 3.64.0"),
        ("A*02:01:01:03", "no such allele in IPD-IMGT/HLA 3.64.0"),
        ("B*15:01:03", "no such allele in IPD-IMGT/HLA 3.64.0"),
        ("A*03", "no allele group A*03 in IPD-IMGT/HLA 3.64.0"),
    ],
)
def test_unknown_alleles_are_rejected_with_the_release(fixture_release, name, reason):
    with pytest.raises(InvalidHLAName) as caught:
        fixture_release.serology(parse_allele(name))
    assert caught.value.reason == reason


def test_six_field_layout_loads():
    reference = ReferenceData.from_wmda(
        (WMDA / "rel_dna_ser_6field.txt").read_text(), "A;2;;203/210\nB;39;;3901/3902\n"
    )
    assert reference.release == "3.57.0"
    assert reference.validation == "rel_dna_ser.txt"
    assert str(reference.serology(parse_allele("B*39:01")).antigen) == "B3901"
    assert reference.parent_of_associated(Antigen("B", "3901")) == Antigen("B", "39")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("A*02:03", ("A203", None, "unambiguous", True)),
        ("A*02:01", ("A2", None, "unambiguous", True)),
        ("A*02:01:01:01", ("A2", None, "unambiguous", True)),
        ("A*24:03", ("A2403", "A9", "unambiguous", True)),
        ("B*14:02", ("B65", "B14", "unambiguous", True)),
        ("B*15:01", ("B62", "B15", "unambiguous", True)),
        ("B*40:01", ("B60", "B40", "unambiguous", True)),
        ("C*03:04", ("Cw10", "Cw3", "unambiguous", True)),
        ("C*03:03", ("Cw9", "Cw3", "unambiguous", True)),
        ("DRB1*03:01", ("DR17", "DR3", "unambiguous", True)),
        ("DQB1*03:02", ("DQ8", "DQ3", "unambiguous", True)),
        ("DQB1*03:01", ("DQ7", "DQ3", "unambiguous", True)),
        ("A*24:09N", (None, None, "null", False)),
        ("B*15", ("B15", None, "group", True)),
        ("DRB5*01:01", ("DR51", None, "unambiguous", True)),
    ],
)
def test_release_358_worked_examples(release_358, name, expected):
    assert _summary(release_358, name) == expected


@pytest.mark.parametrize(
    ("item", "epitope"),
    [("B*57:01", "Bw4"), ("B*07:02", "Bw6"), ("A*24:02", "Bw4"), ("A*02:01", None), ("Bw4", "Bw4")],
)
def test_public_epitopes_358(release_358, item, epitope):
    name = parse_antigen(item) if "*" not in item else parse_allele(item)
    assert release_358.public_epitope(name) == epitope


def test_broads_and_splits_358(release_358):
    assert release_358.splits_of(Antigen("B", "15")) == tuple(
        Antigen("B", n) for n in ("62", "63", "75", "76", "77")
    )
    assert release_358.broad_of(Antigen("DQ", "7")) == Antigen("DQ", "3")
    assert release_358.broad_of(Antigen("A", "2")) is None
    assert release_358.parent_of_associated(Antigen("DR", "1404")) == Antigen("DR", "14")
    assert release_358.broad_of(Antigen("DR", "1404")) == Antigen("DR", "6")


def test_358_rejects_unknown_alleles(release_358):
    with pytest.raises(InvalidHLAName) as caught:
        release_358.validate_allele(parse_allele("A*99:99"))
    assert caught.value.message == '"A*99:99": no such allele in IPD-IMGT/HLA 3.58.0'


def test_expert_assigned_exceptions_are_kept_apart(fixture_release):
    assignment = fixture_release.serology(parse_allele("B*40:05"))
    assert assignment.antigen == Antigen("B", "4005")
    assert assignment.expert == (Antigen("B", "40"),)
