"""``GET /api/v1/docs``: the OpenAPI document as a page a person reads, with nothing from elsewhere."""

from __future__ import annotations

import re

from dsa_monitor.api import PREFIX as API
from dsa_monitor.config import CONTENT_SECURITY_POLICY


def test_the_reference_shows_every_operation_and_schema_without_a_token(client):
    document = client.get(f"{API}/openapi.json").get_json()
    response = client.get(f"{API}/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    page = response.text
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert f"<code>{method.upper()} {API}{path}</code>" in page, (method, path)
            assert f'id="{operation["operationId"]}"' in page
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert "Bearer" in page and '{"error": {"code"' in page.replace("&#34;", '"')


def test_the_reference_loads_nothing_from_elsewhere_and_runs_no_script(client):
    page = client.get(f"{API}/docs").text
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_field_rules_are_shown_where_the_schema_states_them(client):
    document = client.get(f"{API}/openapi.json").get_json()
    page = client.get(f"{API}/docs").text
    ruled = [
        (name, field, body)
        for name, schema in document["components"]["schemas"].items()
        for field, body in schema.get("properties", {}).items()
        if "enum" in body
    ]
    assert ruled, "some schema field has an enum"
    name, field, body = ruled[0]
    section = page[page.index(f'id="schema-{name}"') :]
    assert f"<code>{field}</code>" in section and "enum:" in section
