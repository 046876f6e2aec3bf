"""Which allele names exist: the suffix rule and allele groups, on a written list, 3.58.0, embedded."""

from __future__ import annotations

import pytest
from reference_paths import IMGT_358, need_shared

from dsa_monitor.errors import InvalidHLAName
from dsa_monitor.hla.allele_list import AlleleList
from dsa_monitor.hla.names import parse_allele
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.reference.service import embedded, load_release

# A list written for these tests in the Allelelist.txt naming: a shortened name carries a suffix
# only when all its alleles do (WHO: the suffix belongs to the allele it names).
WRITTEN = AlleleList(
    [
        "B*07:02:01:01",
        "B*07:02:01:126N",
        "A*24:02:01:01",
        "A*24:02:01:02L",
        "A*24:02:01:17Q",
        "A*24:02:03Q",
        "A*24:09N",
        "A*02:01:01:01",
        "A*02:01:01:02L",
        "A*02:01:01:134Q",
        "A*02:01:14Q",
        "A*02:01:01:252Q",
        "A*02:01:01:300Q",
        "C*04:09:01N",
        "C*04:09:02N",
    ],
    "9.9.9",
)


@pytest.fixture(scope="module")
def release_358():
    return load_release(need_shared(IMGT_358))


@pytest.mark.parametrize(
    "name",
    [
        "B*07:02",  # the expressed B*07:02 alleles: B7
        "B*07:02:01",
        "B*07:02:01:126N",  # the full name of the null allele
        "A*24:09N",  # a full 2-field name
        "A*24:02:01:02L",
        "A*24:02:03Q",
        "C*04:09N",  # every C*04:09 allele is null: the shortened name keeps N
        "A*24",  # the group
    ],
)
def test_valid_names(name):
    WRITTEN.check(parse_allele(name))
    assert name in WRITTEN


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "B*07:02N",
            "the B*07:02 alleles are expressed; only B*07:02:01:126N is null: give its full name",
        ),
        (
            "B*07:02:01N",
            "the B*07:02:01 alleles are expressed; only B*07:02:01:126N is null: give its full name",
        ),
        (
            "A*24:02L",
            "the A*24:02 alleles are expressed (some carry Q); only A*24:02:01:02L is "
            "low-expressed: give its full name",
        ),
        (
            "A*02:01Q",
            "the A*02:01 alleles are expressed (some carry L); only A*02:01:01:134Q, "
            "A*02:01:14Q, A*02:01:01:252Q and 1 more are of questionable expression: "
            "give the full name of the one meant",
        ),
        (
            "A*02:01N",
            "no such allele in IPD-IMGT/HLA 9.9.9: the A*02:01 alleles are expressed "
            "(some carry L, Q); none is null",
        ),
        ("A*24:09L", "no such allele in IPD-IMGT/HLA 9.9.9: A*24:09 is null: write A*24:09N"),
        ("A*24:09", "no such allele in IPD-IMGT/HLA 9.9.9"),
        ("C*04:09L", "no such allele in IPD-IMGT/HLA 9.9.9: C*04:09 is null: write C*04:09N"),
        ("B*08:01N", "no such allele in IPD-IMGT/HLA 9.9.9"),
        ("A*99", "no allele group A*99 in IPD-IMGT/HLA 9.9.9"),
    ],
)
def test_refused_names_say_which_alleles_carry_the_suffix(name, reason):
    with pytest.raises(InvalidHLAName) as caught:
        WRITTEN.check(parse_allele(name))
    assert (caught.value.token, caught.value.reason) == (name, reason)
    assert name not in WRITTEN


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "B*07:02N",
            "the B*07:02 alleles are expressed; only B*07:02:01:126N is null: give its full name",
        ),
        (
            "A*24:02L",
            "the A*24:02 alleles are expressed (some carry Q); only A*24:02:01:02L is "
            "low-expressed: give its full name",
        ),
        (
            "A*02:01Q",
            "the A*02:01 alleles are expressed (some carry L); only A*02:01:01:134Q, "
            "A*02:01:01:252Q, A*02:01:14Q are of questionable expression: "
            "give the full name of the one meant",
        ),
    ],
)
def test_358_refuses_a_suffix_borrowed_from_a_longer_allele(release_358, name, reason):
    """The audit's examples: B*07:02N would have made B7 no DSA target."""
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_loci({name[0]: [name, "-"]}, release_358)
    assert caught.value.message == f'"{name}": {reason}'


def test_358_refuses_a_borrowed_suffix_in_a_gl_string(release_358):
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_gl_string("HLA-B*07:02N+HLA-B*08:01", release_358)
    assert caught.value.token == "B*07:02N"


@pytest.mark.parametrize(
    ("name", "expressed"),
    [
        ("A*24:09N", False),  # all of A*24:09 is null
        ("C*04:09N", False),
        ("B*07:02:01:126N", False),
        ("A*24:02:01:02L", True),
        ("A*02:01:14Q", True),
        ("B*07:02", True),
    ],
)
def test_358_keeps_suffixes_that_belong_to_the_name(release_358, name, expressed):
    typing = HLATyping.from_loci({name[0]: [name]}, release_358)
    assert [str(e) for e in typing.entries(name[0])] == [name, name]
    assert release_358.serology(parse_allele(name)).expressed is expressed


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "B*07:02N",
            "the embedded reference data lists B*07:02 as expressed (B7); only a longer allele "
            "under it can be null: give its full name (checked only with an IPD-IMGT/HLA release)",
        ),
        (
            "A*24:02L",
            "the embedded reference data lists A*24:02 as expressed (A24); only a longer allele "
            "under it can be low-expressed: give its full name (checked only with an "
            "IPD-IMGT/HLA release)",
        ),
        ("A*02:01Q", "the embedded reference data lists A*02:01 as expressed (A2); only"),
        ("B*07:02:01N", "the embedded reference data lists B*07:02 as expressed (B7); only"),
    ],
)
def test_embedded_never_makes_a_listed_allele_null_on_a_guess(name, reason):
    with pytest.raises(InvalidHLAName) as caught:
        HLATyping.from_loci({name[0]: [name]}, embedded())
    assert caught.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("name", "expressed"),
    [
        ("B*07:02:01:126N", False),  # a 4-field name is the allele's own: kept as the lab gave it
        ("A*24:09N", False),  # A*24:09 is not in the table: cannot be checked, kept
        ("A*02:01:14Q", True),  # Q at 3 fields leaves the allele expressed (A2)
    ],
)
def test_embedded_keeps_suffixes_it_cannot_check(name, expressed):
    reference = embedded()
    HLATyping.from_loci({name[0]: [name]}, reference)
    assert reference.serology(parse_allele(name)).expressed is expressed


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("A*80:01", True),
        ("B*83:01", True),  # a group the table lacks, named after antigen B83
        ("C*18:01", True),
        ("DQB1*06:02", True),
        ("A*99:01", False),
        ("A*09:01", False),  # A9 is a broad, no allele group
        ("B*62:01", False),  # B62 is a split of B15, carried by B*15 alleles
        ("DQB1*07:01", False),
        ("DRB1*52:01", False),  # DR52 is the DRB3 product
        ("DPB1*1001:01", True),  # DPB1 groups cannot be checked without a release
        ("DRB4*03:01N", True),
    ],
)
def test_embedded_allele_groups(name, accepted):
    allele = parse_allele(name)
    if accepted:
        embedded().validate_allele(allele)
    else:
        with pytest.raises(InvalidHLAName, match=f"no allele group {allele.locus}[*]"):
            embedded().validate_allele(allele)
