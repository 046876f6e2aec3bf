from dsa_monitor import store
from dsa_monitor.store.schema import all_migrations


def test_the_app_context_opens_one_migrated_connection_and_closes_it(app):
    with app.app_context():
        db = store.get_db()
        assert store.get_db() is db
        assert store.schema_version(db) == all_migrations()
        assert db.journal_mode == "wal"
    assert app.config["DATABASE"] in app.extensions["dsa_store"]["migrated"]
    with app.app_context():
        assert store.get_db() is not db
