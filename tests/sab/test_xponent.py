"""Luminex xPONENT CSV exports read with the lot's registered catalogue."""

from __future__ import annotations

import dataclasses
import datetime as dt
import timeit
from pathlib import Path

import pytest
from reference_paths import need_shared

from dsa_monitor.errors import FileFormatError, UnknownLot
from dsa_monitor.sab.catalogue import Catalogue, CatalogueBead, CatalogueRegistry
from dsa_monitor.sab.formats import parse_file, xponent
from dsa_monitor.sab.lots import read_catalogue
from dsa_monitor.sab.model import ParseOptions
from dsa_monitor.sab.qc import evaluate_qc

# As tests/conftest.py's constants; not imported from there, since "conftest" may name another one.
TEST_DATA = Path(__file__).resolve().parents[1] / "data"
SAB_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hla_reference" / "sab_examples"
XPONENT = TEST_DATA / "xponent"
EDS = TEST_DATA / "lots" / "3099001_3099002-SA1.eds"
SHEET = TEST_DATA / "lots" / "LS2A01_lot099.csv"


def catalogue(path: Path) -> Catalogue:
    return read_catalogue(path.read_bytes(), path.name)


def options(*catalogues: Catalogue, **kwargs) -> ParseOptions:
    return ParseOptions(catalogues=CatalogueRegistry(list(catalogues)), **kwargs)


def run(text: str | None = None, **kwargs):
    text = text if text is not None else (XPONENT / "lsa1_run.csv").read_text()
    return xponent.parse(text, "run.csv", options(catalogue(EDS), catalogue(SHEET), **kwargs))


@pytest.fixture(scope="module")
def lsa1():
    return run()


def test_samples_wells_lot_and_date(lsa1):
    assert lsa1.format == "xponent"
    assert [(s.sample_id, s.well, s.line) for s in lsa1.samples] == [
        ("S-0101", "A5", 27),
        ("S-0102", "B5", 28),
        ("S-0103", "C5", 29),
    ]
    first = lsa1.samples[0]
    assert (first.vendor, first.kit, first.lot, first.hla_class) == (
        "immucor",
        "LSA1",
        "3099001_3099002-SA1",
        "I",
    )
    # 03/02/2025 is day-first: the CALInfo expiry 25/11/2026 can be read only that way.
    assert first.run_date == dt.date(2025, 2, 3)
    assert first.qc_limits["PCLower"] == 9000.0 and first.qc_limits["Con1Upper"] == 400.0
    assert "ProtocolName '3099001 3099002-SA1' read as registered lot" in lsa1.warnings[0]


@pytest.mark.parametrize(
    ("sample", "bead_id", "raw", "bcm", "ad_bcm", "count", "net", "control", "specificity"),
    [
        (0, "NC", 45, None, None, 120, "35", "NC", ()),
        (0, "PC", 15500, 14000, 3500, 131, "15490", "PC", ()),
        (0, "101", 8200, 8000, 6400, 140, "8190", None, ("A*01:01",)),  # bg 200, RAD 1.25
        (0, "107", 3400, 3150, 4200, 127, "3390", None, ("C*03:04",)),  # bg 250, RAD 0.75
        (1, "102", 9050, 8950, 11187.5, 99, "9040", None, ("A*02:01",)),  # bg 100, RAD 0.8
        (1, "105", 12000, 11820, 11820 / 1.1, 38, "11990", None, ("B*44:02",)),
        (1, "PC", 14800.5, 13300.5, 3325.125, 125, "14790.5", "PC", ()),
        (2, "101", 70, -130, -104, 88, "60", None, ("A*01:01",)),
    ],
)
def test_bead_values_and_immucor_arithmetic(
    lsa1, sample, bead_id, raw, bcm, ad_bcm, count, net, control, specificity
):
    bead = {b.bead_id: b for b in lsa1.samples[sample].beads}[bead_id]
    assert bead.raw_mfi == raw
    assert bead.bcm == (pytest.approx(bcm) if bcm is not None else None)
    assert bead.ad_bcm == (pytest.approx(ad_bcm) if ad_bcm is not None else None)
    assert (bead.count, bead.extra["net_mfi"], bead.control, bead.specificity) == (
        count,
        net,
        control,
        specificity,
    )


