import datetime as dt
import threading
from pathlib import Path

import pytest

from dsa_monitor import store
from dsa_monitor.errors import FileFormatError, UnknownPatient, UploadTooLarge
from dsa_monitor.ingest import import_parsed, import_upload
from dsa_monitor.sab.formats import parse_file
from dsa_monitor.sab.model import BeadResult, ParsedFile, ParseOptions, SampleResult
from dsa_monitor.store import uploads

INGEST_DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
TWO = "fusion_two_samples.csv"


@pytest.fixture
def lab_file():
    """The bytes of one of our small files in tests/data/ingest/."""
    return lambda name: (INGEST_DATA / name).read_bytes()


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_fusion_export_is_stored_with_its_samples_beads_and_audit(db, lab_file):
    result = import_upload(db, lab_file(TWO), TWO, user="lab")
    assert (result.outcome, result.format) == ("stored", "fusion")
    r001, r002 = (r["id"] for r in store.list_recipients(db, "CORD-01"))
    placed = [(s.lab_sample_id, s.recipient_id, s.hla_class, s.lot, s.beads) for s in result.samples]
    assert placed == [
        ("S24-001", r001, "II", "LS2A01NC21_013_00", 4),  # by the lab ID P-17
        ("S24-002", r002, "II", "LS2A01NC21_013_00", 4),  # by the subject code
    ]
    assert store.upload_bytes(db, result.upload_id) == lab_file(TWO)
    beads = store.list_bead_results(db, result.samples[0].sample_id)
    assert [(b["bead_id"], b["specificity"], b["raw_mfi"], b["control"]) for b in beads] == [
        ("001", (), 45.5, "NC"),
        ("002", (), 18000.0, "PC"),
        ("003", ("DRB1*01:01",), 320.0, None),
        ("040", ("DQA1*05:01", "DQB1*02:01"), 9500.0, None),
    ]
    stored = store.get_upload(db, result.upload_id)
    assert (stored["outcome"], stored["uploaded_by"]) == ("stored", "lab")
    assert stored["summary"] == result.to_dict()
    actions = {a["action"] for a in store.list_audit(db, entity="upload")}
    assert {"upload_stored", "import"} <= actions


def test_without_a_draw_date_the_run_date_is_used_and_said(db, lab_file):
    result = import_upload(db, lab_file(TWO), TWO, user="lab").to_dict()
    assert [s["draw_date_source"] for s in result["samples"]] == ["run_date", "run_date"]
    assert result["run_date_fallback"] == ["S24-001", "S24-002"]
    assert any("run date 2024-03-25 is used" in w for w in result["warnings"])


def test_a_manifest_gives_the_draw_date(db, lab_file):
    result = import_upload(db, lab_file(TWO), TWO, user="lab", manifest={"S24-001": dt.date(2024, 3, 20)})
    assert [(s.draw_date, s.draw_date_source) for s in result.samples] == [
        (dt.date(2024, 3, 20), "manifest"),
        (dt.date(2024, 3, 25), "run_date"),
    ]
    assert store.get_sample(db, result.samples[0].sample_id)["draw_date"] == "2024-03-20"


def test_the_same_bytes_twice_store_nothing_new_and_name_the_first_upload(db, lab_file):
    first = import_upload(db, lab_file(TWO), TWO, user="lab")
    again = import_upload(db, lab_file(TWO), "renamed.csv", user="other")
    assert (again.outcome, again.duplicate_of, again.upload_id) == (
        "duplicate",
        first.upload_id,
        first.upload_id,
    )
    assert [s.sample_id for s in again.samples] == [s.sample_id for s in first.samples]
    assert (count(db, "uploads"), count(db, "files"), count(db, "samples")) == (1, 1, 2)
    assert count(db, "bead_results") == 8
    duplicate = store.list_audit(db, entity="upload", entity_id=first.upload_id)[0]
    assert (duplicate["action"], duplicate["user"]) == ("upload_duplicate", "other")


def test_a_corrected_file_supersedes_the_old_values_with_an_audit_trail(db, lab_file):
    first = import_upload(db, lab_file(TWO), TWO, user="lab")
    fixed = lab_file("fusion_two_samples_corrected.csv")
    corrected = import_upload(db, fixed, "fixed.csv", user="lab")
    old = [s.sample_id for s in first.samples]
    new = [s.sample_id for s in corrected.samples]
    assert corrected.superseded == [
        {"lab_sample_id": "S24-001", "old_sample_id": old[0], "new_sample_id": new[0]},
        {"lab_sample_id": "S24-002", "old_sample_id": old[1], "new_sample_id": new[1]},
    ]
    assert [s["id"] for s in store.list_samples(db)] == new
    assert [store.get_sample(db, i)["superseded_by"] for i in old] == new  # old values kept
    matrix, beads = store.load_mfi_matrix(db, [old[0], new[0]], value="raw")
    assert beads[3] == ("040", ("DQA1*05:01", "DQB1*02:01"))
    assert matrix[:, 3].tolist() == [9500.0, 3100.0]
    trail = store.list_audit(db, entity="sample", entity_id=old[0])
    assert [(a["action"], a["details"]["superseded_by"]) for a in trail] == [("supersede", new[0])]


