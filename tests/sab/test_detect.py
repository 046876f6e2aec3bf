"""``parse_file``: the one entry point detects each layout from content and refuses the rest."""

from __future__ import annotations

import pytest
from reference_paths import SAB_EXAMPLES, TEST_DATA, need_shared

from dsa_monitor.errors import FileFormatError
from dsa_monitor.sab import formats
from dsa_monitor.sab.formats import FORMATS, detect_format, parse_file
from dsa_monitor.sab.model import ParseOptions

DAY_FIRST = ParseOptions(date_format="%d-%m-%Y")


@pytest.mark.parametrize(
    "path, expected",
    [
        ("fusion/class1_semicolon_decimal_comma.csv", "fusion"),
        ("fusion/class2_comma_decimal_point.csv", "fusion"),
        ("matchit/class1_padded.csv", "matchit"),
        ("matchit/class2_pairs.csv", "matchit"),
        ("generic/both_classes.csv", "generic"),
        ("generic/semicolon_decimal_comma_bom_crlf.csv", "generic"),
    ],
)
def test_our_files_are_detected(path, expected):
    assert parse_file((TEST_DATA / path).read_bytes(), path, options=DAY_FIRST).format == expected


@pytest.mark.parametrize(
    "path, expected",
    [
        ("ihiw_converters/HLAM_Fusion.csv", "fusion"),
        ("ihiw_converters/HAMLMatchItImmucor.csv", "matchit"),
        ("ihiw_converters/HAMLMatchItImmucorKlasseII.csv", "matchit"),
        ("haml-demo/sample_sab_class1.csv", "fusion"),
        ("haml-demo/sample_sab_class2.csv", "fusion"),
    ],
)
def test_real_examples_are_detected(path, expected):
    data = need_shared(SAB_EXAMPLES / path).read_bytes()
    assert parse_file(data, path, options=DAY_FIRST).format == expected


def test_an_explicit_format_is_used_without_detection():
    data = (TEST_DATA / "generic" / "both_classes.csv").read_bytes()
    with pytest.raises(FileFormatError, match="missing required column"):
        parse_file(data, "g.csv", format="matchit")


def test_an_unknown_format_name_lists_the_known_ones():
    with pytest.raises(FileFormatError) as caught:
        parse_file(b"a,b\n1,2\n", "x.csv", format="excel")
    assert "unknown file format 'excel'" in caught.value.message
    assert "fusion, generic, haml, matchit, xponent" in caught.value.message


def test_an_unknown_layout_lists_what_is_read():
    with pytest.raises(FileFormatError) as caught:
        parse_file(b"Name,Value\nfoo,1\n", "x.csv")
    message = caught.value.message
    assert "not in a layout this service reads" in message and caught.value.line == 1
    assert "fusion: One Lambda HLA Fusion CSV export" in message
    assert "generic: the documented generic CSV" in message


@pytest.mark.parametrize(
    "header, fragment",
    [
        ("SampleIDName;BeadID;RawData\n", "HLA Fusion export but lacks column(s) Specificity"),
        ("Sample ID,Lot ID,Allele,Assignment\n", "MATCH IT! export but lacks column(s) Raw Value"),
        ("sample_id,bead_id,specificity,control\n", "generic CSV but lacks column(s) raw_mfi"),
    ],
)
def test_a_near_miss_names_the_missing_columns(header, fragment):
    with pytest.raises(FileFormatError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse_file((header + "1,2,3,4\n").encode(), "x.csv")


def test_decoding_errors_come_first():
    with pytest.raises(FileFormatError, match="the file is empty"):
        parse_file(b"", "x.csv")


def test_a_missing_format_module_is_skipped_at_detection_only(monkeypatch):
    monkeypatch.setitem(FORMATS, "future", "dsa_monitor.sab.formats.not_written_yet")
    monkeypatch.setitem(formats.DESCRIPTIONS, "future", "a layout not written yet")
    text = (TEST_DATA / "generic" / "both_classes.csv").read_text(encoding="utf-8")
    assert detect_format(text, "g.csv") == "generic"
    assert "future" not in formats.available_formats()
    with pytest.raises(FileFormatError, match="'future' is not available"):
        parse_file(b"a,b\n", "g.csv", format="future")


def test_errors_inside_an_existing_format_module_are_not_hidden(monkeypatch, tmp_path):
    (tmp_path / "broken_layout.py").write_text("import a_package_that_does_not_exist\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(FORMATS, "broken", "broken_layout")
    with pytest.raises(ModuleNotFoundError, match="a_package_that_does_not_exist"):
        detect_format("x,y\n", "x.csv")