def test_beads_in_catalogue_order_with_epitopes(lsa1):
    beads = lsa1.samples[0].beads
    assert [b.bead_id for b in beads] == ["NC", "PC"] + [str(n) for n in range(101, 109)]
    assert beads[4].extra["epitopes"] == "Bw4" and beads[4].serology == "A24(9)"


LOW_50 = [[], ["105 (38)"], []]
LOW_100 = [[], ["105 (38)", "102 (99)", "104 (97)"], ["NC (90)"]]
MIN_EVENTS = '"Samples","3","Min Events","100","Per Bead"'


@pytest.mark.parametrize(
    ("header", "option", "min_count", "flagged", "origin"),
    [
        # The run's own "Min Events" (100 in lsa1_run.csv) wins over the upload's setting.
        (MIN_EVENTS, 50, 100, LOW_100, " (the run's Min Events)"),
        (MIN_EVENTS, 80, 100, LOW_100, " (the run's Min Events)"),
        (MIN_EVENTS.replace('"100"', '"40"'), 50, 40, [[], ["105 (38)"], []], " (the run's Min Events)"),
        # Without it: the upload's setting, else the default of 50.
        ('"Samples","3"', 100, 100, LOW_100, ""),
        ('"Samples","3"', None, 50, LOW_50, ""),
    ],
)
def test_low_bead_counts_are_flagged(header, option, min_count, flagged, origin):
    text = (XPONENT / "lsa1_run.csv").read_text().replace(MIN_EVENTS, header)
    parsed = run(text) if option is None else run(text, min_bead_count=option)
    for sample, expected in zip(parsed.samples, flagged, strict=True):
        low = [w for w in sample.warnings if "fewer than" in w]
        if not expected:
            assert low == []
        else:
            assert len(low) == 1 and f"fewer than {min_count} events{origin} (" in low[0]
            for item in expected:
                assert item in low[0]
        # As ingest layers them: the upload's setting, then the file's own limits.
        verdict = evaluate_qc(sample, None if option is None else {"min_bead_count": option})
        assert verdict.limits.min_bead_count == min_count
        counted = [r for r in verdict.reasons if r.startswith("bead count below")]
        assert bool(counted) == bool(expected)
        if expected:
            assert counted[0].startswith(f"bead count below {min_count}{origin} on ")


def test_min_events_must_be_a_whole_number():
    text = (XPONENT / "lsa1_run.csv").read_text().replace(MIN_EVENTS, MIN_EVENTS.replace('"100"', '"lots"'))
    with pytest.raises(FileFormatError, match="Min Events is not a whole number") as caught:
        run(text)
    assert (caught.value.line, caught.value.value) == (21, "lots")


def test_dilution_and_instrument_warnings(lsa1):
    s1, s2, s3 = lsa1.samples
    assert s1.warnings == [] and not any("dilut" in w for w in s2.warnings)
    assert "serum diluted: dilution factor 10" in s3.warnings
    assert any(w.startswith("instrument warning at 1,C5") for w in s3.warnings)
    assert any(w.startswith("instrument warning at 1,C5") for w in lsa1.warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Program","xPONENT","","LX200"\n"Results"\n"DataType:","Median"\n', True),
        ('\ufeff"Program";"xPONENT"\n"DataType:";"Median"\n', True),
        ('"Program","xPONENT"\n', False),  # no result blocks
        ("Sample ID,Patient Name,Lot ID,Run Date\n", False),
        ("<haml/>", False),
    ],
)
def test_sniff(text, expected):
    assert xponent.sniff(text) is expected


def test_detected_through_parse_file():
    data = (XPONENT / "lsa1_run.csv").read_bytes()
    parsed = parse_file(data, "lsa1_run.csv", options=options(catalogue(EDS)))
    assert parsed.format == "xponent" and len(parsed.samples) == 3


def test_empty_median_cell_is_no_value_with_a_warning():
    text = (
        (XPONENT / "lsa1_run.csv")
        .read_text()
        .replace('"S-0101","45","15500","8200"', '"S-0101","45","15500",""', 1)
    )
    sample = run(text).samples[0]
    assert sample.beads[2].raw_mfi is None and sample.beads[2].bcm is None
    assert "bead 101: no Median value" in sample.warnings


def test_unknown_lot_names_the_lot_and_how_to_register():
    with pytest.raises(UnknownLot) as caught:
        xponent.parse((XPONENT / "lsa1_run.csv").read_text(), "run.csv", options(catalogue(SHEET)))
    assert "3099001 3099002-SA1" in caught.value.message
    assert "register the lot's catalogue" in caught.value.message
    assert caught.value.line == 9 and caught.value.column == "ProtocolName"


