"""HAML 0.4.x input: samples, panels and beads from the community's XML exchange format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from reference_paths import need_shared

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.formats import haml, parse_file
from dsa_monitor.sab.model import ParseOptions
from dsa_monitor.sab.qc import evaluate_qc

# As tests/conftest.py's constants; not imported from there, since "conftest" may name another one.
TEST_DATA = Path(__file__).resolve().parents[1] / "data"
SAB_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hla_reference" / "sab_examples"
OWN = TEST_DATA / "haml" / "two_panels.xml"


def parse(text: str, **kwargs):
    return haml.parse(text, "file.xml", ParseOptions(**kwargs))


@pytest.fixture(scope="module")
def own():
    return parse(OWN.read_text())


def test_samples_panels_and_ids(own):
    assert own.format == "haml"
    one, two = own.samples
    assert (one.sample_id, one.patient_id, one.vendor, one.kit, one.lot, one.hla_class) == (
        "S-2025-117",
        "P-0042",
        "onelambda",
        "LS1A04",
        "LS1A04NC99_020_00",
        "I",
    )
    assert (one.run_date, one.draw_date) == (dt.date(2025, 3, 4), dt.date(2025, 3, 1))
    assert (two.sample_id, two.vendor, two.kit, two.lot, two.hla_class, two.run_date) == (
        "S-2025-188",
        "immucor",
        "LSA2",
        "3099101 3099102-SA2",
        "II",
        dt.date(2025, 5, 20),
    )


def test_patient_names_are_not_kept(own):
    assert "Jane" not in repr(own) and "Roe" not in repr(own)


@pytest.mark.parametrize(
    ("sample", "bead_id", "specificity", "raw", "adjusted", "count", "assignment", "control"),
    [
        (0, "1", (), 41, None, 180, None, "NC"),
        (0, "2", (), 17250.5, None, 175, None, "PC"),
        (0, "3", ("A*01:01",), 5230, 5101, 160, "Positive", None),
        (0, "4", ("B*07:02",), 88, 0, None, "1", None),  # HLA-B*0702: pre-2010 name, prefix
        (0, "5", ("C*03:04",), 1204, None, None, None, None),  # Cw*0304
        (1, "DRB1*15:01", ("DRB1*15:01",), 2210, None, None, "Positive", None),
        (1, "DQA1*05:01,DQB1*02:01", ("DQA1*05:01", "DQB1*02:01"), 95, None, None, None, None),
    ],
)
def test_bead_values(own, sample, bead_id, specificity, raw, adjusted, count, assignment, control):
    bead = {b.bead_id: b for b in own.samples[sample].beads}[bead_id]
    assert (bead.specificity, bead.raw_mfi, bead.normalized_mfi, bead.count) == (
        specificity,
        raw,
        adjusted,
        count,
    )
    assert (bead.vendor_assignment, bead.control) == (assignment, control)


def test_every_interpretation_is_kept(own):
    bead = own.samples[0].beads[2]
    assert bead.serology == "A1"
    assert bead.extra == {
        "classification: HLA Fusion": "Positive",
        "bead-rank: HLA Fusion": "8",
        "classification: Lab review": "Questionable",
    }


def test_bead_id_echoing_the_mfi_falls_back_to_specificity(own):
    one, two = own.samples
    assert not any("bead-id" in w for w in one.warnings)
    assert any("bead-id values are not bead numbers" in w for w in two.warnings)
    assert two.beads[2].extra["haml-bead-id"] == "310"
    assert "the sending laboratory rejected this assay: PC bead below limit" in two.warnings


@pytest.mark.parametrize(
    ("ids", "raws", "plausible"),
    [
        (["3", "4", "5"], ["121", "74", "71"], True),
        (["121", "74", "5"], ["121", "74", "71"], False),  # 2 of 3 echo the MFI
        (["3", "3", "5"], ["121", "74", "71"], False),  # repeated
        (["3", "4", "1234.5"], ["121", "74", "71"], False),  # not id-shaped
        (["3", "74", "5", "6", "7"], ["121", "74", "71", "1", "2"], True),  # one echo: chance
    ],
)
def test_bead_id_plausibility(ids, raws, plausible):
    beads = "".join(
        f"<bead><bead-info><bead-id>{i}</bead-id><HLA-target-type>A*{n + 1:02d}:01"
        f"</HLA-target-type></bead-info><raw-data><sample-raw-MFI>{r}</sample-raw-MFI>"
        "</raw-data></bead>"
        for n, (i, r) in enumerate(zip(ids, raws, strict=True))
    )
    text = (
        f"<haml><patient><sample><sample-id>S1</sample-id><assay><working-sample>"
        f"<solid-phase-panel>{beads}</solid-phase-panel></working-sample></assay></sample>"
        "</patient></haml>"
    )
    sample = parse(text).samples[0]
    assert ([b.bead_id for b in sample.beads] == ids) is plausible
    assert (not sample.warnings) is plausible


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<?xml version="1.0"?>\n<haml xmlns="urn:HAML.Namespace" version="0.4.4">', True),
        ("<!-- export -->\n<h:haml xmlns:h='urn:HAML.Namespace'>", True),
        ("\ufeff<haml>", True),
        ("<hamlet/>", False),
        ('<ev2SA1 Version="2">', False),
        ('"Program","xPONENT"', False),
    ],
)
def test_sniff(text, expected):
    assert haml.sniff(text) is expected


def test_detected_through_parse_file():
    parsed = parse_file(OWN.read_bytes(), "two_panels.xml")
    assert parsed.format == "haml" and len(parsed.samples) == 2


PANEL = (
    "<haml><patient><sample><sample-id>S1</sample-id><assay><assay-date>{date}</assay-date>"
    "<working-sample><solid-phase-panel>\n<bead><bead-info><bead-id>3</bead-id>"
    "<HLA-target-type>{target}</HLA-target-type></bead-info>\n<raw-data>"
    "<sample-raw-MFI>{mfi}</sample-raw-MFI></raw-data></bead>"
    "</solid-phase-panel></working-sample></assay></sample></patient></haml>"
)


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("<results/>", "not a HAML document", 1, None),
        (PANEL.format(date="2025-01-02", target="A*01:01", mfi="12k"), "not a number", 3, "sample-raw-MFI"),
        (
            PANEL.format(date="2025-01-02", target="A*01:01+B*07:02", mfi="1"),
            "not a bead specificity",
            2,
            "HLA-target-type",
        ),
        (PANEL.format(date="03-04-2025", target="A*01:01", mfi="1"), "ambiguous date", 1, "assay-date"),
        (
            "<haml><patient><sample><sample-id>S1</sample-id></sample></patient></haml>",
            "holds no solid-phase panel",
            1,
            None,
        ),
        (
            '<haml version="0.6.1"><patient><sample><sample-id>S1</sample-id><working-sample>'
            "<assay><target-bead-observation/></assay></working-sample></sample></patient></haml>",
            "HAML version 0.6.1 is not read by this service",
            1,
            None,
        ),
        ("<haml>\n<patient>", "not well-formed XML: no element found", 2, "10"),
        ('<!DOCTYPE haml [<!ENTITY x "y">]><haml>&x;</haml>', "refused", None, None),
    ],
)
def test_errors_are_located(text, message, line, column):
    with pytest.raises(FileFormatError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.line == line and caught.value.column == column


def test_non_iso_date_with_the_labs_format():
    text = PANEL.format(date="03-04-2025", target="A*01:01", mfi="1")
    assert parse(text, date_format="%d-%m-%Y").samples[0].run_date == dt.date(2025, 4, 3)


# Real HAML files from ../shared.


def shared(*parts: str) -> str:
    return need_shared(SAB_EXAMPLES.joinpath(*parts)).read_text()


@pytest.mark.parametrize(
    ("name", "lot", "kit", "hla_class", "n_beads", "bead_id", "specificity", "raw", "adjusted"),
    [
        ("OLSampleCI2025-05-13_haml.xml", "LS1A04NC27_015_00", "LS1A04", "I", 97, "3", ("A*01:01",), 121, 0),
        (
            "OLSampleCII2025-05-13_haml.xml",
            "LS2A01NC27_016_00",
            "LS2A01",
            "II",
            95,
            "39",
            ("DQA1*02:01", "DQB1*02:01"),
            176,
            0,
        ),
    ],
)
def test_real_one_lambda_haml(name, lot, kit, hla_class, n_beads, bead_id, specificity, raw, adjusted):
    parsed = parse(shared("haml-interpretation", name))
    assert len(parsed.samples) == 5
    first = parsed.samples[0]
    assert (first.sample_id, first.patient_id, first.run_date) == (
        "LS-NC 026",
        None,
        dt.date(2024, 7, 3),
    )  # patient-id "?" is no identifier
    assert (first.lot, first.kit, first.hla_class, len(first.beads)) == (lot, kit, hla_class, n_beads)
    bead = {b.bead_id: b for b in first.beads}[bead_id]
    assert (bead.specificity, bead.raw_mfi, bead.normalized_mfi, bead.vendor_assignment) == (
        specificity,
        raw,
        adjusted,
        "1",
    )
    assert all(not s.warnings for s in parsed.samples)


def test_real_matchit_haml_bead_ids_are_mfis():
    parsed = parse(shared("haml-interpretation", "MatchIt.xml"))
    assert len(parsed.samples) == 6 and all(len(s.beads) == 96 for s in parsed.samples)
    first = parsed.samples[0]
    assert (first.sample_id, first.lot, first.kit, first.run_date) == (
        "19s05189",
        "3008386 3008385-SA1",
        "LSA1",
        dt.date(2019, 12, 10),
    )
    a1 = first.beads[0]
    assert (a1.bead_id, a1.raw_mfi, a1.vendor_assignment, a1.extra["haml-bead-id"]) == (
        "A*01:01",
        128,
        "Negative",
        "128",
    )
    assert any("bead-id values are not bead numbers" in w for w in first.warnings)


def test_real_ihiw_attribute_layout():
    text = shared("ihiw_converters", "1497_1586843147576_HAML_BenTestMatchit.csv.haml")
    with pytest.raises(FileFormatError, match="ambiguous date"):
        parse(text)  # sample-test-date="04-12-2019"
    parsed = parse(text, date_format="%d-%m-%Y")
    assert len(parsed.samples) == 13
    first = parsed.samples[0]
    assert (first.sample_id, first.patient_id, first.run_date, first.hla_class) == (
        "1111",
        "13",
        dt.date(2019, 12, 4),
        "II",
    )
    dq = {b.bead_id: b for b in first.beads}["DQA1*05:01,DQB1*02:01"]
    assert (dq.specificity, dq.raw_mfi) == (("DQA1*05:01", "DQB1*02:01"), 9)
    assert any("alpha/beta chain pair(s)" in w for w in first.warnings)
    assert not any("bead-id" in w for w in first.warnings)


def test_real_immunomath_sample():
    parsed = parse(shared("immunomath_haml", "sample_file_haml_0_4_4.xml"))
    (sample,) = parsed.samples
    assert (sample.sample_id, sample.patient_id, sample.kit, sample.lot) == (
        "sample_3",
        "Patient_440223",
        "LS1A04_extended",
        "12345",
    )
    assert (sample.draw_date, sample.run_date) == (dt.date(2024, 12, 11), dt.date(2024, 12, 12))
    assert [b.control for b in sample.beads[:2]] == ["NC", "PC"]
    assert sample.beads[2].extra["classification: Loren Gragert"] == "Negative"
    assert any("rejected this assay" in w for w in sample.warnings)


def test_assay_rejected_by_the_sending_lab_fails_qc(own):
    one, two = own.samples
    assert (one.rejected_by_lab, two.rejected_by_lab) == (None, "HAML reject-assay")
    assert two.rejection_reason == "PC bead below limit"
    verdict = evaluate_qc(two)
    assert verdict.status == "fail"
    assert verdict.reasons[0] == (
        "rejected by the sending laboratory (HAML reject-assay): PC bead below limit"
    )
    assert not any("rejected" in reason for reason in evaluate_qc(one).reasons)


@pytest.mark.parametrize(
    ("flag", "reason", "rejected", "expected"),
    [
        ("true", "", True, "rejected by the sending laboratory (HAML reject-assay)"),
        ("1", "haemolysed", True, "rejected by the sending laboratory (HAML reject-assay): haemolysed"),
        (" TRUE ", "", True, "rejected by the sending laboratory (HAML reject-assay)"),
        ("false", "", False, None),
        ("0", "", False, None),
    ],
)
def test_reject_assay_values(flag, reason, rejected, expected):
    text = OWN.read_text().replace(
        "<h:reject-assay>true</h:reject-assay>", f"<h:reject-assay>{flag}</h:reject-assay>"
    )
    text = text.replace(
        "<h:reject-reason>PC bead below limit</h:reject-reason>",
        f"<h:reject-reason>{reason}</h:reject-reason>" if reason else "",
    )
    two = parse(text).samples[1]
    verdict = evaluate_qc(two)
    assert (two.rejected_by_lab is not None) == rejected
    if expected:
        assert verdict.status == "fail" and verdict.reasons[0] == expected
    else:
        assert not any("rejected" in r for r in verdict.reasons)
