"""Bearer tokens: missing, malformed, unknown or revoked is 401; a role short of it is 403; a
token scoped to one study gets 404 for anything of another study, and lists only its own."""

import pytest

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.store import tokens

TYPING = {"gl_string": "HLA-A*02:01+HLA-A*24:02"}

# Every protected operation, with a body that would succeed for an admin of any study.
OPERATIONS = [
    ("POST", "/studies", {"code": "NEW-1"}),
    ("GET", "/studies", None),
    ("GET", "/studies/CORD-01", None),
    ("POST", "/recipients", {"study": "CORD-01", "subject_code": "R010"}),
    ("GET", "/recipients", None),
    ("GET", "/recipients/{R001}", None),
    ("POST", "/donors", {"code": "CBU-7", "kind": "cord"}),
    ("GET", "/donors/{CBU-1}", None),
    ("PUT", "/recipients/{R001}/typing", TYPING),
    ("GET", "/recipients/{R001}/typing/history", None),
    ("PUT", "/donors/{CBU-1}/typing", TYPING),
    ("GET", "/donors/{CBU-1}/typing/history", None),
    (
        "POST",
        "/exposures",
        {"recipient_id": "{R001}", "donor_ids": ["{LD-3}"], "date": "2024-05-01", "kind": "infusion"},
    ),
    ("GET", "/uploads/1", None),
]


def call(client, world, method, path, body, headers):
    """Fill ``{R001}``-style ids from the seeded world and send the request."""
    path = path.format(**world)
    if isinstance(body, dict):
        body = {k: _fill(v, world) for k, v in body.items()}
    return client.open(f"{API}{path}", method=method, json=body, headers=headers)


def _fill(value, world):
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, str) and value.startswith("{"):
        return world[value.strip("{}")]
    return value


@pytest.mark.parametrize("method, path, body", OPERATIONS)
@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-token",
        "bearer x y",
    ],
)
def test_without_a_valid_token_every_operation_is_a_401(client, world, method, path, body, header):
    headers = {} if header is None else {"Authorization": header}
    response = call(client, world, method, path, body, headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_a_revoked_token_is_a_401_from_then_on(client, world, db, token):
    headers = token("lab", name="lab-bench")
    assert client.get(f"{API}/studies", headers=headers).status_code == 200
    tokens.revoke_token(db, "lab-bench", user="test")
    response = client.get(f"{API}/studies", headers=headers)
    assert (response.status_code, response.get_json()["error"]["message"]) == (
        401,
        "the token is unknown or revoked",
    )


WRITES = {  # operation -> the roles that may do it
    ("POST", "/studies"): {"admin"},
    ("POST", "/recipients"): {"admin"},
    ("POST", "/donors"): {"admin"},
    ("POST", "/exposures"): {"admin"},
    ("PUT", "/recipients/{R001}/typing"): {"lab", "admin"},
    ("PUT", "/donors/{CBU-1}/typing"): {"lab", "admin"},
}


@pytest.mark.parametrize("method, path, body", OPERATIONS)
@pytest.mark.parametrize("role", ["lab", "clinician", "integration", "admin"])
def test_each_role_may_read_and_only_some_may_write(client, world, token, method, path, body, role):
    response = call(client, world, method, path, body, token(role))
    allowed = WRITES.get((method, path), {"lab", "clinician", "integration", "admin"})
    if role in allowed:
        assert response.status_code in (200, 201, 404), response.get_json()  # 404: no upload 1
    else:
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


# Operations on CORD-01's objects by a KIDNEY-02 admin: each is "not found".
OTHER_STUDY = [
    ("GET", "/studies/CORD-01", None),
    ("GET", "/recipients?study=CORD-01", None),
    ("GET", "/recipients/{R001}", None),
    ("POST", "/recipients", {"study": "CORD-01", "subject_code": "R010"}),
    ("GET", "/donors/{CBU-1}", None),
    ("PUT", "/recipients/{R001}/typing", TYPING),
    ("GET", "/recipients/{R001}/typing", None),
    ("GET", "/recipients/{R001}/typing/history", None),
    ("PUT", "/donors/{CBU-1}/typing", TYPING),
    ("GET", "/donors/{CBU-1}/typing/history", None),
    (
        "POST",
        "/exposures",
        {"recipient_id": "{R001}", "donor_ids": ["{LD-3}"], "date": "2024-05-01", "kind": "infusion"},
    ),
    (
        "POST",
        "/exposures",
        {"recipient_id": "{K001}", "donor_ids": ["{CBU-1}"], "date": "2024-05-01", "kind": "infusion"},
    ),
]


@pytest.mark.parametrize("method, path, body", OTHER_STUDY)
def test_a_token_scoped_to_a_study_gets_404_for_other_studies(client, world, db, token, method, path, body):
    headers = token("admin", study="KIDNEY-02")
    before = store.list_audit(db, limit=1000)
    response = call(client, world, method, path, body, headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert store.list_audit(db, limit=1000) == before  # nothing written


def test_a_scoped_token_lists_and_writes_within_its_study(client, world, db, token):
    headers = token("admin", study="KIDNEY-02")
    studies = client.get(f"{API}/studies", headers=headers).get_json()["studies"]
    assert [s["code"] for s in studies] == ["KIDNEY-02"]
    recipients = client.get(f"{API}/recipients", headers=headers).get_json()["recipients"]
    assert [r["subject_code"] for r in recipients] == ["K001"]
    for path in (f"/recipients/{world['K001']}", f"/donors/{world['DD-9']}"):
        assert client.get(f"{API}{path}", headers=headers).status_code == 200
    # LD-3, registered for no study and linked to none, is not any one study's to see
    assert client.get(f"{API}/donors/{world['LD-3']}", headers=headers).status_code == 404
    mine = client.post(f"{API}/donors", headers=headers, json={"code": "DD-10", "kind": "deceased"})
    assert mine.status_code == 201 and mine.get_json()["study_id"] is not None
    path = f"{API}/donors/{mine.get_json()['id']}"
    assert client.get(path, headers=headers).status_code == 200  # its own, before any exposure
    other = token("lab", study="CORD-01")
    assert client.get(path, headers=other).status_code == 404
    assert client.put(f"{path}/typing", headers=other, json={"gl_string": "HLA-A*02:01"}).status_code == 404
    assert client.get(path, headers=token("admin")).status_code == 200
    elsewhere = client.post(
        f"{API}/donors", headers=headers, json={"code": "DD-11", "kind": "deceased", "study": "CORD-01"}
    )
    assert elsewhere.status_code == 404  # a study the token cannot see
    created = client.post(
        f"{API}/recipients", headers=headers, json={"study": "KIDNEY-02", "subject_code": "K002"}
    )
    assert created.status_code == 201
    refused = client.post(f"{API}/studies", headers=headers, json={"code": "OTHER"})
    assert refused.status_code == 403


def test_health_and_the_openapi_document_need_no_token(client):
    assert client.get(f"{API}/health").status_code == 200
    assert client.get(f"{API}/openapi.json").status_code == 200
