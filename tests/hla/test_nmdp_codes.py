"""An NMDP code is expanded with the installed code table, or refused: never cut to its group.

The table is ``tests/data/nmdp/numer.v3.txt``, written for the tests (AB = 01/02, HJ = 02:01/02:06,
ZZ = 9999). ``XX`` is no NMDP code: ``B*15:XX`` stands for the allele group B*15.
"""

from __future__ import annotations

import pytest
from reference_paths import IMGT_358, TEST_DATA, need_shared

from dsa_monitor.dsa.donor import DonorHLA
from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.lookup import lookup
from dsa_monitor.hla.names import AlleleName, parse_allele
from dsa_monitor.hla.nmdp import INSTALL_COMMAND, parse_code_table
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.reference.service import embedded, load_release

TABLE = parse_code_table((TEST_DATA / "nmdp" / "numer.v3.txt").read_text())


@pytest.fixture(params=["embedded", "3.58.0"], scope="module")
def bare(request):
    """A reference without the NMDP code table."""
    if request.param == "embedded":
        return embedded()
    return load_release(need_shared(IMGT_358))


@pytest.fixture(scope="module")
def bare_358():
    return load_release(need_shared(IMGT_358))


@pytest.fixture
def with_table(bare):
    return bare.with_codes(TABLE)


@pytest.mark.parametrize("code", ["A*02:AB", "DRB1*04:AB", "B*44:ZZZZ"])
def test_without_the_table_a_code_is_refused_saying_how_to_install_it(bare, code):
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_loci({code.split("*")[0]: [code]}, bare)
    assert caught.value.token == code
    assert f"`{INSTALL_COMMAND}`" in caught.value.message
    assert lookup(bare, code)["error"] == caught.value.message


def test_with_the_table_a_code_stands_for_its_alleles(with_table):
    typing = HLATyping.from_loci({"A": ["A*02:AB", "A*24:02"]}, with_table)
    entry = typing.entries("A")[0]
    assert (str(entry), entry.kind) == ("A*02:AB", "code")  # as the lab wrote it
    assert [str(a) for a in entry.expansion] == ["A*02:01", "A*02:02"]
    stored = typing.to_dict()["loci"]["A"][0]
    assert stored == {
        "kind": "code",
        "names": ["A*02:AB"],
        "resolution": "code",
        "expansion": ["A*02:01", "A*02:02"],
    }


def test_an_allele_specific_code_and_a_gl_string(with_table):
    typing = HLATyping.from_gl_string("HLA-A*02:HJ+HLA-A*24:02", with_table)
    assert [str(a) for a in typing.entries("A")[0].expansion] == ["A*02:01", "A*02:06"]


def test_lookup_of_an_expanded_code(with_table):
    record = lookup(with_table, "A*02:AB")
    assert record["error"] is None
    assert (record["name"], record["kind"], record["antigen"]) == ("A*02:AB", "code", "A2")
    assert record["expansion"] == ["A*02:01", "A*02:02"]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("A*02:QQ", "unknown NMDP code 'QQ': not in the code table (updated 10/01/24)"),
        ("A*99:AB", "no allele group A*99"),
    ],
)
def test_a_code_the_table_does_not_know_is_refused(with_table, code, reason):
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_loci({"A": [code]}, with_table)
    assert reason in caught.value.message


def test_an_expansion_to_an_allele_the_release_lacks_is_refused(bare_358):
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_loci({"A": ["A*02:ZZ"]}, bare_358.with_codes(TABLE))
    assert caught.value.message == (
        '"A*02:ZZ": expands to A*02:9999, which is refused: no such allele in IPD-IMGT/HLA 3.58.0'
    )


def test_xx_is_the_allele_group_not_an_nmdp_code(bare):
    typing = HLATyping.from_loci({"B": ["B*15:XX", "B*07:02"]}, bare)
    assert typing.entries("B")[0].expansion == ()
    donor = DonorHLA.from_typing("D", typing)
    assert donor.at("B")[0].candidates == (AlleleName("B", ("15",)),)


def test_the_evaluation_reads_the_stored_expansion(with_table):
    """DonorHLA from the stored typing: the expansion, without any code table at hand."""
    stored = HLATyping.from_loci({"A": ["A*02:AB", "A*24:02"]}, with_table).to_dict()
    donor = DonorHLA.from_stored("D", stored)
    first = donor.at("A")[0]
    assert first.text == "A*02:AB"
    assert first.candidates == (parse_allele("A*02:01"), parse_allele("A*02:02"))
    assert donor.notes == ()
    assert DonorHLA.from_stored("D", stored) == DonorHLA.from_typing(
        "D", HLATyping.from_loci({"A": ["A*02:AB", "A*24:02"]}, with_table)
    )


def test_a_code_stored_before_expansion_keeps_its_group_meaning_with_a_note():
    """A typing stored unexpanded (before codes needed the table) does not break evaluation."""
    stored = {
        "source": "loci",
        "loci": {
            "A": [
                {"kind": "code", "names": ["A*02:AB"], "resolution": "code"},
                {"kind": "allele", "names": ["A*24:02"], "resolution": "2-field"},
            ]
        },
    }
    donor = DonorHLA.from_stored("D", stored)
    assert donor.at("A")[0].candidates == (AlleleName("A", ("02",)),)
    assert donor.notes == ("A*02:AB: code not expanded, matched as allele group A*02",)


def test_the_health_record_says_whether_codes_can_be_read(bare):
    assert INSTALL_COMMAND in bare.describe()["nmdp_codes"]
    assert bare.with_codes(TABLE).describe()["nmdp_codes"] == {"codes": 5, "updated": "10/01/24"}
    assert bare.with_codes(TABLE).serology(parse_allele("A*02:01")) is bare.serology(
        parse_allele("A*02:01")
    )  # the copy shares the release's lookups
