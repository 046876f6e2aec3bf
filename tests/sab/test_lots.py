"""Lot definitions: One Lambda lot sheets and Immucor .eds files read into catalogues."""

from __future__ import annotations

from pathlib import Path

import pytest
from reference_paths import need_shared

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.catalogue import Catalogue, CatalogueRegistry
from dsa_monitor.sab.lots import kit_from_lot, read_catalogue

# As tests/conftest.py's constants; not imported from there, since "conftest" may name another one.
TEST_DATA = Path(__file__).resolve().parents[1] / "data"
HLA_REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "hla_reference"
SAB_EXAMPLES = HLA_REFERENCE / "sab_examples"

LOTS = TEST_DATA / "lots"


def read(name: str, **kwargs) -> Catalogue:
    return read_catalogue((LOTS / name).read_bytes(), name, **kwargs)


@pytest.mark.parametrize(
    ("name", "kwargs", "vendor", "kit", "lot", "hla_class", "n_beads", "controls"),
    [
        (
            "3099001_3099002-SA1.eds",
            {},
            "immucor",
            "LSA1",
            "3099001_3099002-SA1",
            "I",
            10,
            {"NC": "NC", "PC": "PC"},
        ),
        (
            "LS2A01_lot099.csv",
            {},
            "onelambda",
            "LS2A01",
            "LS2A01NC99_099_00",
            "II",
            10,
            {"1": "NC", "2": "PC"},
        ),
        (
            "minimal_class1.csv",
            {"kit": "LS1A04", "lot": "LS1A04NC99_001_00"},
            "onelambda",
            "LS1A04",
            "LS1A04NC99_001_00",
            "I",
            6,
            {"1": "NC", "2": "PC"},
        ),
        (
            "minimal_class1.csv",
            {"lot": "LS1A04NC99_001_00"},
            "onelambda",
            "LS1A04",
            "LS1A04NC99_001_00",
            "I",
            6,
            {"1": "NC", "2": "PC"},
        ),
        (
            "minimal_class1.csv",
            {"lot": "X-7", "kit": "K1", "vendor": "immucor"},
            "immucor",
            "K1",
            "X-7",
            "I",
            6,
            {"1": "NC", "2": "PC"},
        ),
    ],
)
def test_catalogue_header(name, kwargs, vendor, kit, lot, hla_class, n_beads, controls):
    catalogue = read(name, **kwargs)
    assert (catalogue.vendor, catalogue.kit, catalogue.lot, catalogue.hla_class) == (
        vendor,
        kit,
        lot,
        hla_class,
    )
    assert len(catalogue.beads) == n_beads
    assert {b.bead_id: b.control for b in catalogue.beads if b.control} == controls


@pytest.mark.parametrize(
    ("name", "bead_id", "specificity", "serology", "epitopes", "region"),
    [
        ("3099001_3099002-SA1.eds", "101", ("A*01:01",), "A1", (), "3"),
        ("3099001_3099002-SA1.eds", "102", ("A*02:01",), "A2", (), "4"),  # pre-2010 A*0201
        ("3099001_3099002-SA1.eds", "103", ("A*24:02",), "A24(9)", ("Bw4",), "5"),
        ("3099001_3099002-SA1.eds", "107", ("C*03:04",), "Cw10(3)", (), "9"),  # Cw*0304
        ("LS2A01_lot099.csv", "7", ("DQA1*05:01", "DQB1*02:01"), "DQ2", (), None),
        ("LS2A01_lot099.csv", "9", ("DPA1*01:03", "DPB1*04:01"), None, (), None),  # "?"
        ("LS2A01_lot099.csv", "5", ("DRB3*02:02",), "DR52", (), None),
    ],
)
def test_bead_specificity(name, bead_id, specificity, serology, epitopes, region):
    bead = read(name).bead(bead_id)
    assert bead is not None
    assert (bead.specificity, bead.serology, bead.epitopes, bead.region) == (
        specificity,
        serology,
        epitopes,
        region,
    )


