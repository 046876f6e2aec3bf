"""What an upload is refused for beyond the parsers: files cut short, impossible dates, an unknown
encoding name; and the warning for a last line without a line break."""

import codecs
import datetime as dt
from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.errors import FileFormatError, UnknownEncoding
from dsa_monitor.ingest import import_parsed, import_upload
from dsa_monitor.ingest.checks import unterminated_warning
from dsa_monitor.sab.lots import read_catalogue
from dsa_monitor.sab.model import BeadResult, ParsedFile, ParseOptions, SampleResult

INGEST_DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
TWO = (INGEST_DATA / "fusion_two_samples.csv").read_bytes()  # S24-001 (P-17), S24-002 (R002)
ONE = TWO.split(b'\n"R002"')[0] + b"\n"  # S24-001 alone: NC, PC, 003, 040
SHEET = INGEST_DATA / "ls2a01_lot_sheet.csv"  # lot LS2A01NC21_013_00: NC, PC, 003, 040
TODAY = dt.datetime.now(dt.UTC).date()
DAY = dt.timedelta(days=1)


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def refused_and_nothing_stored(db, code="file_format"):
    assert (count(db, "samples"), count(db, "bead_results")) == (0, 0)
    [rejected] = store.list_uploads(db)
    assert (rejected["outcome"], rejected["error"]["code"]) == ("rejected", code)


def without_line(data: bytes, bead: bytes) -> bytes:
    """The file with the line of S24-001's bead ``bead`` left out, as if cut there."""
    return b"\n".join(
        line
        for line in data.split(b"\n")
        if not (b'"S24-001"' in line and f'"{bead.decode()}";'.encode() in line)
    )


# ---- truncated files -------------------------------------------------------------------------


def test_a_sample_with_fewer_beads_than_another_of_its_lot_is_refused(db):
    cut = TWO.rsplit(b'\n"R002"', 1)[0] + b"\n"  # the file cut before S24-002's last bead
    with pytest.raises(FileFormatError) as refused:
        import_upload(db, cut, "cut.csv", user="lab")
    assert refused.value.message.startswith(
        "cut.csv, line 6: the file looks truncated: sample 'S24-002' (lot LS2A01NC21_013_00) has"
        " 3 beads where sample 'S24-001' of the same lot has 4"
    )
    refused_and_nothing_stored(db)


@pytest.mark.parametrize(
    "registered, data, stored",
    [
        (True, ONE, 1),
        (True, without_line(ONE, b"040"), 0),  # 1 of the lot's 2 antigen beads
        (False, without_line(ONE, b"040"), 1),  # no catalogue, no other sample: nothing to compare
    ],
)
def test_a_sample_with_fewer_antigen_beads_than_its_registered_lot_is_refused(db, registered, data, stored):
    if registered:
        store.register_catalogue(db, read_catalogue(SHEET.read_bytes(), SHEET.name), "lab")
    if stored:
        assert len(import_upload(db, data, "one.csv", user="lab").samples) == stored
        return
    with pytest.raises(
        FileFormatError,
        match="the file looks truncated: sample 'S24-001' "
        r"\(lot LS2A01NC21_013_00\) has 1 antigen beads where the registered"
        " catalogue of lot LS2A01NC21_013_00 has 2",
    ):
        import_upload(db, data, "one.csv", user="lab")
    refused_and_nothing_stored(db)


@pytest.mark.parametrize(
    "data, warned",
    [
        (b"a;b\n1;2\n", False),
        (b"a;b\r\n1;2\r\n", False),
        (b"a;b\r1;2\r", False),  # old Mac line ends
        (b"a;b\n1;2\n\x1a", False),  # DOS end-of-file mark
        (b"a;b\n1;2\n  ", False),  # blanks after the last line break
        ("a;b\n1;2\n".encode("utf-16-le"), False),
        ("a;b\n1;2\n".encode("utf-16-be"), False),
        (b"a;b\n1;2", True),
        ("a;b\n1;2".encode("utf-16-le"), True),
    ],
)
def test_a_last_line_without_a_line_break_is_warned(data, warned):
    assert (unterminated_warning(data, "fusion") is not None) == warned


