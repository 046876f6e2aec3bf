"""Every OpenAPI link of the document, followed right after its source succeeds, answers 200
(issue 16): no link promises what is not there yet (a typing before one is PUT)."""

from __future__ import annotations

import io

import pytest
from reference_paths import TEST_DATA

from dsa_monitor.api import PREFIX as API

FUSION = TEST_DATA / "ingest" / "fusion_two_samples.csv"


def _typing(owner: str, method: str):
    """PUT a typing (after one for a PATCH, which changes an existing one)."""

    def run(client, headers, world):
        key = "R002" if owner == "recipients" else "LD-3"
        path = f"{API}/{owner}/{world[key]}/typing"
        client.put(path, json={"gl_string": "HLA-A*02:01+HLA-A*24:02"}, headers=headers)
        body = (
            {"loci": {"B": ["B44", "B7"]}} if method == "PATCH" else {"gl_string": "HLA-A*01:01+HLA-A*03:01"}
        )
        params = {"recipient_id" if owner == "recipients" else "donor_id": world[key]}
        return client.open(path, method=method, json=body, headers=headers), params

    return run


# operationId -> how to make that operation succeed: (response, its path parameters).
SOURCES = {
    "create_study": lambda client, headers, world: (
        client.post(f"{API}/studies", json={"code": "LINK-01", "title": "links"}, headers=headers),
        {},
    ),
    "create_recipient": lambda client, headers, world: (
        client.post(
            f"{API}/recipients",
            json={"study": "CORD-01", "subject_code": "R900", "lab_ids": ["P-900"]},
            headers=headers,
        ),
        {},
    ),
    "add_lab_id": lambda client, headers, world: (
        client.post(f"{API}/recipients/{world['R002']}/lab_ids", json={"lab_id": "P-901"}, headers=headers),
        {"recipient_id": world["R002"]},
    ),
    "create_donor": lambda client, headers, world: (
        client.post(f"{API}/donors", json={"code": "D-900", "kind": "living"}, headers=headers),
        {},
    ),
    "create_exposure": lambda client, headers, world: (
        client.post(
            f"{API}/exposures",
            json={
                "recipient_id": world["R002"],
                "donor_ids": [world["LD-3"]],
                "date": "2024-01-05",
                "kind": "transplant",
            },
            headers=headers,
        ),
        {},
    ),
    "create_upload": lambda client, headers, world: (
        client.post(
            f"{API}/uploads",
            data={"file": (io.BytesIO(FUSION.read_bytes()), FUSION.name)},
            headers=headers,
            content_type="multipart/form-data",
        ),
        {},
    ),
    **{
        f"{verb}_{kind}_typing": _typing(owner, verb.upper())
        for verb in ("put", "patch")
        for kind, owner in (("recipient", "recipients"), ("donor", "donors"))
    },
}


def _operations(document: dict) -> dict[str, tuple[str, str]]:
    return {
        op["operationId"]: (method.upper(), path)
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    }


def _links(document: dict) -> list[tuple[str, str, str, dict]]:
    return [
        (op["operationId"], status, name, link)
        for methods in document["paths"].values()
        for op in methods.values()
        for status, response in op["responses"].items()
        for name, link in response.get("links", {}).items()
    ]


def _value(expression: str, response, path: dict):
    """An OpenAPI runtime expression: ``$response.body#/pointer`` or ``$request.path.name``."""
    if expression.startswith("$request.path."):
        return path[expression.removeprefix("$request.path.")]
    assert expression.startswith("$response.body#/"), expression
    value = response.get_json()
    for part in expression.removeprefix("$response.body#/").split("/"):
        value = value[int(part) if isinstance(value, list) else part]
    return value


def test_the_document_has_links_and_every_source_can_be_followed(client):
    links = _links(client.get(f"{API}/openapi.json").get_json())
    assert len(links) >= 10
    assert {source for source, *_ in links} <= set(SOURCES), "a link this test cannot follow"


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_link_answers_200_right_after_its_source(client, world, admin, source):
    document = client.get(f"{API}/openapi.json").get_json()
    operations = _operations(document)
    response, path = SOURCES[source](client, admin, world)
    followed = [
        (name, link)
        for op, status, name, link in _links(document)
        if op == source and int(status) == response.status_code
    ]
    assert response.status_code < 300 and followed, (source, response.get_json())
    for name, link in followed:
        method, template = operations[link["operationId"]]
        target = template.format(
            **{
                parameter: _value(expression, response, path)
                for parameter, expression in link["parameters"].items()
            }
        )
        answer = client.open(f"{API}{target}", method=method, headers=admin)
        assert (name, answer.status_code) == (name, 200), answer.get_json()