def test_eds_constants_and_qc_limits():
    catalogue = read("3099001_3099002-SA1.eds")
    bead = catalogue.bead("104")
    assert (bead.cutoff, bead.rad, bead.background_mfi, bead.lra_group) == (3.6, 2.0, 300.0, "2")
    assert catalogue.bead("NC").rad is None and catalogue.bead("PC").background_mfi == 1500.0
    assert catalogue.qc_limits == {
        "Con1Upper": 400.0,
        "Con1Lower": 50.0,
        "PCUpper": 25000.0,
        "PCLower": 9000.0,
        "MFIThreshold": 500.0,
    }


@pytest.mark.parametrize(
    ("old", "new", "dropped", "note"),
    [
        # A lot file whose NC window is upside down: every serum would fail QC with it.
        (
            "<Con1Upper>400</Con1Upper>",
            "<Con1Upper>100</Con1Upper>",
            {"Con1Upper", "Con1Lower"},
            "Con1Upper=100 is below Con1Lower=180 in the lot file: its NC bead limits are not used",
        ),
        (
            "<PCLower>9000</PCLower>",
            "<PCLower>30000</PCLower>",
            {"PCUpper", "PCLower"},
            "PCUpper=25000 is below PCLower=30000 in the lot file: its PC bead limits are not used",
        ),
    ],
)
def test_eds_control_limits_that_contradict_each_other_are_set_aside(old, new, dropped, note):
    text = (LOTS / "3099001_3099002-SA1.eds").read_text()
    if old.startswith("<Con1"):
        text = text.replace("<Con1Lower>50</Con1Lower>", "<Con1Lower>180</Con1Lower>")
    catalogue = read_catalogue(text.replace(old, new).encode(), "lot.eds")
    assert not dropped & set(catalogue.qc_limits) and catalogue.qc_limits  # the others kept
    assert [n.startswith(note) for n in catalogue.notes] == [True]
    assert "the vendor's defaults apply" in catalogue.notes[0]


def test_eds_test_file_with_con1upper_below_con1lower_keeps_its_other_limits():
    catalogue = read("inconsistent_limits-SA1.eds")
    assert "Con1Upper" not in catalogue.qc_limits and len(catalogue.notes) == 1


SHEET = "catalog,lot,bead_id,specificity,alpha_allele,beta_allele\n"