def test_a_file_without_a_final_line_break_is_stored_with_the_warning(db):
    result = import_upload(db, ONE.rstrip(b"\r\n"), "no-eol.csv", user="lab")
    assert len(result.samples) == 1
    assert any("last line has no line break" in w for w in result.warnings)
    complete = import_upload(db, TWO, "two.csv", user="lab")
    assert not any("line break" in w for w in complete.warnings)


def test_an_xml_export_is_not_warned_for_its_last_line():
    assert unterminated_warning(b"<haml></haml>", "haml") is None


# ---- dates ----------------------------------------------------------------------------------


def serum(run_date, draw_date=None):
    return SampleResult(
        sample_id="S1",
        patient_id="P-17",
        run_date=run_date,
        draw_date=draw_date,
        lot="LS2A01NC21_013_00",
        hla_class="II",
        line=2,
        beads=[BeadResult("003", ("DRB1*01:01",), raw_mfi=800.0)],
    )


@pytest.mark.parametrize(
    "run_date, draw_date, manifest, message",
    [
        (TODAY + 2 * DAY, None, None, "the run date is in the future"),
        (TODAY, TODAY + 2 * DAY, None, "the draw date is in the future"),
        (dt.date(1899, 12, 31), None, None, "the run date is before 1900"),
        (dt.date(2024, 3, 25), dt.date(1899, 12, 31), None, "the draw date is before 1900"),
        (
            dt.date(2024, 3, 25),
            dt.date(2024, 3, 26),
            None,
            "the draw date 2024-03-26 is later than its run date 2024-03-25 (a serum cannot be tested"
            " before it is drawn)",
        ),
        (
            dt.date(2024, 3, 25),
            None,
            dt.date(2024, 4, 1),
            "the draw date (from the manifest) 2024-04-01 is later than its run date 2024-03-25",
        ),
    ],
)
def test_impossible_dates_are_refused_naming_file_sample_and_value(
    db, run_date, draw_date, manifest, message
):
    parsed = ParsedFile("fusion", "dated.csv", [serum(run_date, draw_date)])
    with pytest.raises(FileFormatError) as refused:
        import_parsed(
            db, parsed, b"dated", user="lab", manifest=None if manifest is None else {"S1": manifest}
        )
    assert refused.value.message.startswith(f"dated.csv, line 2: sample 'S1': {message}")
    refused_and_nothing_stored(db)


@pytest.mark.parametrize(
    "run_date, draw_date",
    [
        (TODAY + DAY, None),  # a lab ahead of UTC: one day of grace
        (TODAY, TODAY),
        (dt.date(1900, 1, 1), None),
        (dt.date(2024, 3, 25), dt.date(2024, 3, 25)),
    ],
)
def test_possible_dates_are_stored(db, run_date, draw_date):
    parsed = ParsedFile("fusion", "dated.csv", [serum(run_date, draw_date)])
    [sample] = import_parsed(db, parsed, b"dated", user="lab").samples
    assert sample.draw_date == (draw_date or run_date)


def test_a_future_run_date_in_a_lab_file_is_refused_with_its_value(db):
    future = (TODAY + 30 * DAY).isoformat()
    with pytest.raises(FileFormatError, match="the run date is in the future") as refused:
        import_upload(db, ONE.replace(b"2024-03-25", future.encode()), "future.csv", user="lab")
    assert (refused.value.file, refused.value.value) == ("future.csv", future)
    refused_and_nothing_stored(db)


# ---- the encoding named with an upload ------------------------------------------------------


@pytest.mark.parametrize("data", [ONE, codecs.BOM_UTF8 + ONE], ids=["plain", "with BOM"])
@pytest.mark.parametrize("encoding", ["klingon", "base64", ""])
def test_an_unknown_encoding_name_is_refused(db, data, encoding):
    with pytest.raises(UnknownEncoding) as refused:
        import_upload(db, data, "one.csv", user="lab", options=ParseOptions(encoding=encoding))
    assert refused.value.message == (f"unknown text encoding {encoding!r}; e.g. utf-8, cp1252, utf-16")
    assert (refused.value.status, refused.value.details["file"]) == (422, "one.csv")
    refused_and_nothing_stored(db, code="unknown_encoding")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "UTF8", "latin-1"])
def test_a_known_encoding_name_is_used(db, encoding):
    result = import_upload(db, ONE, "one.csv", user="lab", options=ParseOptions(encoding=encoding))
    assert result.outcome == "stored"
