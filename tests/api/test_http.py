"""The API over real HTTP on 127.0.0.1: what a curl user sees, headers included."""

import json
import urllib.error
import urllib.request

import pytest

from dsa_monitor.api import PREFIX as API


@pytest.fixture
def base_url(live_server):
    return f"{live_server}{API}"


def fetch(url, headers=None, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def test_health_then_a_token_then_a_study_over_http(base_url, admin):
    status, headers, body = fetch(f"{base_url}/health")
    assert (status, headers["Content-Type"], body["status"]) == (200, "application/json", "ok")
    status, headers, body = fetch(f"{base_url}/studies")
    assert (status, headers["WWW-Authenticate"], body["error"]["code"]) == (
        401,
        'Bearer realm="dsa-monitor"',
        "unauthenticated",
    )
    status, _, body = fetch(f"{base_url}/studies", admin, {"code": "HTTP-1"}, "POST")
    assert (status, body["code"]) == (201, "HTTP-1")
    status, _, body = fetch(f"{base_url}/studies/HTTP-1", admin)
    assert (status, body["created_by"]) == (200, "admin-all-0")
