"""One JSON error shape for every failure on an API path; other paths keep werkzeug's pages."""

import sqlite3

import pytest

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("GET", "/no-such-thing", 404, "not_found"),
        ("DELETE", "/studies", 405, "method_not_allowed"),
        ("PATCH", "/recipients/1", 405, "method_not_allowed"),
    ],
)
def test_routing_errors_on_api_paths_are_json(client, admin, method, path, status, code):
    response = client.open(f"{API}{path}", method=method, headers=admin)
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert (error["code"], error["details"]) == (code, {})
    assert error["message"]


def test_a_405_keeps_its_allow_header(client, admin):
    response = client.delete(f"{API}/studies", headers=admin)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_outside_the_api_errors_are_not_rewritten(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert not response.is_json


def test_a_validation_error_names_each_field(client, admin):
    response = client.post(f"{API}/donors", json={"code": "", "kind": "x", "extra": 1}, headers=admin)
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert set(details) == {"code", "kind", "extra"}
    assert all(isinstance(messages, list) for messages in details.values())


def test_input_the_store_cannot_hold_is_a_422_not_a_500(client, admin):
    response = client.post(f"{API}/donors", json={"code": "CBU-\ud800", "kind": "cord"}, headers=admin)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"code": ["not valid UTF-8 text"]}


def test_an_unexpected_failure_is_a_500_without_its_text_in_the_answer_or_the_log(tmp_path, caplog):
    from dsa_monitor.app import create_app

    (tmp_path / "a-directory").mkdir()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "a-directory"),
            "REFERENCE_DIR": str(tmp_path / "reference"),
        }
    )
    response = app.test_client().get(f"{API}/studies", headers={"Authorization": "Bearer P-17"})
    assert response.status_code == 500
    assert response.get_json()["error"] == {
        "code": "internal_error",
        "message": "an unexpected error; it has been logged",
        "details": {},
    }
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("dsa_monitor"))
    assert "unexpected OperationalError in GET /api/v1/studies" in logged
    assert "unable to open database file" not in logged
    assert "P-17" not in logged


@pytest.mark.parametrize(
    "fault", ["database or disk is full", "disk I/O error", "attempt to write a readonly database"]
)
def test_a_database_that_cannot_be_written_is_a_503_saying_nothing_was_stored(
    client, admin, monkeypatch, fault
):
    def full(*args, **kwargs):
        raise sqlite3.OperationalError(fault)

    monkeypatch.setattr(store, "create_study", full)
    response = client.post(f"{API}/studies", json={"code": "S9"}, headers=admin)
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "storage_unavailable" and "nothing of this request" in error["message"]
