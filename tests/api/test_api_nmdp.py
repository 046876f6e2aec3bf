"""Through the API: a typing with an NMDP code is refused (422, saying how to install the code
table) until the table is installed; then the code is stored with the alleles it stands for."""

from __future__ import annotations

import pytest
from reference_paths import TEST_DATA

from dsa_monitor.hla.nmdp import INSTALL_COMMAND
from dsa_monitor.reference import nmdp

API = "/api/v1"
TABLE = TEST_DATA / "nmdp" / "numer.v3.txt"


@pytest.mark.parametrize(
    "body",
    [
        {"loci": {"A": ["A*02:AB", "A*24:02"]}},
        {"gl_string": "HLA-A*02:AB+HLA-A*24:02"},
    ],
)
def test_put_refuses_an_nmdp_code_without_the_table(client, admin, world, body):
    response = client.put(f"{API}/donors/{world['CBU-1']}/typing", json=body, headers=admin)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_hla_name"
    assert error["message"].startswith('"A*02:AB": ')
    assert f"`{INSTALL_COMMAND}`" in error["message"]


def test_patch_refuses_it_too_and_keeps_the_current_version(client, admin, world):
    url = f"{API}/recipients/{world['R001']}/typing"
    assert client.put(url, json={"loci": {"A": ["A*01:01"]}}, headers=admin).status_code == 200
    response = client.patch(url, json={"loci": {"B": ["B*07:AB"]}}, headers=admin)
    assert response.status_code == 422
    assert INSTALL_COMMAND in response.get_json()["error"]["message"]
    assert client.get(url, headers=admin).get_json()["version"] == 1


def test_with_the_table_installed_the_code_is_expanded(app, client, admin, world):
    nmdp.install_table(app.config["REFERENCE_DIR"], str(TABLE))
    url = f"{API}/donors/{world['CBU-1']}/typing"
    response = client.put(url, json={"loci": {"A": ["A*02:AB", "A*24:02"]}}, headers=admin)
    assert response.status_code == 200, response.get_json()
    entry = response.get_json()["typing"]["loci"]["A"][0]
    assert entry == {
        "kind": "code",
        "names": ["A*02:AB"],
        "resolution": "code",
        "expansion": ["A*02:01", "A*02:02"],
        "antigens": ["A2"],
    }
    health = client.get(f"{API}/health").get_json()["reference"]
    assert health["nmdp_codes"] == {"codes": 5, "updated": "10/01/24"}


def test_xx_needs_no_table(client, admin, world):
    response = client.put(
        f"{API}/donors/{world['CBU-1']}/typing", json={"loci": {"B": ["B*15:XX", "B*07:02"]}}, headers=admin
    )
    assert response.status_code == 200
    assert response.get_json()["typing"]["loci"]["B"][0]["names"] == ["B*15:XX"]
