"""Each real vendor export in ../shared/hla_reference/sab_examples/ imports its enrolled samples
through the API, beside the controls and other patients it holds; a lot is registered from its
.eds where the file needs one. The haml-demo CSVs carry no run or draw date: without a manifest
they are refused with the message pinned here (README, "Real vendor exports")."""

import io

import pytest
from reference_paths import SAB_EXAMPLES, need_shared

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.sab.lots import read_catalogue

# file -> (lab IDs enrolled, upload fields, samples stored, {sample: reason} not stored)
EXPORTS = {
    "ihiw_converters/HLAM_Fusion.csv": (["6430019"], {}, ["19s02030"], {}),
    "ihiw_converters/HAMLMatchItImmucor.csv": (
        ["19s05189", "19s05226"],
        {"date_format": "DD-MM-YYYY"},
        ["19s05189", "19s05226"],
        {
            "19s05214": "not enrolled",
            "19s05237": "not enrolled",
            "19s05246": "not enrolled",
            "19s05282": "not enrolled",
        },
    ),
    "ihiw_converters/HAMLMatchItImmucorKlasseII.csv": (
        ["19R01543"],
        {"date_format": "DD-MM-YYYY"},
        ["19R01543"],
        None,
    ),
    "ihiw_converters/1497_1586843147576_HAML_BenTestMatchit.csv.haml": (
        ["19R01543"],
        {"date_format": "DD-MM-YYYY"},
        ["19R01543"],
        None,
    ),
    "haml-interpretation/MatchIt.xml": (["19s05189"], {}, ["19s05189"], None),
    "haml-interpretation/OLSampleCI2025-05-13_haml.xml": (
        ["Patient C"],
        {},
        ["Patient C"],
        {
            "LS-NC 026": "control serum",
            "PPS 008 1/2": "control serum",
            "Patient S": "not enrolled",
            "Patient R": "not enrolled",
        },
    ),
    "haml-interpretation/OLSampleCII2025-05-13_haml.xml": (
        ["Patient R"],
        {},
        ["Patient R"],
        {
            "LS-NC 026": "control serum",
            "PPS 008 1/2": "control serum",
            "Patient C": "not enrolled",
            "Patient S": "not enrolled",
        },
    ),
    "hlapro_luminex/LSA1-test.csv": (["S001"], {}, ["S001"], {"S002": "not enrolled"}),
    "hlapro_luminex/LSA2-test.csv": (["S0004"], {}, ["S0004"], {"S0003": "not enrolled"}),
    "immunomath_haml/sample_file_haml_0_4_4.xml": (["Patient_440223"], {}, ["sample_3"], {}),
    "haml-demo/sample_sab_class1.csv": (
        ["HAML-DEMO-001"],
        {"manifest": "sample_id,draw_date\nHAML-DEMO-001,2024-01-15\n"},
        ["HAML-DEMO-001"],
        {},
    ),
}


@pytest.fixture
def enrolled(db):
    """Study LAB-DAY and the lots of the xPONENT runs, registered from their .eds files."""
    store.create_study(db, "LAB-DAY", user="coordinator")
    for eds in sorted(need_shared(SAB_EXAMPLES / "hlapro_luminex").glob("*.eds")):
        store.register_catalogue(db, read_catalogue(eds.read_bytes(), eds.name), "lab")

    def enrol(lab_ids):
        for number, lab_id in enumerate(lab_ids):
            store.create_recipient(db, "LAB-DAY", f"R{number}", lab_ids=[lab_id], user="setup")

    return enrol


def send(client, headers, path, **fields):
    data = need_shared(SAB_EXAMPLES / path).read_bytes()
    return client.post(
        f"{API}/uploads",
        headers=headers,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), path.rsplit("/", 1)[-1]), **fields},
    )


@pytest.mark.parametrize("path", sorted(EXPORTS))
def test_a_real_export_imports_its_enrolled_samples(client, token, enrolled, path):
    lab_ids, fields, stored, not_stored = EXPORTS[path]
    enrolled(lab_ids)
    response = send(client, token("lab"), path, **fields)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert sorted({s["lab_sample_id"] for s in answer["samples"]}) == stored
    if path.endswith("HAMLMatchItImmucor.csv"):  # the same run as MatchIt.xml: 2019-12-10
        assert {s["draw_date"] for s in answer["samples"]} == {"2019-12-10"}
    reasons = {e["sample_id"]: e["reason"] for e in answer["not_stored"]}
    if not_stored is not None:
        assert reasons == not_stored
    else:  # the other patients of a many-patient file
        assert set(reasons.values()) == {"not enrolled"} and len(reasons) > 3


@pytest.mark.parametrize("path", ["haml-demo/sample_sab_class1.csv", "haml-demo/sample_sab_class2.csv"])
def test_an_export_without_any_date_needs_a_manifest_and_says_so(client, token, enrolled, path):
    enrolled(["HAML-DEMO-001"])
    response = send(client, token("lab"), path)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == (
        f"{path.rsplit('/', 1)[-1]}, line 2: sample 'HAML-DEMO-001' has neither a draw date nor"
        " a run date (expected a draw date in a manifest)"
    )


def test_ambiguous_matchit_dates_without_a_layout_are_refused_naming_line_and_column(client, token, enrolled):
    enrolled(["19s05189"])
    response = send(client, token("lab"), "ihiw_converters/HAMLMatchItImmucor.csv")
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert (details["line"], details["column"], details["value"]) == (2, "Run Date", "10-12-2019")
