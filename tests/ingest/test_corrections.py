"""Which stored sample an upload corrects: the same serum (sample ID, class, lot, treatment, draw
date) of the same recipient. A later visit reusing the sample name is a new serum; the same serum
placed with another recipient is refused."""

import datetime as dt
from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.errors import Conflict, FileFormatError, SampleClash
from dsa_monitor.ingest import import_parsed, import_upload
from dsa_monitor.sab.model import BeadResult, ParsedFile, SampleResult

INGEST_DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
# MATCH IT! has no patient column: the lab names the serum by the recipient's lab ID, P-17.
BASELINE = (INGEST_DATA / "matchit_p17_baseline.csv").read_bytes()
TWO = (INGEST_DATA / "fusion_two_samples.csv").read_bytes()
ONE = TWO.split(b'\n"R002"')[0] + b"\n"  # S24-001 (P-17) alone


@pytest.fixture
def db(db):
    """R001 (lab ID P-17) and R002, here with the lab ID P-22."""
    r002 = store.list_recipients(db, "CORD-01")[1]["id"]
    store.add_lab_id(db, r002, "P-22", user="coordinator")
    return db


def current(db):
    return [(s["lab_sample_id"], s["draw_date"]) for s in store.list_samples(db)]


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_baseline_and_m3_with_the_same_sample_name_are_two_sera(db):
    base = import_upload(db, BASELINE, "baseline.csv", user="lab", manifest={"P-17": dt.date(2024, 5, 14)})
    m3_file = BASELINE.replace(b"20-05-2024", b"20-08-2024").replace(b"150      ", b"6000     ")
    m3 = import_upload(db, m3_file, "m3.csv", user="lab", manifest={"P-17": dt.date(2024, 8, 12)})
    assert (base.superseded, m3.superseded) == ([], [])
    assert [s.supersedes for s in m3.samples] == [None]
    assert current(db) == [("P-17", "2024-05-14"), ("P-17", "2024-08-12")]
    assert {s["recipient_id"] for s in store.list_samples(db)} == {base.samples[0].recipient_id}


def test_without_a_manifest_the_run_date_tells_the_visits_apart(db):
    import_upload(db, ONE, "march.csv", user="lab")
    june = import_upload(db, ONE.replace(b"2024-03-25", b"2024-06-25"), "june.csv", user="lab")
    assert june.superseded == []
    assert current(db) == [("S24-001", "2024-03-25"), ("S24-001", "2024-06-25")]


def test_the_same_file_re_sent_with_one_mfi_changed_is_one_correction(db):
    first = import_upload(db, ONE, "s24-001.csv", user="lab")
    fixed = import_upload(db, ONE.replace(b'"9500";"9450"', b'"3100";"3050"'), "fixed.csv", user="lab")
    [old], [new] = first.samples, fixed.samples
    assert fixed.superseded == [
        {"lab_sample_id": "S24-001", "old_sample_id": old.sample_id, "new_sample_id": new.sample_id}
    ]
    assert fixed.to_dict()["samples"][0]["supersedes"] == old.sample_id
    assert current(db) == [("S24-001", "2024-03-25")]
    assert store.get_sample(db, old.sample_id)["superseded_by"] == new.sample_id
    assert store.list_bead_results(db, new.sample_id)[3]["raw_mfi"] == 3100.0


def test_a_correction_with_a_manifest_keeps_the_draw_date_it_corrects(db):
    drawn = {"P-17": dt.date(2024, 5, 14)}
    first = import_upload(db, BASELINE, "baseline.csv", user="lab", manifest=drawn)
    fixed = BASELINE.replace(b"128      ", b"129      ")
    again = import_upload(db, fixed, "baseline-fixed.csv", user="lab", manifest=drawn)
    assert [s.supersedes for s in again.samples] == [first.samples[0].sample_id]
    assert current(db) == [("P-17", "2024-05-14")]


def test_the_same_bytes_with_other_draw_dates_are_refused_not_taken_as_a_duplicate(db):
    drawn = {"P-17": dt.date(2024, 5, 14)}
    first = import_upload(db, BASELINE, "baseline.csv", user="lab", manifest=drawn)
    same = import_upload(db, BASELINE, "baseline.csv", user="lab", manifest=drawn)
    assert (same.outcome, same.duplicate_of) == ("duplicate", first.upload_id)
    with pytest.raises(Conflict, match="P-17 drawn 2024-05-14, the manifest says 2024-05-15"):
        import_upload(db, BASELINE, "baseline.csv", user="lab", manifest={"P-17": dt.date(2024, 5, 15)})
    assert current(db) == [("P-17", "2024-05-14")]


