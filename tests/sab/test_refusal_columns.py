"""Cell-level refusals name their line and their column (issue 16): the sample-level fields of the
row-per-bead readers, the xPONENT value blocks, HAML identifiers and numbers at their own element."""

import csv

import pytest
from reference_paths import TEST_DATA
from sab.test_xponent import run as xponent_run

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.formats import parse_file

FUSION = (TEST_DATA / "ingest" / "fusion_two_samples.csv").read_text()
HAML = (TEST_DATA / "haml" / "two_panels.xml").read_text()
XPONENT = (TEST_DATA / "xponent" / "lsa1_run.csv").read_text()
GENERIC = (
    "sample_id,patient_id,draw_date,lot,bead_id,specificity,raw_mfi\n"
    "S-1,P-17,2024-03-01,L1,1,A*01:01,100\n"
    "S-1,P-18,2024-03-01,L1,2,A*02:01,200\n"
    "S-2,P-17,2024-03-01,L1,1,A*01:01,100\n"
    "S-2,P-17,2024-03-02,L1,2,A*02:01,200\n"
)


def refusal(text: str, name: str) -> FileFormatError:
    with pytest.raises(FileFormatError) as caught:
        parse_file(text.encode(), name)
    return caught.value


def line_of(text: str, needle: str, after: int = 0) -> int:
    """The 1-based number of the first line after line ``after`` holding ``needle``."""
    lines = text.splitlines()
    return next(n for n in range(after, len(lines)) if needle in lines[n]) + 1


def test_a_sample_changing_patient_is_refused_at_the_patient_cell():
    error = refusal(GENERIC, "run.csv")
    assert (error.line, error.column, error.value) == (3, "patient_id", "P-18")
    assert "changes patient" in error.message


def test_a_sample_changing_draw_date_is_refused_at_the_draw_date_cell():
    error = refusal(GENERIC.replace("S-1,P-18", "S-1,P-17"), "run.csv")
    assert (error.line, error.column) == (5, "draw_date")
    assert "changes draw date" in error.message


def test_a_fusion_sample_changing_patient_names_the_patient_column():
    lines = FUSION.splitlines(keepends=True)
    lines[2] = lines[2].replace('"P-17"', '"P-99"', 1)
    assert lines[2] != FUSION.splitlines(keepends=True)[2]
    error = refusal("".join(lines), "run.csv")
    assert (error.line, error.column, error.value) == (3, "PatientID", "P-99")


@pytest.mark.parametrize(
    ("block", "value", "problem"),
    [
        ("Median", "-120", "negative value"),
        ("Median", "99999999999", "over 10,000,000"),
        ("Count", "12345678901234567890", "over 10,000,000"),
    ],
)
def test_an_xponent_value_is_refused_at_its_analyte_column(block, value, problem):
    """The block is not a column: the refusal names the analyte's column and the well's line."""
    start = line_of(XPONENT, f'"DataType:","{block}"')
    line = line_of(XPONENT, '"S-0102"', after=start)
    lines = XPONENT.splitlines(keepends=True)
    cells = next(csv.reader([lines[line - 1]]))
    cells[5] = value  # the analyte "102"
    lines[line - 1] = ",".join(f'"{cell}"' for cell in cells) + "\n"
    with pytest.raises(FileFormatError) as caught:
        xponent_run("".join(lines))
    error = caught.value
    assert (error.line, error.column) == (line, "102")
    assert problem in error.message


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("<h:sample-raw-MFI>41<", "<h:sample-raw-MFI>-41<", "sample-raw-MFI"),
        ("<h:bead-count>180<", "<h:bead-count>18.5<", "bead-count"),
        ("<h:patient-id>", "<h:patient-id>\u0091", "patient-id"),
        ("<h:lot-number>", "<h:lot-number>\u009b", "lot-number"),
    ],
)
def test_haml_refusals_name_the_element_holding_the_value(old, new, column):
    """At the element's own line: not the bead's or the panel's, which may be many lines up."""
    assert old in HAML
    error = refusal(HAML.replace(old, new, 1), "run.xml")
    assert error.column == column
    assert error.line == line_of(HAML, f"<h:{column}>")
