"""The OpenAPI document: served without a token, generated from the registered operations."""

import pytest

from dsa_monitor.api import PREFIX as API
from dsa_monitor.api.spec import build_spec


def test_the_document_is_served_and_is_the_one_generated(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == build_spec()


def test_every_api_route_of_the_app_is_documented(app):
    document = build_spec()
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix(API)
            for converter in ("<int:", "<"):
                path = path.replace(converter, "{")
            path = path.replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


@pytest.mark.parametrize(
    "path, method, statuses",
    [
        ("/studies", "post", {"201", "401", "403", "409", "414", "422"}),
        ("/recipients/{recipient_id}", "get", {"200", "401", "403", "404", "414"}),
        ("/uploads", "post", {"200", "201", "400", "401", "403", "404", "409", "413", "414", "422"}),
        ("/health", "get", {"200", "414"}),
    ],
)
def test_each_operation_documents_its_answers(path, method, statuses):
    operation = build_spec()["paths"][path][method]
    assert set(operation["responses"]) == statuses
    assert bool(operation["security"]) == (path != "/health")


def test_dates_and_time_stamps_are_typed_in_the_document():
    schemas = build_spec()["components"]["schemas"]
    assert schemas["Exposure"]["properties"]["date"]["format"] == "date"
    assert schemas["ExposureCreate"]["properties"]["date"]["format"] == "date"
    assert schemas["Study"]["properties"]["created_at"]["format"] == "date-time"
    assert build_spec()["servers"] == [{"url": "/api/v1"}]