@pytest.mark.parametrize(
    ("data", "kwargs", "message", "line", "column"),
    [
        (
            SHEET + "LS1A04,L1,3,A*01:01,,A*01:01\nLS1A04,L1,3,A*02:01,,A*02:01\n",
            {},
            "bead 3 listed twice (first on line 2)",
            3,
            "bead_id",
        ),
        (
            SHEET + "LS1A04,L1,3,A*01:01,,\nLS1A04,L1,4,A*XY:01,,\n",
            {},
            "not a bead specificity",
            3,
            "specificity",
        ),
        (
            SHEET + "LS2A01,L1,7,DQA1*05:01&DQB1*02:01,DQA1*05:01,DQB1*03:01\n",
            {},
            "alpha/beta allele columns disagree",
            2,
            "specificity",
        ),
        (
            SHEET + "LS1A04,L1,3,A*01:01,,\nLS1A04,L2,4,A*02:01,,\n",
            {},
            "lot sheet names more than one lot",
            3,
            "lot",
        ),
        (SHEET + "LS1A04,L1,3,A*01:01,,\n", {"lot": "L9"}, "the file is for another lot", 2, "lot"),
        (
            SHEET + "LS1A04,L1,3,A*01:01,,\nLS1A04,L1,4,DRB1*01:01,,\n",
            {},
            "lot mixes class I and class II beads",
            None,
            None,
        ),
        (SHEET + "LS1A04,L1,3,A*01:01,,\n", {"hla_class": "II"}, "the beads are class I", None, None),
        ("bead_id,serology\n3,A1\n", {}, "lot sheet has no specificity column", 1, None),
        ("bead_id,specificity\n3,A*01:01\n", {"kit": "LS1A04"}, "lot sheet names no lot", None, None),
        ("bead_id,specificity\n3,A*01:01\n", {"lot": "LOT-7"}, "names no kit", None, None),
        ("bead_id,specificity\n,A*01:01\n", {"lot": "L", "kit": "K"}, "bead without an id", 2, "bead_id"),
        ("<ev2SA1><LotID>L1</LotID><Extension>SA1</Extension></ev2SA1>", {}, "no <AntigenIDs>", 1, None),
        (
            "<ev2SA1><LotID>L1</LotID><Extension>SA1</Extension><AntigenIDs>\n<AntigenID ID='1'>"
            "<Antigens><Antigen>A*01:01</Antigen></Antigens><RAD>1,2x</RAD></AntigenID>"
            "</AntigenIDs></ev2SA1>",
            {},
            "not a number",
            2,
            "AntigenID 1/RAD",
        ),
        (
            "<ev2SA1><LotID>L1</LotID><Extension>SA1</Extension><AntigenIDs>\n\n<AntigenID ID='1'>"
            "<Antigens /></AntigenID></AntigenIDs></ev2SA1>",
            {},
            "not a control bead",
            3,
            "Antigens",
        ),
        (
            "<ev2SA1><LotID>L1</LotID><Extension>XX9</Extension></ev2SA1>",
            {},
            "cannot tell the kit",
            1,
            "Extension",
        ),
        ("<ev2SA1>\n<LotID>L1</ev2SA1>", {}, "not well-formed XML", 2, None),
        (
            '<!DOCTYPE e [<!ENTITY big "xxxxxxxx">]><ev2SA1><LotID>&big;</LotID></ev2SA1>',
            {},
            "entity declarations or external references is refused",
            None,
            None,
        ),
    ],
)
def test_errors_name_file_line_column(data, kwargs, message, line, column):
    with pytest.raises(FileFormatError) as caught:
        read_catalogue(data.encode(), "lot.csv", **kwargs)
    error = caught.value
    assert message in error.message
    assert error.file == "lot.csv" and error.line == line
    if column is not None:
        assert error.column == column


@pytest.mark.parametrize(
    ("given", "accepted"),
    [("3099001_3099002-SA1", True), ("3099001 3099002-SA1", True), ("3099001_3099002-SA2", False)],
)
def test_caller_lot_must_match_the_files_own(given, accepted):
    if accepted:
        assert read("3099001_3099002-SA1.eds", lot=given).lot == "3099001_3099002-SA1"
    else:
        with pytest.raises(FileFormatError, match="the file is for another lot"):
            read("3099001_3099002-SA1.eds", lot=given)


def test_lot_sheet_semicolons_bom_and_crlf():
    data = "\ufeffBead ID;Specificity;Lot\r\n3;A*01:01;L-1\r\n4;B*08:01;L-1\r\n".encode()
    catalogue = read_catalogue(data, "sheet.csv", kit="LS1A04")
    assert [b.specificity for b in catalogue.beads] == [("A*01:01",), ("B*08:01",)]
    assert catalogue.lot == "L-1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3099001_3099002-SA1", ["3099001_3099002-SA1"]),  # exact
        ("3099001 3099002-SA1", ["3099001_3099002-SA1"]),  # MATCH IT! spelling
        ("lsa1 3099001-3099002 sa1", ["3099001_3099002-SA1"]),
        ("Run of 3099001_3099002-SA1 (v2)", ["3099001_3099002-SA1"]),  # lot inside the text
        ("3099001_3099002-SA2", []),  # other class: not this lot
        ("3099001", []),  # a fragment never selects a lot
        ("LABScreen Single Antigen Class II", []),
        ("LS2A01NC99_099_00", ["LS2A01NC99_099_00"]),
    ],
)
def test_registry_finds_lot_spellings(text, expected):
    registry = CatalogueRegistry([read("3099001_3099002-SA1.eds"), read("LS2A01_lot099.csv")])
    assert [c.lot for c in registry.find(text)] == expected