def test_the_same_sample_id_on_another_patient_is_refused_and_nothing_stored(db):
    first = import_upload(db, TWO, "two.csv", user="lab")
    moved = TWO.replace(b'"P-17";"S24-001"', b'"P-22";"S24-001"')  # and S24-002 still corrects
    with pytest.raises(SampleClash) as refused:
        import_upload(db, moved, "moved.csv", user="lab")
    message = refused.value.message
    assert refused.value.status == 422
    assert "moved.csv: sample 'S24-001' (class II, lot LS2A01NC21_013_00, drawn 2024-03-25)" in (message)
    assert (
        f"stored as sample {first.samples[0].sample_id} of recipient R001 (study CORD-01,"
        " lab IDs P-17), but this file places it with recipient R002 (study CORD-01, lab IDs"
        " P-22)"
    ) in message
    assert "Nothing from this file was stored" in message
    [clash] = refused.value.details["samples"]
    assert (clash["stored_recipient"]["subject_code"], clash["file_recipient"]["lab_ids"]) == (
        "R001",
        ["P-22"],
    )
    # All or nothing: S24-002, a plain correction, is not stored either.
    assert [s["id"] for s in store.list_samples(db)] == [s.sample_id for s in first.samples]
    assert (count(db, "samples"), count(db, "bead_results")) == (2, 8)
    rejected = store.list_uploads(db)[0]
    assert (rejected["outcome"], rejected["error"]["code"]) == ("rejected", "sample_clash")


def test_a_clash_with_another_studys_serum_does_not_name_its_recipient(db):
    store.create_study(db, "OTHER-9", user="setup")
    stranger = store.create_recipient(db, "OTHER-9", "SECRET-01", user="setup")
    store.add_lab_id(db, stranger["id"], "P-99", user="setup")
    import_upload(db, ONE.replace(b'"P-17"', b'"P-99"'), "other.csv", user="lab", study="OTHER-9")
    with pytest.raises(SampleClash) as refused:
        import_upload(db, ONE, "mine.csv", user="lab", study="CORD-01")
    message = refused.value.message
    assert "a recipient of another study" in message and "recipient R001" in message
    assert "SECRET-01" not in message and "P-99" not in message and "OTHER-9" not in message


def test_the_same_sample_id_on_another_patient_another_day_is_another_serum(db):
    import_upload(db, TWO, "two.csv", user="lab")
    later = TWO.replace(b'"P-17";"S24-001"', b'"P-22";"S24-001"').replace(b"2024-03-25", b"2024-06-25")
    result = import_upload(db, later, "later.csv", user="lab")
    assert result.superseded == []
    assert count(db, "samples") == 4


def _serum(drawn):
    return SampleResult(
        sample_id="S1",
        patient_id="P-17",
        run_date=dt.date(2024, 3, 25),
        draw_date=drawn,
        lot="LS2A01NC21_013_00",
        hla_class="II",
        line=2,
        beads=[BeadResult("003", ("DRB1*01:01",), raw_mfi=800.0)],
    )


@pytest.mark.parametrize(
    "second, stored",
    [
        (_serum(dt.date(2024, 3, 20)), None),  # the same serum twice: refused
        (_serum(dt.date(2024, 3, 21)), 2),  # two draws under one name: two sera
    ],
)
def test_one_sample_name_twice_in_a_file_is_two_sera_only_with_two_draw_dates(db, second, stored):
    parsed = ParsedFile("fusion", "plate.csv", [_serum(dt.date(2024, 3, 20)), second])
    if stored is None:
        with pytest.raises(
            FileFormatError, match="'S1' appears twice for class II lot LS2A01NC21_013_00 drawn 2024-03-20"
        ):
            import_parsed(db, parsed, b"plate", user="lab")
    else:
        assert len(import_parsed(db, parsed, b"plate", user="lab").samples) == stored
    assert count(db, "samples") == (stored or 0)
