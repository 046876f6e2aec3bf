"""Uploads: 201 stored (samples, QC, warnings), 200 for the same bytes again, 422 located to file,
line and column, 413 past the size limit; ``GET /uploads/{id}`` shows the outcome."""

import io

import pytest
from reference_paths import TEST_DATA

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.app import create_app
from dsa_monitor.ingest import sent_file_name
from dsa_monitor.sab.lots import read_catalogue
from dsa_monitor.store import tokens

TWO = TEST_DATA / "ingest" / "fusion_two_samples.csv"


def upload(client, headers, data, name="run.csv", **fields):
    """POST a multipart upload; ``manifest`` may be bytes (a file part) or text (a field)."""
    form = {"file": (io.BytesIO(data), name)}
    for key, value in fields.items():
        form[key] = (io.BytesIO(value), f"{key}.csv") if isinstance(value, bytes) else value
    return client.post(f"{API}/uploads", data=form, headers=headers, content_type="multipart/form-data")


@pytest.fixture
def lab(token):
    return token("lab", name="lab-bench")


def test_a_lab_file_is_stored_with_its_samples_qc_and_warnings(client, lab, world, db):
    response = upload(client, lab, TWO.read_bytes(), "fusion_two_samples.csv")
    assert response.status_code == 201
    answer = response.get_json()
    assert (answer["outcome"], answer["format"], answer["duplicate_of"]) == ("stored", "fusion", None)
    assert [
        (s["lab_sample_id"], s["recipient_id"], s["draw_date"], s["draw_date_source"], s["qc_status"])
        for s in answer["samples"]
    ] == [
        ("S24-001", world["R001"], "2024-03-25", "run_date", "pass"),
        ("S24-002", world["R002"], "2024-03-25", "run_date", "pass"),
    ]
    assert answer["run_date_fallback"] == ["S24-001", "S24-002"]
    assert any("the run date 2024-03-25 is used" in w for w in answer["warnings"])
    stored = store.get_upload(db, answer["upload_id"])
    assert (stored["outcome"], stored["uploaded_by"]) == ("stored", "lab-bench")


@pytest.mark.parametrize(
    "manifest",
    [
        b"sample_id,draw_date\nS24-001,2024-03-20\n",  # as a file part
        "sample_id,draw_date\nS24-001,2024-03-20\n",  # as a text field
    ],
)
def test_a_manifest_gives_the_draw_dates(client, lab, world, manifest):
    answer = upload(client, lab, TWO.read_bytes(), manifest=manifest).get_json()
    assert [(s["draw_date"], s["draw_date_source"]) for s in answer["samples"]] == [
        ("2024-03-20", "manifest"),
        ("2024-03-25", "run_date"),
    ]


def test_the_same_bytes_again_are_a_200_naming_the_first_upload(client, lab, world, db):
    first = upload(client, lab, TWO.read_bytes()).get_json()
    again = upload(client, lab, TWO.read_bytes(), "renamed.csv")
    assert again.status_code == 200
    answer = again.get_json()
    assert (answer["outcome"], answer["duplicate_of"]) == ("duplicate", first["upload_id"])
    assert [s["sample_id"] for s in answer["samples"]] == [s["sample_id"] for s in first["samples"]]
    assert len(store.list_samples(db)) == 2


def test_the_same_bytes_from_another_study_tell_nothing_of_the_first_upload(client, lab, token, world):
    upload(client, lab, TWO.read_bytes(), "cord.csv")
    other = token("lab", study="KIDNEY-02")
    again = upload(client, other, TWO.read_bytes(), "kidney.csv")
    assert again.status_code == 200
    answer = again.get_json()
    assert (answer["outcome"], answer["duplicate_of"], answer["samples"]) == ("duplicate", None, [])
    assert "cord.csv" not in str(answer) and "lab-bench" not in str(answer)


def test_the_same_bytes_with_other_draw_dates_from_another_study_name_no_upload(client, lab, token, world):
    """The 409 for other draw dates names the first upload to its own study only."""
    upload(client, lab, TWO.read_bytes(), "cord.csv")
    manifest = b"sample_id,draw_date\nS24-001,2024-03-01\n"
    own = upload(client, lab, TWO.read_bytes(), manifest=manifest)
    assert own.status_code == 409 and "cord.csv" in own.get_json()["error"]["message"]
    other = upload(client, token("lab", study="KIDNEY-02"), TWO.read_bytes(), manifest=manifest)
    assert other.status_code == 409
    error = other.get_json()["error"]
    assert "cord.csv" not in str(error) and "upload_id" not in error["details"]
    assert "a study you cannot see" in error["message"]


