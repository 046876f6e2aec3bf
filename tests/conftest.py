"""Shared fixtures: an app on a temporary instance folder, its test client and CLI runner."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from reference_paths import (  # noqa: F401  (re-exported for older imports)
    HLA_REFERENCE,
    IMGT_358,
    SAB_EXAMPLES,
    SHARED,
    TEST_DATA,
    need_shared,
)
from werkzeug.serving import make_server

from dsa_monitor import store
from dsa_monitor.api import dumping
from dsa_monitor.app import create_app

# Every API response the suite asks for is also dumped by marshmallow and compared with the fast
# dump the API serves (``api.dumping``): a difference fails the test that met it.
dumping.CHECK = True


class ClosingClient(FlaskClient):
    """The test client, closing the request body it built: Werkzeug's test client spools a
    multipart body over 500 KB to a temporary file and leaves it to the garbage collector, whose
    ResourceWarning would fail the suite (``filterwarnings = error``) in whichever test runs then."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        for reply in (*response.history, response):
            body = reply.request.environ.get("wsgi.input")
            if body is not None:
                body.close()
        return response


Flask.test_client_class = ClosingClient


@pytest.fixture
def app(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    made = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "test.sqlite3"),
            "REFERENCE_DIR": str(tmp_path / "reference"),
        }
    )
    yield made
    store.release_connections(made)


@pytest.fixture
def db(app):
    """A connection of the test's own to the app's database file (the app opens its own)."""
    database = store.open_database(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app on a free port of 127.0.0.1, served from a thread for the test's length: its URL."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """For command tests: ``DSA_MONITOR_*`` pointing at a fresh database in ``tmp_path``; its
    path (open it with ``store.open_database``)."""
    database = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(database))
    monkeypatch.setenv("DSA_MONITOR_REFERENCE_DIR", str(tmp_path / "reference"))
    return database
