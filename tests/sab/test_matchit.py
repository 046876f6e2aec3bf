"""Immucor MATCH IT! exports: real IHIW files, heterodimer row pairs, no patient names kept."""

from __future__ import annotations

import datetime as dt

import pytest
from reference_paths import SAB_EXAMPLES, TEST_DATA, need_shared

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab.formats import matchit, parse_file
from dsa_monitor.sab.model import ParseOptions

DATA = TEST_DATA / "matchit"
DAY_FIRST = ParseOptions(date_format="%d-%m-%Y")


def _parse(path, options=DAY_FIRST):
    return parse_file(path.read_bytes(), path.name, options=options)


def _no_names(parsed, names):
    text = repr(parsed)
    return not any(name in text for name in names)


def test_real_class_i_export():
    path = need_shared(SAB_EXAMPLES / "ihiw_converters" / "HAMLMatchItImmucor.csv")
    parsed = _parse(path)
    assert parsed.format == "matchit"
    assert [s.sample_id for s in parsed.samples] == [
        "19s05189",
        "19s05214",
        "19s05226",
        "19s05237",
        "19s05246",
        "19s05282",
    ]
    first = parsed.samples[0]
    assert (first.vendor, first.kit, first.lot, first.hla_class, first.run_date) == (
        "immucor",
        "LSA1",
        "3008386 3008385-SA1",
        "I",
        dt.date(2019, 12, 10),
    )
    assert len(first.beads) == 96 and first.patient_id is None
    bead = first.beads[11]
    assert (bead.bead_id, bead.specificity, bead.raw_mfi, bead.vendor_assignment) == (
        "A*25:01",
        ("A*25:01",),
        1341.0,
        "Positive",
    )
    assert _no_names(parsed, ["Patient 1", "Patient 6"])
    assert "'Patient Name'" in parsed.warnings[0]


def test_real_class_ii_export_joins_alpha_beta_rows():
    path = need_shared(SAB_EXAMPLES / "ihiw_converters" / "HAMLMatchItImmucorKlasseII.csv")
    parsed = _parse(path)
    assert len(parsed.samples) == 13
    assert all(len(s.beads) == 96 and s.hla_class == "II" for s in parsed.samples)
    first = parsed.samples[0]
    pairs = [b for b in first.beads if len(b.specificity) == 2]
    assert len(pairs) == 58
    assert pairs[0].bead_id == "DQA1*02:01~DQB1*02:01"
    assert pairs[0].specificity == ("DQA1*02:01", "DQB1*02:01")
    assert first.warnings == []


def test_real_export_dates_are_ambiguous_without_a_configured_format():
    path = need_shared(SAB_EXAMPLES / "ihiw_converters" / "HAMLMatchItImmucor.csv")
    with pytest.raises(FileFormatError) as caught:
        _parse(path, ParseOptions())
    assert (caught.value.line, caught.value.column, caught.value.value) == (2, "Run Date", "10-12-2019")
    assert "ambiguous date" in caught.value.message


def test_padded_class_i_two_samples_unambiguous_dates():
    parsed = _parse(DATA / "class1_padded.csv", ParseOptions())
    first, second = parsed.samples
    assert (first.sample_id, second.sample_id) == ("26s00101", "26s00102")
    assert first.run_date == dt.date(2026, 11, 25)
    assert [b.bead_id for b in first.beads] == ["A*01:01", "A*02:01", "B*07:02", "B*44:02", "C*07:02"]
    assert second.beads[2].vendor_assignment == "Positive"
    assert _no_names(parsed, ["Jansen", "Vries"])


def test_class_ii_pairs_and_a_lone_chain():
    [sample] = _parse(DATA / "class2_pairs.csv").samples
    assert [b.specificity for b in sample.beads] == [
        ("DRB1*01:01",),
        ("DRB3*02:02",),
        ("DQA1*05:01", "DQB1*02:01"),
        ("DQA1*02:01", "DQB1*02:02"),
        ("DPA1*01:03", "DPB1*04:01"),
        ("DPB1*28:01",),
    ]
    assert sample.beads[2].line == 4 and sample.beads[2].raw_mfi == 8830
    assert sample.warnings == ["line 10: DPB1*28:01 without its partner chain; kept as a single-allele bead"]


def test_windows_encoding_needs_configuring_and_names_never_kept():
    path = DATA / "cp1252_names.csv"
    with pytest.raises(FileFormatError, match="not valid utf-8 text: byte 0xFC"):
        _parse(path)
    parsed = _parse(path, ParseOptions(encoding="cp1252"))
    assert len(parsed.samples[0].beads) == 2
    assert _no_names(parsed, ["Müller", "Jürgen"])


HEADER = "Sample ID,Patient Name,Lot ID,Run Date,Allele,Assignment,Raw Value\n"


@pytest.mark.parametrize(
    "rows, fragment",
    [
        ("S1,X,1 2-SA1,2026-01-02,A*01:01,Negative,-5\n", "column Raw Value: negative value"),
        ("S1,X,1 2-SA1,2026-01-02,A*01:01,Negative,abc\n", "column Raw Value: not a number"),
        (
            "S1,X,1 2-SA1,2026-01-02,A*01:01,Negative,5\nS1,X,1 2-SA1,2026-01-02,A*01:01,Negative,6\n",
            "line 3: bead 'A*01:01' of sample 'S1' appears twice (first on line 2)",
        ),
        ("S1,X,1 2-SA2,2026-01-02,A*01:01,Negative,5\n", "class I alleles (A*01:01) in a class II"),
        ("S1,X,,2026-01-02,A*01:01,Negative,5\n", "column Lot ID: empty lot"),
    ],
)
def test_row_errors(rows, fragment):
    with pytest.raises(FileFormatError) as caught:
        matchit.parse(HEADER + rows, "m.csv", ParseOptions())
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    "lot, expected",
    [
        ("3008386 3008385-SA1", ("LSA1", "I")),
        ("3008523 3008518-SA2", ("LSA2", "II")),
        ("something", (None, None)),
    ],
)
def test_lot_class(lot, expected):
    assert matchit.lot_class(lot) == expected
