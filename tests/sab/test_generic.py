"""The documented generic CSV (docs/generic-csv.md): every column, both locales, refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from reference_paths import TEST_DATA

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.formats import generic, parse_file
from dsa_monitor.sab.model import ParseOptions

DATA = TEST_DATA / "generic"
DOC = Path(__file__).resolve().parents[2] / "docs" / "generic-csv.md"


def _parse(name):
    return parse_file((DATA / name).read_bytes(), name)


def test_both_classes_grouped_by_sample_and_lot():
    parsed = _parse("both_classes.csv")
    assert parsed.format == "generic"
    keys = [(s.sample_id, s.lot, s.hla_class, len(s.beads)) for s in parsed.samples]
    assert keys == [
        ("S-001", "LS1A04NC27_015_00", "I", 4),
        ("S-001", "LS2A01NC27_016_00", "II", 3),
        ("S-002", "3008523 3008518-SA2", "II", 1),
    ]
    first = parsed.samples[0]
    assert (first.patient_id, first.draw_date, first.run_date, first.vendor, first.kit) == (
        "P-17",
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 4),
        "onelambda",
        "LS1A04",
    )
    assert [b.control for b in first.beads] == ["NC", "PC", None, None]
    a2 = first.beads[3]
    assert (a2.specificity, a2.raw_mfi, a2.normalized_mfi, a2.count) == (("A*02:01",), 9120.0, 9050.75, 101)
    assert a2.extra == {"comment": "checked twice"}
    dq = parsed.samples[1].beads[2]
    assert dq.specificity == ("DQA1*05:01", "DQB1*02:01") and dq.normalized_mfi == -12.5
    dr = parsed.samples[2].beads[0]
    assert (dr.bcm, dr.vendor_assignment, parsed.samples[2].run_date) == (2150, "Positive", None)


def test_semicolon_decimal_comma_bom_crlf():
    [sample] = _parse("semicolon_decimal_comma_bom_crlf.csv").samples
    assert [(b.bead_id, b.raw_mfi, b.bcm) for b in sample.beads] == [
        ("1", 52.5, None),
        ("2", 16890.0, None),
        ("3", 410.25, -3.5),
    ]
    assert sample.hla_class == "I"


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("iso_dates_only.csv", "column draw_date: not a date in the format %Y-%m-%d"),
        ("spec_and_control.csv", "a bead needs a specificity or a control mark (not both)"),
    ],
)
def test_malformed_files(name, fragment):
    with pytest.raises(FileFormatError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        _parse(name)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("sample_id,bead_id,raw_mfi\nS,1,5\n", "specificity (or control)"),
        (
            "sample_id,bead_id,specificity,raw_mfi,class\nS,1,A*01:01,5,III\n",
            "column class: unknown value (found 'III', expected I or II)",
        ),
        ("sample_id,bead_id,specificity,raw_mfi,control\nS,1,,5,XX\n", "expected NC, PC or empty"),
        ("sample_id,bead_id,specificity,raw_mfi\nS,1,A*01:01,\n", "column raw_mfi: no raw MFI"),
        ("sample_id,bead_id,specificity,raw_mfi,count\nS,1,A*01:01,5,-1\n", "column count: negative value"),
        (
            "sample_id,bead_id,specificity,raw_mfi,class\nS,1,A*01:01,5,I\nS,2,A*02:01,5,II\n",
            "sample 'S' changes class",
        ),
        (
            "sample_id,bead_id,specificity,raw_mfi,patient_id\nS,1,A*01:01,5,P1\nS,2,A*02:01,5,P2\n",
            "sample 'S' changes patient from P1",
        ),
    ],
)
def test_row_errors(text, fragment):
    with pytest.raises(FileFormatError) as caught:
        generic.parse(text, "g.csv", ParseOptions())
    assert fragment in caught.value.message


def test_patient_name_columns_are_dropped_and_reported():
    text = "sample_id,patient_name,bead_id,specificity,raw_mfi\nS,Jan Smit,1,A*01:01,5\n"
    parsed = generic.parse(text, "g.csv", ParseOptions())
    assert "Jan Smit" not in repr(parsed)
    assert parsed.warnings == [
        "column(s) 'patient_name' hold patient-identifying data: present in the file, not kept"
    ]


def test_every_column_the_parser_reads_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    for column in (*generic.REQUIRED, *generic.OPTIONAL):
        assert f"| `{column}` |" in doc, column
