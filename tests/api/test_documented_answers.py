"""Answers a stateful schemathesis run found outside the document (issue 16): a study edit with
a bad date layout or control pattern was an undocumented 400, a report asked for as CSV an
undocumented media type. Each is now what the document says."""

from __future__ import annotations

import pytest

from dsa_monitor.api import PREFIX as API
from dsa_monitor.api.spec import build_spec


@pytest.mark.parametrize(
    "change, field",
    [
        ({"date_layout": "sort"}, "date_layout"),
        ({"date_layout": "DD/MM-YYYY"}, "date_layout"),
        ({"control_pattern": "(QC"}, "control_pattern"),
    ],
)
def test_a_bad_study_setting_is_the_documented_422_naming_its_field(client, admin, world, change, field):
    response = client.patch(f"{API}/studies/CORD-01", headers=admin, json=change)
    documented = build_spec()["paths"]["/studies/{code}"]["patch"]["responses"]
    assert response.status_code == 422 and "422" in documented
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize("layout", ["", None, " dd.mm.yyyy "])
def test_a_date_layout_may_still_be_cleared_or_given_in_any_case(client, admin, world, layout):
    response = client.patch(f"{API}/studies/CORD-01", headers=admin, json={"date_layout": layout})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "path, query, media",
    [
        ("/studies/CORD-01/report", "?format=csv", "text/csv"),
        ("/studies/CORD-01/report", "", "application/json"),
        ("/studies/CORD-01/export", "", "text/csv"),
        ("/docs", "", "text/html"),
    ],
)
def test_each_answer_is_in_a_media_type_the_document_lists(client, admin, world, path, query, media):
    response = client.get(f"{API}{path}{query}", headers=admin)
    template = path.replace("CORD-01", "{code}")
    documented = build_spec()["paths"][template]["get"]["responses"]["200"]["content"]
    assert (response.status_code, response.mimetype) == (200, media)
    assert media in documented
