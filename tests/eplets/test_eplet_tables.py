"""Reading the tables: the layouts differ between hlaR's files (quoting, type spellings,
duplicated columns, stray cells). Small tables written here in the same layout."""

from __future__ import annotations

import pytest

from dsa_monitor.eplets import read_tables
from dsa_monitor.errors import ReferenceDataError

CLASS_I = (
    '"index","type","A*01:01","A*02:01","B*08:01","B*08:01"\n'
    '1,"Abv","44KM","","41T","41T"\n'
    '2,"Oth","1c","1C","",""\n'
    '3,"blank","","","",""\n'
)
BETA = (
    "index,type,DRB1*01:01,DQB1*02:01,DPB1*01:01\n"
    "1,AbV,4R,52LL, \n"
    "2,AbInt,rq70RR/K,rq70RR/K,\n"
    "3,oth Int,,,*\n"
    "4,oth,,52LL,\n"
)
ALPHA = "index,type,DQA1*05:01,DPA1*01:03\n1,other,40GR,\n"


def _read(class_i=CLASS_I, beta=BETA, alpha=ALPHA):
    return read_tables(
        {"MHC_I_eplet_t.csv": class_i, "MHC_II_eplet_B_t.csv": beta, "MHC_II_eplet_A_t.csv": alpha}, "t"
    )


def test_quoted_and_bare_layouts_types_and_cases_are_read_as_written():
    table = _read()
    abc = table.groups["ABC"]
    assert abc.alleles == ("A*01:01", "A*02:01", "B*08:01")  # the duplicate column kept once
    assert abc.eplets == ("44KM", "41T", "1c", "1C")  # 1c and 1C are two eplets
    assert abc.verified.tolist() == [True, True, False, False]
    assert abc.carries.tolist() == [
        [True, False, True, False],
        [False, False, False, True],
        [False, True, False, False],
    ]


def test_eplets_are_per_locus_group_and_interlocus_types_are_flagged():
    table = _read()
    assert table.groups["DR"].eplets == ("4R", "rq70RR/K")
    assert table.groups["DQ"].eplets == ("52LL", "rq70RR/K", "40GR")
    assert table.groups["DQ"].chains == ("beta", "beta", "alpha")
    assert table.groups["DQ"].interlocus.tolist() == [False, True, False]
    assert table.groups["DQ"].verified.tolist() == [True, True, False]
    assert table.groups["DP"].eplets == ()  # the lone space and the '*' are no eplet


def test_a_stray_cell_and_a_type_given_twice_are_said_in_the_notes():
    notes = _read().notes
    assert "MHC_II_eplet_B_t.csv line 4: DPB1*01:01 cell '*' is no eplet name, skipped" in notes
    assert (
        "MHC_II_eplet_B_t.csv: eplet 52LL is typed both antibody-verified and other: antibody-verified"
    ) in notes


@pytest.mark.parametrize(
    ("class_i", "message"),
    [
        (CLASS_I.replace('"Oth"', '"Maybe"'), "line 3: unknown eplet type 'Maybe'"),
        (CLASS_I.replace('"41T","41T"', '"41T",""'), "B*08:01 is listed twice with different"),
        (CLASS_I.replace('"index"', '"row"'), "the first line must start with index,type"),
        (CLASS_I.replace('"B*08:01","B*08:01"', '"B*08:01","Bw4"'), "'Bw4' is no monitored allele"),
    ],
)
def test_what_cannot_be_read_is_refused_naming_the_place(class_i, message):
    with pytest.raises(ReferenceDataError) as raised:
        _read(class_i=class_i)
    assert message in raised.value.message


def test_a_missing_file_is_refused():
    with pytest.raises(ReferenceDataError, match="MHC_II_eplet_A_t.csv is missing"):
        read_tables({"MHC_I_eplet_t.csv": CLASS_I, "MHC_II_eplet_B_t.csv": BETA}, "t")


def test_the_real_v3_tables_read_whole(v3):
    # Counted in the files: 1,890 class I columns with B*39:02 twice; 667 beta columns with
    # DPB1*138:01 twice; 34 alpha columns (13 DPA1, 21 DQA1).
    groups = v3.groups
    assert len(groups["ABC"].alleles) == 1889
    assert len(groups["DR"].alleles) + len(groups["DQ"].alleles) + len(groups["DP"].alleles) == 666 + 34
    assert groups["DQ"].carries[groups["DQ"].allele_index("DQA1*05:01")].sum() == 10