def test_one_lambda_run_needs_the_lot_named():
    text = (XPONENT / "ls2_run.csv").read_text()
    with pytest.raises(UnknownLot, match="LABScreen Single Antigen Class II"):
        run(text)
    parsed = run(text, lot="LS2A01NC99_099_00")
    assert parsed.warnings == [
        "lot 'LS2A01NC99_099_00' as named at upload (ProtocolName 'LABScreen Single Antigen Class II')"
    ]
    r7, r8 = parsed.samples
    assert (r7.sample_id, r7.run_date, r7.kit, r7.hla_class) == ("R-7", dt.date(2025, 4, 17), "LS2A01", "II")
    bead = r7.beads[6]
    assert (bead.bead_id, bead.specificity, bead.raw_mfi, bead.bcm) == (
        "7",
        ("DQA1*05:01", "DQB1*02:01"),
        2950,
        None,
    )
    assert [b.control for b in r7.beads[:2]] == ["NC", "PC"]
    assert any("10 (12)" in w for w in r8.warnings)


def test_regions_missing_from_the_catalogue_are_an_error():
    full = catalogue(EDS)
    partial = dataclasses.replace(full, beads=tuple(b for b in full.beads if b.bead_id not in {"107", "108"}))
    with pytest.raises(FileFormatError) as caught:
        xponent.parse((XPONENT / "lsa1_run.csv").read_text(), "run.csv", options(partial))
    assert "not in the catalogue of lot 3099001_3099002-SA1: 107 (region 9), 108 (region 10)" in (
        caught.value.message
    )
    assert caught.value.line == 26


def test_catalogue_beads_absent_from_the_file_are_a_warning():
    full = catalogue(EDS)
    extra = CatalogueBead(bead_id="109", specificity=("B*08:01",), region="11")
    bigger = dataclasses.replace(full, beads=(*full.beads, extra))
    parsed = xponent.parse((XPONENT / "lsa1_run.csv").read_text(), "run.csv", options(bigger))
    assert "1 bead(s) of lot 3099001_3099002-SA1 are not in the file: 109" in parsed.warnings
    assert len(parsed.samples[0].beads) == 10


def test_region_disagreeing_with_the_catalogue_is_an_error():
    text = (
        (XPONENT / "lsa1_run.csv")
        .read_text()
        .replace('"BeadID:","1","2","3","4"', '"BeadID:","1","2","4","3"', 1)
    )
    with pytest.raises(FileFormatError, match="bead 101 is region 4 in the file but region 3"):
        run(text)


@pytest.mark.parametrize(
    ("name", "message", "line"),
    [
        ("no_median.csv", "no Median block", None),
        ("truncated.csv", "row has 9 cells where the header has 13 (file truncated?)", 28),
    ],
)
def test_malformed_files(name, message, line):
    with pytest.raises(FileFormatError) as caught:
        run((XPONENT / name).read_text())
    assert message in caught.value.message and caught.value.line == line


@pytest.mark.parametrize(
    ("old", "new", "message", "line", "column"),
    [
        ('"S-0101","45","15500","8200"', '"S-0101","45","15500","8,2k"', "not a number", 27, "101"),
        ('"Samples","3"', '"Samples","4"', "announces 4 samples but the Median block has 3", 21, None),
        (
            '"ProtocolName","3099001 3099002-SA1"',
            '"ProtocolName",""',
            "the file names no lot",
            9,
            "ProtocolName",
        ),
        ('"Results"', '"Resultz"', 'no "Results" section', None, None),
        ('"Location","Sample","NC"', '"Well","Sample","NC"', "must start with Location, Sample", 26, None),
    ],
)
def test_file_errors_are_located(old, new, message, line, column):
    text = (XPONENT / "lsa1_run.csv").read_text()
    assert old in text
    with pytest.raises(FileFormatError) as caught:
        run(text.replace(old, new, 1))
    assert message in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)


NO_EVIDENCE = ('"B40001","25/11/2026"', '"B40001","11/11/2026"')