@pytest.mark.parametrize(
    "change, code, details",
    [
        (
            (b'"18000"', b'"lots"'),
            "file_format",
            {"file": "run.csv", "line": 3, "column": "RawData", "value": "lots"},
        ),
        (
            (b'"2024-03-25"', b'"2024-13-25"'),
            "file_format",
            {"file": "run.csv", "line": 2, "column": "RunDate", "value": "2024-13-25"},
        ),
    ],
)
def test_a_bad_file_is_a_422_located_and_recorded(client, lab, world, db, change, code, details):
    response = upload(client, lab, TWO.read_bytes().replace(*change))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == code
    assert details.items() <= error["details"].items()
    rejected = store.list_uploads(db)[0]
    assert (rejected["outcome"], rejected["error"]["code"]) == ("rejected", code)
    assert store.list_samples(db) == []


@pytest.mark.parametrize(
    "form, field",
    [
        ({}, "file"),
        ({"format": "excel"}, "format"),
    ],
)
def test_a_form_without_a_file_or_with_an_unknown_format_is_a_422(client, lab, world, form, field):
    if field != "file":
        form = {"file": (io.BytesIO(TWO.read_bytes()), "run.csv"), **form}
    response = client.post(f"{API}/uploads", data=form, headers=lab, content_type="multipart/form-data")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_a_bad_manifest_is_a_422_with_its_line_and_column(client, lab, world, db):
    response = upload(client, lab, TWO.read_bytes(), manifest=b"sample_id,draw_date\nS24-001,20/03/2024\n")
    assert response.status_code == 422
    assert {"line": 2, "column": "draw_date"}.items() <= (response.get_json()["error"]["details"].items())
    assert store.list_samples(db) == []


