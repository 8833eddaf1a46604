"""Deferred indexes: dropped inside a transaction, rebuilt from their own SQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gawah.errors import WorkspaceError
from gawah.ledger import DeferredIndexes
from gawah.ledger.bulk import plain_indexes
from gawah.ledger.store import connect

_SCHEMA = """
CREATE TABLE things (id TEXT PRIMARY KEY, name TEXT, code TEXT);
CREATE INDEX things_name ON things (name);
CREATE INDEX things_open ON things (code) WHERE code IS NOT NULL;
CREATE UNIQUE INDEX things_code ON things (code, name);
"""


def _conn(folder: Path) -> sqlite3.Connection:
    conn = connect(folder / "db.sqlite")
    conn.executescript(_SCHEMA)
    return conn


def _names(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {str(r[0]) for r in rows}


def test_only_plain_projection_indexes_are_deferred(tmp_path: Path) -> None:
    conn = _conn(tmp_path)
    names = {name for name, _ in plain_indexes(conn)}
    # Not the UNIQUE one, not the primary key's, not the ledger's own.
    assert names == {"things_name", "things_open"}


def test_drop_and_restore_inside_one_transaction(tmp_path: Path) -> None:
    conn = _conn(tmp_path)
    before = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    ).fetchall()
    deferred = DeferredIndexes(conn)
    conn.execute("BEGIN IMMEDIATE")
    assert deferred.drop() == 2
    assert "things_name" not in _names(conn)
    conn.executemany(
        "INSERT INTO things VALUES (?, ?, ?)",
        [(f"id{i}", f"name{i % 7}", None) for i in range(50)],
    )
    deferred.restore()
    conn.execute("COMMIT")
    after = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    ).fetchall()
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM things WHERE name = 'name3'"
    ).fetchall()
    assert any("things_name" in str(row[3]) for row in plan)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_rollback_brings_the_indexes_back(tmp_path: Path) -> None:
    conn = _conn(tmp_path)
    before = _names(conn)
    conn.execute("BEGIN IMMEDIATE")
    DeferredIndexes(conn).drop()
    conn.execute("ROLLBACK")
    assert _names(conn) == before


def test_refused_outside_a_transaction(tmp_path: Path) -> None:
    conn = _conn(tmp_path)
    with pytest.raises(WorkspaceError):
        DeferredIndexes(conn).drop()
    assert "things_name" in _names(conn)