def test_a_treated_serum_does_not_replace_the_neat_run(db, lab_file):
    import_upload(db, lab_file(TWO), TWO, user="lab")
    edta = import_upload(
        db, lab_file("fusion_two_samples_corrected.csv"), "edta.csv", user="lab", serum_treatment="EDTA"
    )
    assert edta.superseded == []
    assert sorted(s["serum_treatment"] for s in store.list_samples(db)) == ["EDTA", "EDTA", "neat", "neat"]


def test_a_strict_upload_rejects_a_file_with_unknown_patient_ids_listing_them(db, lab_file):
    db.execute("DELETE FROM recipient_lab_ids")
    with pytest.raises(UnknownPatient, match="unknown patient IDs: P-17 [(]strict") as raised:
        import_upload(db, lab_file(TWO), TWO, user="lab", strict=True)
    assert raised.value.details["unknown"] == ["P-17"]
    assert (count(db, "samples"), count(db, "bead_results")) == (0, 0)
    (rejected,) = store.list_uploads(db)
    assert (rejected["outcome"], rejected["error"]["code"]) == ("rejected", "unknown_patient")
    assert store.upload_bytes(db, rejected["id"]) == lab_file(TWO)  # nothing is lost


def test_a_patient_id_in_two_studies_is_ambiguous_unless_the_study_is_named(db, lab_file):
    store.create_study(db, "KIDNEY-02", user="coordinator")
    store.create_recipient(db, "KIDNEY-02", "K9", lab_ids=["P-17", "R002"], user="coordinator")
    with pytest.raises(UnknownPatient, match="several recipients: P-17, R002"):
        import_upload(db, lab_file(TWO), TWO, user="lab")
    result = import_upload(db, lab_file(TWO), TWO, user="lab", study="KIDNEY-02")
    k9 = store.list_recipients(db, "KIDNEY-02")[0]["id"]
    assert {s.recipient_id for s in result.samples} == {k9}


def _sample(name, patient, hla_class="II", run_date=dt.date(2024, 3, 25)):
    return SampleResult(
        sample_id=name,
        patient_id=patient,
        run_date=run_date,
        vendor="onelambda",
        kit="LS2A01",
        lot="LS2A01NC21_013_00",
        hla_class=hla_class,
        line=2,
        beads=[
            BeadResult("001", (), raw_mfi=40.0, control="NC"),
            BeadResult("002", (), raw_mfi=20000.0, control="PC"),
            BeadResult("003", ("DRB1*01:01",), raw_mfi=800.0),
        ],
    )


@pytest.mark.parametrize(
    "second, error",
    [
        (_sample("S2", "R002", hla_class="III"), Exception),  # refused by the database mid-file
        (_sample("S2", "R002", run_date=None), FileFormatError),  # no date at all
        (_sample("S1", "P-17"), FileFormatError),  # the same sample twice
    ],
)
def test_an_error_mid_file_leaves_nothing_from_the_file(db, second, error):
    parsed = ParsedFile("fusion", "bad.csv", [_sample("S1", "P-17"), second])
    with pytest.raises(error):
        import_parsed(db, parsed, b"bad bytes", user="lab")
    for table in ("samples", "bead_results", "mfi_vectors"):
        assert count(db, table) == 0, table
    assert [u["outcome"] for u in store.list_uploads(db)] == ["rejected"]


def test_a_qc_failed_sample_is_stored_and_excluded_from_dsa_calls(db, lab_file):
    result = import_upload(db, lab_file("fusion_pc_failed.csv"), "pc.csv", user="lab").to_dict()
    (sample,) = result["samples"]
    assert (sample["qc_status"], sample["excluded"]) == ("fail", True)
    assert "PC bead raw MFI 300 below the minimum 1000" in sample["qc_reasons"][0]
    assert result["qc_failed"] == ["S24-003"]
    stored = store.get_sample(db, sample["sample_id"])
    assert (stored["qc_status"], stored["excluded"]) == ("fail", True)


