"""Reads as dicts straight from the driver: the same rows ``Database.query`` gives, no savepoint."""

from dsa_monitor import store
from dsa_monitor.store.rows import select_rows


def test_rows_are_those_database_query_gives_and_no_savepoint_is_made(tmp_path):
    db = store.open_database(tmp_path / "rows.sqlite3")
    store.create_study(db, "ROWS", user="test")
    sql = "SELECT s.id, s.code, s.id AS id, s.code FROM studies s WHERE s.code = ?"  # names twice
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    found = select_rows(db, sql, ["ROWS"])
    db.conn.set_trace_callback(None)
    assert found == list(db.query(sql, ["ROWS"]))
    assert list(found[0]) == ["id", "code", "id_2", "code_2"]
    assert [s for s in statements if "SAVEPOINT" in s or "RELEASE" in s] == []
    assert select_rows(db, "SELECT * FROM studies WHERE code = ?", ["NONE"]) == []
    db.close()