@pytest.mark.parametrize(
    ("replace", "date_format", "expected"),
    [
        ((), None, dt.date(2025, 2, 3)),  # the header's 25/11/2026 says day-first
        ((), "%m/%d/%Y", dt.date(2025, 2, 3)),  # the file's own evidence beats a configuration
        (NO_EVIDENCE, "%d/%m/%Y", dt.date(2025, 2, 3)),
        (NO_EVIDENCE, "%m/%d/%Y", dt.date(2025, 3, 2)),
        (NO_EVIDENCE, "%d-%m-%Y", dt.date(2025, 2, 3)),  # the lab's order, other separator
        (('"03/02/2025 9:10', '"13/02/2025 9:10'), None, dt.date(2025, 2, 13)),
        (('"BatchStartTime","03/02/2025', '"BatchStartTime","2025-02-03'), None, dt.date(2025, 2, 3)),
    ],
)
def test_run_date_order_is_never_guessed(replace, date_format, expected):
    text = (XPONENT / "lsa1_run.csv").read_text()
    if replace:
        text = text.replace(*replace)
    assert run(text, date_format=date_format).samples[0].run_date == expected


@pytest.mark.parametrize(
    ("replace", "message", "line"),
    [
        (NO_EVIDENCE, "ambiguous date", 12),
        (
            ('"B40001","25/11/2026","01/02/2025', '"B40001","25/11/2026","12/31/2025'),
            "mixes day/month and month/day dates",
            18,
        ),
    ],
)
def test_ambiguous_or_contradictory_dates_are_errors(replace, message, line):
    text = (XPONENT / "lsa1_run.csv").read_text().replace(*replace)
    with pytest.raises(FileFormatError) as caught:
        run(text)
    assert message in caught.value.message and caught.value.line == line


def test_plate_of_96_wells_and_100_regions_parses_fast():
    regions = [str(n) for n in range(1, 101)]
    beads = tuple(
        CatalogueBead(bead_id=r, specificity=(f"A*{n:02d}:01",)) for n, r in enumerate(regions, start=1)
    )
    big = Catalogue(vendor="onelambda", kit="LS1A04", lot="LS1A04NC99_100_00", hla_class="I", beads=beads)
    header = ",".join(f'"{c}"' for c in ["Location", "Sample", *regions, "Total Events"])
    wells = [f"{row}{col}" for col in range(1, 13) for row in "ABCDEFGH"]
    lines = [
        '"Program","xPONENT"',
        '"Date","2025-01-31"',
        '"ProtocolName","LS1A04NC99_100_00"',
        '"Samples","96"',
        "",
        '"Results"',
        "",
    ]
    for block in ("Median", "Net MFI", "Count"):
        decimals = "" if block == "Count" else ".5"  # bead events are counted: whole numbers
        lines += [f'"DataType:","{block}"', header]
        lines += [
            ",".join(
                [f'"{i}(1,{w})"', f'"S{i}"', *(f'"{100 + i + j}{decimals}"' for j in range(100)), '"9999"']
            )
            for i, w in enumerate(wells, start=1)
        ]
        lines.append("")
    text = "\n".join(lines)
    parsed = xponent.parse(text, "big.csv", options(big))
    # best of three: a loaded CI machine slows one run, not the reader
    elapsed = min(timeit.repeat(lambda: xponent.parse(text, "big.csv", options(big)), number=1, repeat=3))
    assert len(parsed.samples) == 96 and all(len(s.beads) == 100 for s in parsed.samples)
    assert parsed.samples[95].beads[99].raw_mfi == 100 + 96 + 99 + 0.5
    assert elapsed < 0.5, f"96 x 100 took {elapsed:.3f} s"


# Real exports from ../shared (hlapro test files: Immucor LSA runs cut to 6-7 beads).


def real(name: str, eds: str, **kwargs):
    folder = SAB_EXAMPLES / "hlapro_luminex"
    # The SA1 lot file's Con1Upper (100) is below its Con1Lower (180): read as it is, those two
    # limits are set aside (tests/sab/test_lots.py) and the vendor's defaults apply.
    lot = need_shared(folder / eds).read_bytes()
    text = need_shared(folder / name).read_text()
    return xponent.parse(text, name, options(read_catalogue(lot, eds), **kwargs))