@pytest.mark.parametrize(
    "limits, expected",
    [
        ({}, ["pass", "pass"]),
        ({"LS2A01": {"pc_min": 19000}}, ["fail", "pass"]),  # per kit: S24-001's PC bead is 18000
        ({"LS2A01": {"pc_min": 25000}, "LS2A01NC21_013_00": {"pc_min": 19000}}, ["fail", "pass"]),
    ],
)
def test_qc_limits_are_configurable_per_kit_and_lot(db, lab_file, limits, expected):
    result = import_upload(db, lab_file(TWO), TWO, user="lab", qc_limits=limits)
    assert [s.qc_status for s in result.samples] == expected


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(db, lab_file):
    with pytest.raises(UploadTooLarge, match="over the upload limit"):
        import_upload(db, lab_file(TWO), TWO, user="lab", max_bytes=100)
    (rejected,) = store.list_uploads(db)
    assert (rejected["outcome"], rejected["error"]["code"]) == ("rejected", "upload_too_large")
    assert count(db, "files") == 0


def test_parse_errors_pass_through_unchanged(db):
    data = b'"PatientID";"SampleIDName";"BeadID";"Specificity"\r\n"P-17";"S1";"001";"-"\r\n'
    with pytest.raises(FileFormatError) as direct:
        parse_file(data, "short.csv", format="fusion")
    with pytest.raises(FileFormatError) as raised:
        import_upload(db, data, "short.csv", user="lab", format="fusion")
    assert (raised.value.message, raised.value.line, raised.value.column) == (
        direct.value.message,
        direct.value.line,
        direct.value.column,
    )
    assert store.list_uploads(db)[0]["error"]["message"] == direct.value.message


def test_the_same_file_from_two_connections_at_once_is_stored_once(db, lab_file, tmp_path):
    path = tmp_path / "ingest.sqlite3"
    outcomes, errors = [], []

    def upload(user):
        connection = store.open_database(path, busy_timeout_ms=10_000)
        try:
            outcomes.append(import_upload(connection, lab_file(TWO), TWO, user=user).outcome)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(f"lab{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(outcomes) == ["duplicate", "stored"]
    assert (count(db, "uploads"), count(db, "samples")) == (1, 2)


COUNTED = (
    '"PatientID";"SampleIDName";"RunDate";"CatalogID";"BeadID";"Specificity";"RawData";'
    '"CountValue";"NC1BeadID";"PC1BeadID"\n'
    '"P-17";"S1";"2024-03-25";"LS2A01NC21_013_00";"001";"-,-,-,-,-,-,-,-,-,-,-,-";"45";"120";'
    '"001";"002"\n'
    '"P-17";"S1";"2024-03-25";"LS2A01NC21_013_00";"002";"-,-,-,-,-,-,-,-,-,-,-,-";"18000";"90";'
    '"001";"002"\n'
    '"P-17";"S1";"2024-03-25";"LS2A01NC21_013_00";"003";"DRB1*01:01,-,-,-,-,-,-,-,-,-,-,-";"320";'
    '"70";"001";"002"\n'
)


@pytest.mark.parametrize(
    "options, qc_limits, expected",
    [
        (None, None, []),
        (ParseOptions(min_bead_count=100), None, ["bead count below 100 on 2 bead(s): 002 (90), 003 (70)"]),
        (ParseOptions(min_bead_count=80), None, ["bead count below 80 on 1 bead(s): 003 (70)"]),
        # The lab's kit limits override the upload's own.
        (
            ParseOptions(min_bead_count=100),
            {"LS2A01": {"min_bead_count": 80}},
            ["bead count below 80 on 1 bead(s): 003 (70)"],
        ),
    ],
)
def test_the_upload_minimum_bead_count_reaches_qc(db, options, qc_limits, expected):
    result = import_upload(
        db, COUNTED.encode(), "counted.csv", user="lab", options=options, qc_limits=qc_limits
    )
    (sample,) = result.samples
    assert [reason for reason in sample.qc_reasons if "bead count" in reason] == expected


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("data", [COUNTED.encode(), b"not;a\nlab;file\n"], ids=["stored", "refused"])
def test_garbage_collection_is_left_as_it_was_found(db, enabled, data):
    import gc

    (gc.enable if enabled else gc.disable)()
    try:
        try:
            import_upload(db, data, "f.csv", user="lab")
        except FileFormatError:
            pass
        assert gc.isenabled() == enabled
    finally:
        gc.enable()


@pytest.mark.parametrize("size", [0, 1, (1 << 20) + 7, 3 << 20])
def test_bytes_of_any_size_are_kept_exactly_once(db, size):
    # Written into the stored blob a block at a time (never bound whole), across block bounds.
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    kept = []
    for name in ("f.bin", "g.bin"):
        with store.write_transaction(db):
            kept.append(
                uploads.create_upload(
                    db,
                    data=data,
                    sha256="x",
                    file_name=name,
                    size=size,
                    format=None,
                    user="lab",
                    outcome="rejected",
                )
            )
    first, again = kept
    assert store.upload_bytes(db, first) == store.upload_bytes(db, again) == data
    assert count(db, "files") == 1
