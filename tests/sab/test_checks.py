"""One check of identifiers and numbers for every reader (issue 16): worked examples per layout."""

import pytest
from reference_paths import TEST_DATA

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.checks import identifier_problem, value_problem
from dsa_monitor.sab.formats import parse_file

HAML = (TEST_DATA / "haml" / "two_panels.xml").read_text()
FUSION = (TEST_DATA / "ingest" / "fusion_two_samples.csv").read_text()
GENERIC = (
    "sample_id,patient_id,lot,bead_id,specificity,raw_mfi,count\n"
    "S-1,P-17,LOT1,3,A*01:01,100,120\nS-1,P-17,LOT1,4,A*02:01,200,130\n"
)


def refusal(text: str, name: str = "run.csv") -> FileFormatError:
    with pytest.raises(FileFormatError) as caught:
        parse_file(text.encode(), name)
    return caught.value


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("raw_mfi", 0.0, None),
        ("raw_mfi", 30000.5, None),
        ("raw_mfi", -1.0, "negative value"),
        ("raw_mfi", float("nan"), "not a finite number"),
        ("raw_mfi", float("inf"), "not a finite number"),
        ("raw_mfi", 1e30, "over 10,000,000"),
        ("bcm", -250.0, None),
        ("bcm", -1e12, "below -10,000,000"),
        ("count", 120, None),
        ("count", 12345678901234567890, "over 10,000,000"),
        ("count", 101.5, "not a whole number"),
    ],
)
def test_value_ranges(field, value, problem):
    assert value_problem(field, value) == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("S24-003", None),
        ("S 24/003 é", None),
        ("S24\n003", "holds a line break ('\\n' at character 4)"),
        ("S24\r003", "holds a line break ('\\r' at character 4)"),
        ("S24\u2028", "holds a line break ('\\u2028' at character 4)"),
        ("S24\t003", "holds a control character ('\\t' at character 4)"),
        ("S24\x00", "holds a control character ('\\x00' at character 4)"),
        ("S24\x85", "holds a control character ('\\x85' at character 4)"),
    ],
)
def test_identifier_problems(text, problem):
    assert identifier_problem(text) == problem


def test_a_huge_bead_count_is_refused_at_its_cell_with_its_exact_digits():
    """Issue 16: 12345678901234567890 reached SQLite and was an OverflowError (a 500)."""
    error = refusal(GENERIC.replace("130", "12345678901234567890"))
    assert (error.line, error.column, error.value) == (3, "count", 12345678901234567890)
    assert "over 10,000,000" in error.message


@pytest.mark.parametrize(
    ("old", "new", "column", "problem"),
    [
        ("<h:sample-raw-MFI>41<", "<h:sample-raw-MFI>-41<", "sample-raw-MFI", "negative value"),
        ("<h:sample-raw-MFI>41<", "<h:sample-raw-MFI>NaN<", "sample-raw-MFI", "not a finite"),
        ("<h:sample-raw-MFI>41<", "<h:sample-raw-MFI>INF<", "sample-raw-MFI", "not a finite"),
        ("<h:bead-count>180<", "<h:bead-count>inf<", "bead-count", "not a finite"),
        ("<h:bead-count>180<", "<h:bead-count>nan<", "bead-count", "not a finite"),
        ("<h:bead-count>180<", "<h:bead-count>18.5<", "bead-count", "not a whole number"),
        ("<h:bead-count>180<", "<h:bead-count>12345678901234567890<", "bead-count", "over"),
    ],
)
def test_haml_values_pass_the_same_check_as_the_csv_readers(old, new, column, problem):
    """Issue 16: the HAML reader took negative, infinite and NaN MFI (a bare float())."""
    assert old in HAML
    error = refusal(HAML.replace(old, new, 1), "run.xml")
    assert error.column == column and problem in error.message and error.line is not None


@pytest.mark.parametrize(
    ("text", "old", "new", "line", "column"),
    [
        (
            FUSION,
            '"S24-001";"2024-03-25";"LS2A01NC21_013_00";"001"',
            '"S24\n-001";"2024-03-25";"LS2A01NC21_013_00";"001"',
            2,
            "SampleIDName",
        ),
        (FUSION, '"P-17"', '"P-\x8517"', 2, "PatientID"),
        (FUSION, '"LS2A01NC21_013_00"', '"LS2A01NC21\t013_00"', 2, "CatalogID"),
        (GENERIC, "LOT1,3", '"LOT\r1",3', 2, "lot"),
        (HAML, "<h:sample-id>S-2025-117<", "<h:sample-id>S-2025-117&#x9b;x<", 9, "sample-id"),  # its element
    ],
)
def test_identifiers_with_line_breaks_or_control_characters_are_refused_where_they_are(
    text, old, new, line, column
):
    """Issue 16: a quoted Fusion sample ID holding a line break became a poison e-mail."""
    assert old in text
    error = refusal(text.replace(old, new), "run.xml" if text is HAML else "run.csv")
    assert (error.line, error.column) == (line, column)
    assert "line break" in error.message or "control character" in error.message


def test_sound_files_still_read():
    assert len(parse_file(GENERIC.encode(), "run.csv").samples) == 1
    assert len(parse_file(HAML.encode(), "run.xml").samples) >= 2