@pytest.mark.parametrize(
    ("lot", "kit"),
    [
        ("LS1A04NC27_015_00", "LS1A04"),
        ("LS2A01NC21_013_00", "LS2A01"),
        ("3008386 3008385-SA1", "LSA1"),
        ("3062145_3045216-SA2", "LSA2"),
        ("12345", None),
        ("LOT-7", None),
    ],
)
def test_kit_from_lot(lot, kit):
    assert kit_from_lot(lot) == kit


def test_short_lot_names_are_not_found_inside_other_text():
    short = Catalogue(vendor="onelambda", kit="LS1A04", lot="015", hla_class="I", beads=())
    registry = CatalogueRegistry([short])
    assert registry.find("LS1A04 015") == [] and registry.find("015") == [short]


# Real material from ../shared (never copied into the project).


@pytest.mark.parametrize(
    ("name", "kit", "lot", "hla_class", "n_beads", "bead_id", "specificity"),
    [
        ("OneLambda_LS1A04_lot015_beads.csv", "LS1A04", "LS1A04NC27_015_00", "I", 97, "5", ("A*02:03",)),
        (
            "OneLambda_LS2A01_lot013_beads.csv",
            "LS2A01",
            "LS2A01NC21_013_00",
            "II",
            95,
            "98",
            ("DPA1*01:05", "DPB1*28:01"),
        ),
        (
            "OneLambda_LS2A01_lot016_beads.csv",
            "LS2A01",
            "LS2A01NC27_016_00",
            "II",
            95,
            "39",
            ("DQA1*02:01", "DQB1*02:01"),
        ),
    ],
)
def test_real_one_lambda_lot_sheets(name, kit, lot, hla_class, n_beads, bead_id, specificity):
    path = need_shared(HLA_REFERENCE / "bead_catalogues" / name)
    catalogue = read_catalogue(path.read_bytes(), name)
    assert (catalogue.kit, catalogue.lot, catalogue.hla_class) == (kit, lot, hla_class)
    assert len(catalogue.beads) == n_beads
    assert catalogue.bead(bead_id).specificity == specificity


def test_real_immucor_eds_with_con1upper_below_con1lower_registers_without_them():
    path = need_shared(SAB_EXAMPLES / "hlapro_luminex" / "3012456_3065421-SA1.eds")
    catalogue = read_catalogue(path.read_bytes(), path.name)
    assert catalogue.notes[0].startswith("Con1Upper=100 is below Con1Lower=180 in the lot file")
    assert "Con1Upper" not in catalogue.qc_limits and "PCLower" in catalogue.qc_limits


def test_real_immucor_eds():
    path = need_shared(SAB_EXAMPLES / "hlapro_luminex" / "3012456_3065421-SA1.eds")
    catalogue = read_catalogue(path.read_bytes(), path.name)
    assert "Con1Upper" not in catalogue.qc_limits
    assert (catalogue.vendor, catalogue.kit, catalogue.lot, catalogue.hla_class) == (
        "immucor",
        "LSA1",
        "3012456_3065421-SA1",
        "I",
    )
    assert [b.bead_id for b in catalogue.beads] == ["NC", "PC", "103", "104", "105", "106"]
    b64 = catalogue.bead("105")
    assert (b64.specificity, b64.epitopes, b64.serology, b64.cutoff, b64.rad) == (
        ("B*14:01",),
        ("Bw6",),
        "B64(14)",
        3.79,
        1.304,
    )
    assert catalogue.qc_limits["PCLower"] == 13000.0 and catalogue.qc_limits["MFIThreshold"] == 500
    class_ii = need_shared(SAB_EXAMPLES / "hlapro_luminex" / "3062145_3045216-SA2.eds")
    catalogue = read_catalogue(class_ii.read_bytes(), class_ii.name)
    assert catalogue.hla_class == "II" and catalogue.kit == "LSA2"
    assert catalogue.bead("205").specificity == ("DQA1*02:01", "DQB1*02:01")