def test_an_upload_past_the_size_limit_is_a_413(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "small.sqlite3"),
            "REFERENCE_DIR": str(tmp_path / "reference"),
            "MAX_UPLOAD_MB": 1,
        }
    )
    db = store.open_database(app.config["DATABASE"])
    _, secret = tokens.create_token(db, "lab", "lab", user="test")
    db.close()
    response = upload(app.test_client(), {"Authorization": f"Bearer {secret}"}, b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "upload_too_large" and "limit of 1 MB" in error["message"]


def test_an_upload_is_fetched_with_its_samples_or_its_error(client, lab, world):
    stored = upload(client, lab, TWO.read_bytes()).get_json()
    fetched = client.get(f"{API}/uploads/{stored['upload_id']}", headers=lab).get_json()
    assert (fetched["outcome"], fetched["error"], fetched["uploaded_by"]) == ("stored", None, "lab-bench")
    assert [s["id"] for s in fetched["samples"]] == [s["sample_id"] for s in stored["samples"]]
    assert fetched["warnings"] == stored["warnings"]
    upload(client, lab, b"not a lab file")
    rejected = client.get(f"{API}/uploads/{stored['upload_id'] + 1}", headers=lab).get_json()
    assert (rejected["outcome"], rejected["samples"]) == ("rejected", [])
    assert rejected["error"]["code"] == "file_format"
    assert client.get(f"{API}/uploads/999", headers=lab).status_code == 404


def test_a_token_scoped_to_a_study_places_and_sees_only_its_own(client, lab, world, token):
    stored = upload(client, lab, TWO.read_bytes()).get_json()
    kidney = token("lab", study="KIDNEY-02")
    assert client.get(f"{API}/uploads/{stored['upload_id']}", headers=kidney).status_code == 404
    again = upload(client, kidney, TWO.read_bytes())
    assert (again.status_code, again.get_json()["samples"]) == (200, [])
    corrected = upload(client, kidney, TWO.read_bytes().replace(b'"18000"', b'"18001"'))
    assert corrected.status_code == 422  # CORD-01's patients are unknown to KIDNEY-02
    assert corrected.get_json()["error"]["code"] == "unknown_patient"


@pytest.mark.parametrize(
    "role, status",
    [
        ("lab", 201),
        ("admin", 201),
        ("clinician", 403),
        ("integration", 403),
    ],
)
def test_only_lab_and_admin_tokens_may_upload(client, world, token, db, role, status):
    response = upload(client, token(role), TWO.read_bytes())
    assert response.status_code == status
    assert len(store.list_uploads(db)) == (1 if status == 201 else 0)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_an_upload_without_a_valid_token_is_a_401_and_not_recorded(client, world, db, headers):
    assert upload(client, headers, TWO.read_bytes()).status_code == 401
    assert store.list_uploads(db) == []


def test_a_windows_export_is_read_with_the_encoding_named(client, lab, world, db):
    lines = TWO.read_text().splitlines()
    lines = [lines[0] + ';"Note"'] + [line + ';"Prüfung µ"' for line in lines[1:]]
    data = "\r\n".join(lines).encode("cp1252")
    refused = upload(client, lab, data, "windows.csv")
    assert refused.status_code == 422
    assert "not valid utf-8 text: byte 0xFC" in refused.get_json()["error"]["message"]
    unknown = upload(client, lab, data, "windows.csv", encoding="klingon")
    assert unknown.status_code == 422
    assert "unknown text encoding 'klingon'" in unknown.get_json()["error"]["message"]
    stored = upload(client, lab, data, "windows.csv", encoding="cp1252")
    assert stored.status_code == 201, stored.get_json()
    sample_id = stored.get_json()["samples"][0]["sample_id"]
    assert store.list_bead_results(db, sample_id)[0]["extra"] == {"Note": "Prüfung µ"}


def test_the_date_layout_named_with_an_upload_reads_its_ambiguous_dates(client, lab, world):
    data = TWO.read_bytes().replace(b'"2024-03-25"', b'"03/04/2024"')  # 3 April or March 4?
    refused = upload(client, lab, data, "ambiguous.csv")
    assert refused.status_code == 422 and "ambiguous date" in refused.get_json()["error"]["message"]
    bad = upload(client, lab, data, "ambiguous.csv", date_format="DD/MM/YY")
    assert bad.status_code == 422 and "date_format" in bad.get_json()["error"]["details"]
    stored = upload(client, lab, data, "ambiguous.csv", date_format="dd/mm/yyyy")
    assert stored.status_code == 201, stored.get_json()
    assert {s["draw_date"] for s in stored.get_json()["samples"]} >= {"2024-04-03"}


def test_a_treated_run_is_stored_beside_the_neat_run_and_unknown_fields_refused(client, lab, world, db):
    neat = upload(client, lab, TWO.read_bytes(), "neat.csv").get_json()
    edta = upload(client, lab, TWO.read_bytes().replace(b"45,5", b"46,5"), "edta.csv", serum_treatment="EDTA")
    assert edta.status_code == 201, edta.get_json()
    assert edta.get_json()["superseded"] == []  # beside the neat runs, not in their place
    treatments = sorted(s["serum_treatment"] for s in store.list_samples(db))
    assert treatments == ["EDTA"] * len(neat["samples"]) + ["neat"] * len(neat["samples"])
    odd = upload(client, lab, TWO.read_bytes(), "odd.csv", treatment="EDTA")
    assert odd.status_code == 422 and "treatment" in odd.get_json()["error"]["details"]
    bad = upload(client, lab, TWO.read_bytes(), "bad.csv", serum_treatment="boiled")
    assert bad.status_code == 422


def test_the_lot_named_reads_an_xponent_run_that_names_none(client, lab, world, db):
    sheet = TEST_DATA / "lots" / "LS2A01_lot099.csv"
    run = (TEST_DATA / "xponent" / "ls2_run.csv").read_bytes()
    store.register_catalogue(db, read_catalogue(sheet.read_bytes(), sheet.name), "lab")
    without = upload(client, lab, run, "ls2_run.csv")
    assert without.status_code == 422
    assert "no catalogue registered for lot" in without.get_json()["error"]["message"]
    named = upload(client, lab, run, "ls2_run.csv", lot="LS2A01NC99_099_00")
    # Read with the lot's catalogue; placed by sample name, which names no recipient here.
    assert named.status_code == 422
    assert "sample R-7: not enrolled" in named.get_json()["error"]["message"]


def test_files_sent_with_a_path_are_named_without_its_folders(client, lab, world, db):
    form = {
        "file": (io.BytesIO(TWO.read_bytes()), "runs/day 1/run.csv"),
        "manifest": (io.BytesIO(b"sample_id,draw_date\nS24-001,20/03/2024\n"), "../lab/dates.csv"),
    }
    refused = client.post(f"{API}/uploads", data=form, headers=lab, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["file"] == "dates.csv"
    answer = upload(client, lab, TWO.read_bytes(), name="C:/runs/day 1/run.csv").get_json()
    assert answer["file_name"] == "run.csv"
    assert store.list_uploads(db)[0]["file_name"] == "run.csv"


@pytest.mark.parametrize(
    ("sent", "named"),
    [
        ("C:\\runs\\run.csv", "run.csv"),
        ("a/b\\c.csv", "c.csv"),
        ("run.csv", "run.csv"),
        ("C:\\runs\\", "upload"),
        (None, "upload"),
    ],
)
def test_a_sent_file_name_keeps_the_name_and_drops_the_senders_folders(sent, named):
    assert sent_file_name(sent, "upload") == named
