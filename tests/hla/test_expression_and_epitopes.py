"""Expression is read from the name's suffix (only N is null), and Bw4/Bw6 of associated antigens.

Worked examples as a laboratory reads them: a questionable-expression allele (Q) may be on the
donor's cells, so it stays an antibody target; B*27:08 is the Bw6 variant of the Bw4 antigen B27.
"""

from __future__ import annotations

import csv

import pytest
from reference_paths import HLA_REFERENCE, IMGT_358, TEST_DATA, need_shared

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.loci import MONITORED
from dsa_monitor.hla.names import Antigen, parse_allele, parse_antigen
from dsa_monitor.hla.reference import ReferenceData
from dsa_monitor.reference.service import embedded, load_release

WMDA = TEST_DATA / "wmda"
# A release in the WMDA layout, written for this test: Q alleles as IPD-IMGT/HLA lists them.
REL_DNA_SER = """# version: IPD-IMGT/HLA 3.58.0
A*;02:01:01:01;2;;;
A*;02:01:14Q;;;0/2;
A*;24:09N;0;;;
C*;07:01:01:01;7;;;
C*;07:01:01:13Q;;;0/?;
DPB1*;01:01:01:01;;;;
DPB1*;04:01:01:24Q;;;0/?;
B*;44:02:01:01;44;;;
B*;44:02:01:02S;0;;;44
B*;39:01:01:02L;;0/3901;;
"""
REL_SER_SER = "A;2;;203/210\nB;12;44/45;\nB;39;;3901/3902\n"


@pytest.fixture(scope="module")
def small_release() -> ReferenceData:
    return ReferenceData.from_wmda(REL_DNA_SER, REL_SER_SER, release="3.58.0")


@pytest.mark.parametrize(
    ("name", "antigen", "expressed"),
    [
        ("A*02:01:14Q", "A2", True),  # "0/2": questionable, expressed for DSA: A2
        ("C*07:01:01:13Q", None, True),  # "0/?": expressed, antigen unknown
        ("DPB1*04:01:01:24Q", None, True),
        ("B*44:02:01:02S", "B44", True),  # secreted: "0", expert 44; expressed per the rule
        ("B*39:01:01:02L", "B3901", True),  # low expression: "0/3901"
        ("A*24:09N", None, False),  # N is the one null suffix
    ],
)
def test_only_the_null_suffix_makes_an_allele_null(small_release, name, antigen, expressed):
    found = small_release.serology(parse_allele(name))
    assert found.expressed is expressed
    assert (str(found.antigen) if found.antigen else None) == antigen
    assert parse_allele(name).expressed is expressed


def test_no_questionable_allele_of_358_is_null():
    """IPD-IMGT/HLA 3.58.0 lists 360 Q alleles; 43 of C and DPB1 ("0/?") were shown null."""
    directory = need_shared(IMGT_358)
    reference = load_release(directory)
    questionable = [
        line.split(";")[0] + line.split(";")[1]
        for line in (directory / "rel_dna_ser.txt").read_text().splitlines()
        if not line.startswith("#")
        and line.split(";")[1].endswith("Q")
        and line.split(";")[0].rstrip("*") in MONITORED
    ]
    assert len(questionable) >= 300
    null = [name for name in questionable if not reference.serology(parse_allele(name)).expressed]
    assert null == []
    c_q = reference.serology(parse_allele(next(n for n in questionable if n.startswith("C*"))))
    assert c_q.kind != "null"


# The WHO list of Bw4/Bw6-associated antigens, for the associated antigens of A and B.
ASSOCIATED = {
    "A2403": "Bw4",
    "B2708": "Bw6",  # B27 is Bw4
    "B3901": "Bw6",
    "B3902": "Bw6",
    "B5102": "Bw4",
    "B5103": "Bw4",
    "B703": "Bw6",
    "B4005": "Bw6",
}


@pytest.mark.parametrize(("antigen", "epitope"), sorted(ASSOCIATED.items()))
def test_associated_antigens_carry_their_public_epitope(antigen, epitope):
    assert embedded().public_epitope(parse_antigen(antigen)) == epitope


@pytest.mark.parametrize(
    ("allele", "epitope"),
    [
        ("A*24:03", "Bw4"),
        ("B*27:08", "Bw6"),  # not the Bw4 of B27
        ("B*27:05", "Bw4"),
        ("B*39:01", "Bw6"),
        ("B*39:02", "Bw6"),
        ("B*51:02", "Bw4"),
        ("B*51:03", "Bw4"),
        ("B*07:03", "Bw6"),
    ],
)
def test_alleles_of_associated_antigens_embedded(allele, epitope):
    assert embedded().public_epitope(parse_allele(allele)) == epitope


@pytest.mark.parametrize(
    ("allele", "antigen", "epitope"),
    [
        ("A*24:03:01", "A2403", "Bw4"),
        ("B*27:08", "B2708", "Bw6"),
        ("B*39:01:01:01", "B3901", "Bw6"),
        ("B*39:02:01", "B3902", "Bw6"),
        ("B*51:02:01", "B5102", "Bw4"),
        ("B*51:03", "B5103", "Bw4"),
        ("B*07:03", "B703", "Bw6"),
    ],
)
def test_alleles_of_associated_antigens_358(allele, antigen, epitope):
    reference = load_release(need_shared(IMGT_358))
    name = parse_allele(allele)
    assert str(reference.serology(name).antigen) == antigen
    assert reference.public_epitope(name) == epitope


def test_epitopes_agree_with_the_bw4_eplet_of_each_allele():
    """Cross-check on sequence (hlaR eplet table, MIT): Bw4 alleles carry 82LR, Bw6 ones 80N."""
    table = need_shared(HLA_REFERENCE / "eplets_hlaR" / "MHC_I_eplet_v3.csv")
    reference = load_release(need_shared(IMGT_358))
    with table.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    checked = 0
    for column, allele in enumerate(header):
        if "*" not in allele:
            continue
        name = parse_allele(allele)
        try:
            antigen = reference.serology(name).antigen
        except InvalidHLAName:  # the eplet table names a few alleles 3.58.0 spells otherwise
            continue
        if antigen is None or str(antigen) not in ASSOCIATED:
            continue
        eplets = {row[column] for row in rows[1:] if column < len(row)}
        expected = "Bw4" if "82LR" in eplets else "Bw6" if "80N" in eplets else None
        assert reference.public_epitope(name) == expected, allele
        checked += 1
    assert checked >= 6


def test_a_broad_whose_splits_disagree_has_no_epitope():
    assert embedded().public_epitope(Antigen("B", "21")) is None
    assert embedded().public_epitope(Antigen("B", "49")) == "Bw4"
