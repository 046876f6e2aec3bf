"""Bad input to ``POST /uploads`` is a located 422, never a 500, and tells nothing of another
study (issue 16)."""

import pytest

from dsa_monitor import store

from .test_uploads import TWO, lab, upload  # noqa: F401 - lab is a fixture

GENERIC = (
    b"sample_id,patient_id,draw_date,bead_id,specificity,raw_mfi,count\n"
    b"S-1,P-17,2024-03-01,3,A*01:01,100,120\n"
    b"S-1,P-17,2024-03-01,4,A*02:01,200,130\n"
)


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        (GENERIC.replace(b"130", b"12345678901234567890"), 3, "count"),
        (GENERIC.replace(b",200,", b",-200,"), 3, "raw_mfi"),
        (GENERIC.replace(b"S-1", b'"S\n-1"'), 2, "sample_id"),
        (TWO.read_bytes().replace(b'"S24-001"', b'"S24\r\n-001"'), 2, "SampleIDName"),
    ],
)
def test_a_bad_cell_is_a_422_naming_line_and_column(
    client,
    lab,  # noqa: F811
    world,
    db,
    data,
    line,
    column,
):
    response = upload(client, lab, data)
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert (details["line"], details["column"]) == (line, column)
    assert store.list_samples(db) == []


def test_an_encoding_name_with_a_nul_is_a_422(client, lab, world):  # noqa: F811
    """Issue 16: ``codecs.lookup`` raises ValueError for it, which was not caught (a 500)."""
    response = upload(client, lab, TWO.read_bytes(), encoding="utf\x00-8")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "unknown_encoding"


def test_a_duplicate_of_another_studys_upload_does_not_give_its_id(
    client,
    lab,  # noqa: F811
    token,
    world,
):
    first = upload(client, lab, TWO.read_bytes(), "cord.csv").get_json()
    again = upload(client, token("lab", study="KIDNEY-02"), TWO.read_bytes(), "kidney.csv")
    answer = again.get_json()
    assert again.status_code == 200 and answer["outcome"] == "duplicate"
    assert answer["upload_id"] is None and answer["duplicate_of"] is None
    assert first["upload_id"] not in [v for v in answer.values() if isinstance(v, int)]
