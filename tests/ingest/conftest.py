import pytest

from dsa_monitor import store


@pytest.fixture
def db(tmp_path):
    """One study; recipient R001 has the lab ID P-17, R002 none (matched by subject code)."""
    database = store.open_database(tmp_path / "ingest.sqlite3")
    store.create_study(database, "CORD-01", user="coordinator")
    store.create_recipient(database, "CORD-01", "R001", lab_ids=["P-17"], user="coordinator")
    store.create_recipient(database, "CORD-01", "R002", user="coordinator")
    yield database
    database.close()
