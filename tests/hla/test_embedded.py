"""The embedded default (hla_data/, written by the project): examples, the rule, limits."""

from __future__ import annotations

import logging

import pytest

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.names import Antigen, parse_allele, parse_antigen
from dsa_monitor.reference.service import embedded


@pytest.fixture(scope="module")
def reference():
    return embedded()


@pytest.mark.parametrize(
    ("name", "antigen", "broad", "kind", "expressed"),
    [
        ("A*02:03", "A203", None, "embedded", True),
        ("A*02:03:18", "A203", None, "embedded", True),  # compared at 2 fields
        ("A*24:03", "A2403", "A9", "embedded", True),
        ("B*14:02", "B65", "B14", "embedded", True),
        ("B*15:01", "B62", "B15", "embedded", True),
        ("B*40:01", "B60", "B40", "embedded", True),
        ("C*03:04", "Cw10", "Cw3", "embedded", True),
        ("DRB1*03:01", "DR17", "DR3", "embedded", True),
        ("DQB1*03:02", "DQ8", "DQ3", "embedded", True),
        ("A*24:09N", None, None, "null", False),
        ("B*51:77", "B51", "B5", "first_field", True),  # not listed: first-field rule
        (
            "B*15:88",
            "B15",
            None,
            "first_field",
            True,
        ),  # a broad when the rule cannot tell the split
        ("DRB4*01:99", "DR53", None, "first_field", True),
        ("C*12:03", None, None, "none", True),
        ("C*16:99", None, None, "none", True),  # C*12..C*18: no WHO serology
        ("DPB1*04:01", None, None, "none", True),
        ("DQA1*05:01", None, None, "none", True),
        ("A*02", "A2", None, "group", True),
    ],
)
def test_embedded_worked_examples(reference, name, antigen, broad, kind, expressed):
    assignment = reference.serology(parse_allele(name))
    assert (str(assignment.antigen) if assignment.antigen else None) == antigen
    found_broad = reference.broad_of(assignment.antigen) if assignment.antigen else None
    assert (str(found_broad) if found_broad else None) == broad
    assert assignment.kind == kind
    assert assignment.expressed is expressed


@pytest.mark.parametrize(
    ("antigen", "epitope"),
    [
        ("A23", "Bw4"),
        ("A24", "Bw4"),
        ("A25", "Bw4"),
        ("A32", "Bw4"),
        ("A2", None),
        ("B27", "Bw4"),
        ("B7", "Bw6"),
        ("B63", "Bw4"),
        ("B62", "Bw6"),
        ("B15", None),
        ("B2708", "Bw6"),  # the Bw6 variant of the Bw4 antigen B27
    ],
)
def test_embedded_public_epitopes(reference, antigen, epitope):
    assert reference.public_epitope(parse_antigen(antigen)) == epitope


@pytest.mark.parametrize(
    ("broad", "splits"),
    [("A9", ("A23", "A24")), ("Cw3", ("Cw9", "Cw10")), ("DQ1", ("DQ5", "DQ6")), ("A2", ())],
)
def test_embedded_splits(reference, broad, splits):
    assert tuple(str(a) for a in reference.splits_of(parse_antigen(broad))) == splits


def test_embedded_associated(reference):
    assert reference.parent_of_associated(parse_antigen("A0203")) == Antigen("A", "2")
    assert reference.broad_of(parse_antigen("A2403")) == Antigen("A", "9")


def test_embedded_validates_gene_and_group_not_existence(reference):
    reference.validate_allele(parse_allele("A*02:99"))  # a known group: existence not checked
    with pytest.raises(InvalidHLAName, match="embedded reference data cannot check"):
        reference.validate_allele(parse_allele("G*01:01"))
    with pytest.raises(InvalidHLAName, match="no allele group A[*]99 in the embedded"):
        reference.validate_allele(parse_allele("A*99:99"))


def test_embedded_says_so(reference, client):
    described = reference.describe()
    assert described["embedded"] is True and "warning" in described
    assert client.get("/api/v1/health").get_json()["reference"]["embedded"] is True


def test_startup_warns_on_embedded(tmp_path, caplog):
    from dsa_monitor.app import create_app

    with caplog.at_level(logging.WARNING, logger="dsa_monitor.reference.service"):
        create_app(
            {
                "TESTING": True,
                "REFERENCE_DIR": str(tmp_path / "ref"),
                "DATABASE": str(tmp_path / "db.sqlite3"),
            }
        )
    assert "embedded default" in caplog.text