def test_real_lsa1_with_its_eds():
    parsed = real("LSA1-test.csv", "3012456_3065421-SA1.eds", min_bead_count=70)
    s001, s002 = parsed.samples
    assert (s001.sample_id, s001.well, s002.sample_id, s002.well) == ("S001", "A5", "S002", "B5")
    # BatchStartTime 1/3/2023 is month-first: the CALInfo expiry 10/14/2023 says so.
    assert s001.run_date == dt.date(2023, 1, 3)
    assert s001.lot == "3012456_3065421-SA1" and s001.qc_limits["PCUpper"] == 15000
    a1 = s001.beads[2]
    assert (a1.bead_id, a1.specificity, a1.raw_mfi, a1.count) == ("103", ("A*01:01",), 8001.5, 67)
    assert a1.bcm == pytest.approx(8001.5 - 180) and a1.ad_bcm == pytest.approx(7821.5 / 1.192)
    assert s001.beads[0].control == "NC" and s001.beads[0].raw_mfi == 161
    assert s002.beads[5].raw_mfi == 111.5 and s002.beads[5].specificity == ("C*07:01",)
    assert any("106 (60)" in w for w in s001.warnings)


def test_real_lsa2_with_its_eds():
    parsed = real("LSA2-test.csv", "3062145_3045216-SA2.eds")
    s3, s4 = parsed.samples
    assert s3.run_date == dt.date(2023, 9, 24) and s3.hla_class == "II"
    dq2 = {b.bead_id: b for b in s4.beads}["205"]
    assert (dq2.specificity, dq2.raw_mfi, dq2.count) == (("DQA1*02:01", "DQB1*02:01"), 160, 65)
    assert dq2.bcm == 15 and dq2.ad_bcm == pytest.approx(15 / 0.92)
    assert any("1,E2" in w for w in parsed.warnings)


def test_real_lsa1_with_the_wrong_lot_is_refused():
    with pytest.raises(UnknownLot, match="3012456_3065421-SA1"):
        real("LSA1-test.csv", "3062145_3045216-SA2.eds")


def test_unregistered_lot_given_with_the_upload_is_not_blamed_on_the_file():
    with pytest.raises(UnknownLot) as caught:
        run(lot="LS1A04-015")
    error = caught.value
    assert error.message.startswith(
        "run.csv: the lot given with the upload, 'LS1A04-015', has no registered catalogue"
        " (the file's ProtocolName says '3099001 3099002-SA1')"
    )
    assert (error.column, error.line, error.value) == (None, None, "LS1A04-015")
    assert "column ProtocolName" not in error.message


def test_lot_given_with_the_upload_must_match_the_runs_registered_lot():
    with pytest.raises(FileFormatError) as caught:
        run(lot="LS2A01NC99_099_00")
    error = caught.value
    assert not isinstance(error, UnknownLot)
    assert (
        "the lot given with the upload, 'LS2A01NC99_099_00' (registered lot"
        " 'LS2A01NC99_099_00'), does not match the run: the file's ProtocolName says"
        " '3099001 3099002-SA1', registered lot '3099001_3099002-SA1'"
    ) in error.message
    assert error.column is None


def test_lot_given_with_the_upload_naming_the_runs_lot_is_read():
    parsed = run(lot="3099001_3099002-SA1")
    assert parsed.samples[0].lot == "3099001_3099002-SA1"
    assert parsed.warnings[0] == (
        "lot '3099001_3099002-SA1' as named at upload (ProtocolName '3099001 3099002-SA1')"
    )


def semicolon_decimal_comma(text: str) -> str:
    """lsa1_run.csv as an instrument PC with a decimal-comma locale writes it."""
    return text.replace('","', '";"').replace("14800.5", "14800,5").replace("14790.5", "14790,5")


def test_semicolon_export_with_decimal_commas():
    parsed = run(semicolon_decimal_comma((XPONENT / "lsa1_run.csv").read_text()))
    assert parsed.samples[1].beads[1].raw_mfi == 14800.5


def test_a_point_in_a_decimal_comma_export_is_a_thousands_separator_never_guessed():
    text = semicolon_decimal_comma((XPONENT / "lsa1_run.csv").read_text())
    with pytest.raises(FileFormatError) as caught:
        run(text.replace('"14800,5";"140";"9050"', '"14800,5";"140";"9.050"'))
    error = caught.value
    assert (error.line, error.column, error.value) == (28, "102", "9.050")
    assert (
        "a point in a number of a file that writes decimals with a comma (line 28, column PC:"
        " '14800,5'): it looks like a thousands separator"
    ) in error.message
