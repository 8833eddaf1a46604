"""The replay's tables compared with the stored ones inside SQLite (``ledger verify``).

:meth:`Replay.differing` attaches the workspace file and compares each table row
by row instead of digesting both sides; its verdict must be the digests' in
every case, whatever an editor of the file did to a table.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gawah.core import fixed_clock
from gawah.ledger import Event
from gawah.ledger.projections import (
    Replay,
    differing,
    projection_schema,
    stored_digests,
)
from gawah.testing.signer import fixed_seed
from gawah.workspace import DB_FILE, Workspace


class ProbeProjector:
    """Tables of every shape the comparison handles differently (FICTIONAL)."""

    name = "probe"

    def create(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS probe_rows (k TEXT PRIMARY KEY, v TEXT,"
            " n INTEGER, r REAL, u, x NUMERIC)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS probe_pairs (a TEXT NOT NULL, b INTEGER"
            " NOT NULL, v TEXT COLLATE NOCASE, PRIMARY KEY (a, b)) WITHOUT ROWID"
        )
        conn.execute("CREATE TABLE IF NOT EXISTS probe_bag (x TEXT, y INTEGER)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS probe_keyed (k TEXT PRIMARY KEY, n INTEGER)"
        )

    def drop(self, conn: sqlite3.Connection) -> None:
        for table in ("probe_rows", "probe_pairs", "probe_bag", "probe_keyed"):
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        if event.kind != "probe.put":
            return
        p = event.payload
        conn.execute(
            "INSERT OR REPLACE INTO probe_rows VALUES (?, ?, ?, ?, ?, ?)",
            (p["k"], p["v"], p["n"], p["r"], p["u"], p["x"]),
        )
        conn.execute(
            "INSERT OR REPLACE INTO probe_pairs VALUES (?, ?, ?)",
            (p["v"] or "", p["n"], p["k"]),
        )
        conn.execute("INSERT INTO probe_bag VALUES (?, ?)", (p["v"], p["n"]))
        conn.execute(
            "INSERT OR REPLACE INTO probe_keyed VALUES (?, ?)", (str(p["v"]), p["n"])
        )


def _payload(rng: random.Random, i: int) -> dict[str, object]:
    return {
        # A few rows with no key: SQLite lets a rowid table's key be NULL.
        "k": None if i % 17 == 5 else f"FICTIONAL-{i}",
        "v": rng.choice(["alpha", "Alpha", "beta", "", "ÜNICODE ü", None]),
        "n": rng.choice([0, 1, 7, -3, 2**40]),
        "r": rng.choice([0.0, 1.5, -2.25, 1e300, None]),
        "u": rng.choice([1, 2.5, "1", None, "text"]),
        "x": rng.choice([3, 4.5, "12", "abc", None]),
    }


# Edits of the stored tables, each one SQL statement (or script).
EDITS: dict[str, str] = {
    "nothing": "",
    "text case": "UPDATE probe_rows SET v = upper(v) WHERE v = 'alpha'",
    "text to blob": "UPDATE probe_rows SET v = CAST(v AS BLOB) WHERE v = 'beta'",
    "integer to real": "UPDATE probe_rows SET u = 1.0 WHERE u = 1",
    "real to integer": "UPDATE probe_rows SET u = 3 WHERE u = 2.5",
    "text number": "UPDATE probe_rows SET u = 1 WHERE u = '1'",
    "integer column real": "UPDATE probe_rows SET n = n + 0.5 WHERE n = 7",
    "negative zero": "UPDATE probe_rows SET r = -0.0 WHERE r = 0.0",
    "numeric column": "UPDATE probe_rows SET x = '4.5' WHERE x = 4.5",
    "a key": "UPDATE probe_rows SET k = k || ' ' WHERE rowid = 3",
    "a key to NULL": "UPDATE probe_rows SET k = NULL WHERE rowid = 4",
    "row deleted": "DELETE FROM probe_rows WHERE rowid = 2",
    "row added": "INSERT INTO probe_rows VALUES ('FICTIONAL-new', 'v', 1, 1.0, 1, 1)",
    "row added with no key": "INSERT INTO probe_rows VALUES (NULL, 'v', 1, 1.0, 1, 1)",
    "pair collation": "UPDATE probe_pairs SET v = lower(v) WHERE b = 7",
    "pair deleted": "DELETE FROM probe_pairs WHERE b = 0",
    "bag duplicate": "INSERT INTO probe_bag SELECT * FROM probe_bag LIMIT 1",
    "bag swapped": "UPDATE probe_bag SET y = 99 WHERE rowid IN (SELECT min(rowid)"
    " FROM probe_bag); INSERT INTO probe_bag VALUES ('extra', 1)",
    "declared type changed": "CREATE TABLE t2 (k TEXT PRIMARY KEY, v BLOB, n INTEGER,"
    " r REAL, u, x NUMERIC); INSERT INTO t2 SELECT * FROM probe_rows;"
    " DROP TABLE probe_rows; ALTER TABLE t2 RENAME TO probe_rows",
    "key dropped": "CREATE TABLE t2 (k TEXT, v TEXT, n INTEGER, r REAL, u,"
    " x NUMERIC); INSERT INTO t2 SELECT * FROM probe_rows;"
    " DROP TABLE probe_rows; ALTER TABLE t2 RENAME TO probe_rows",
    "key dropped, a row doubled": "CREATE TABLE t2 (k TEXT, v TEXT, n INTEGER,"
    " r REAL, u, x NUMERIC); INSERT INTO t2 SELECT * FROM probe_rows;"
    " INSERT INTO t2 SELECT * FROM probe_rows WHERE rowid = 1;"
    " DELETE FROM t2 WHERE rowid = 2;"
    " DROP TABLE probe_rows; ALTER TABLE t2 RENAME TO probe_rows",
    "extra column": "ALTER TABLE probe_rows ADD COLUMN w TEXT DEFAULT 'w'",
    "column dropped": "ALTER TABLE probe_bag DROP COLUMN y",
    "table a view": "CREATE TABLE t2 AS SELECT * FROM probe_pairs;"
    " DROP TABLE probe_pairs; CREATE VIEW probe_pairs AS SELECT * FROM t2",
    "table dropped": "DROP TABLE probe_bag",
    "rows rewritten in another order": "CREATE TABLE t2 (k TEXT PRIMARY KEY,"
    " n INTEGER); INSERT INTO t2 SELECT * FROM probe_keyed ORDER BY k DESC;"
    " DROP TABLE probe_keyed; ALTER TABLE t2 RENAME TO probe_keyed",
    "keyed value": "UPDATE probe_keyed SET n = n + 1 WHERE k = 'beta'",
}


# Edits that leave every row's values as they were: no table differs (SQLite
# stores -0.0 as 0.0, and a NUMERIC column turns '4.5' into 4.5). A table whose
# key was dropped is digested in another order, so it differs.
SAME_ROWS = {
    "nothing",
    "declared type changed",
    "extra column",
    "negative zero",
    "numeric column",
    "rows rewritten in another order",
}


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("probe") / "ws"
    rng = random.Random(20240611)
    with Workspace.init(
        home,
        author="FICTIONAL documenter",
        key_seed=fixed_seed("compare-tests"),
        projectors=[ProbeProjector()],
        clock=fixed_clock(),
    ) as ws:
        ws.append_many(("probe.put", _payload(rng, i)) for i in range(120))
        # Later versions of some rows (the replay must end where appends ended).
        ws.append_many(("probe.put", _payload(rng, i)) for i in range(0, 120, 7))
    return home


def _verdicts(home: Path) -> tuple[list[str], list[str]]:
    """(the comparison's verdict, the digests' verdict) on the workspace at ``home``."""
    projectors = [ProbeProjector()]
    schema = projection_schema(projectors)
    with Workspace.open(
        home, check=False, checkpoint_on_close=False, projectors=projectors
    ) as ws:
        events = list(ws.ledger.events())
        compared = Replay(projectors)
        compared.feed(events)
        digested = Replay(projectors)
        digested.feed(events)
        fast = compared.differing(home / DB_FILE, schema)
        slow = differing(digested.digests(schema), stored_digests(ws.conn, schema))
    return fast, slow


def _edit(home: Path, script: str) -> None:
    conn = sqlite3.connect(home / DB_FILE)
    try:
        conn.executescript(script)
        conn.commit()
    finally:
        conn.close()


class TestCompare:
    @pytest.mark.parametrize("edit", sorted(EDITS))
    def test_the_comparison_agrees_with_the_digests(
        self, edit: str, probed: Path, tmp_path: Path
    ) -> None:
        home = tmp_path / "ws"
        shutil.copytree(probed, home)
        if EDITS[edit]:
            _edit(home, EDITS[edit])
        fast, slow = _verdicts(home)
        assert fast == slow
        assert bool(fast) == (edit not in SAME_ROWS), (edit, fast)

    def test_random_edits_agree_with_the_digests(
        self, probed: Path, tmp_path: Path
    ) -> None:
        """Random single-value edits of random rows: the same verdict, every time."""
        rng = random.Random(5)
        values: list[Callable[[], object]] = [
            lambda: rng.randrange(-5, 5),
            lambda: rng.choice([0.5, 1.0, -0.0, 2.0]),
            lambda: rng.choice(["alpha", "ALPHA", "1", "", "ü"]),
            lambda: rng.choice([b"alpha", b"", b"1"]),
            lambda: None,
        ]
        tables = {
            "probe_rows": "kvnrux",
            "probe_pairs": "abv",
            "probe_bag": "xy",
            "probe_keyed": "kn",
        }
        caught = 0
        for n in range(40):
            home = tmp_path / f"ws{n}"
            shutil.copytree(probed, home)
            table = rng.choice(sorted(tables))
            column = rng.choice(tables[table])
            conn = sqlite3.connect(home / DB_FILE)
            try:
                if table == "probe_pairs":  # WITHOUT ROWID: edited by its key
                    key = conn.execute(
                        "SELECT a, b FROM probe_pairs ORDER BY random() LIMIT 1"
                    ).fetchone()
                    sql = f"UPDATE probe_pairs SET {column} = ? WHERE a = ? AND b = ?"
                    args: tuple[object, ...] = (values[rng.randrange(5)](), *key)
                else:
                    rows = [r[0] for r in conn.execute(f"SELECT rowid FROM {table}")]
                    sql = f"UPDATE {table} SET {column} = ? WHERE rowid = ?"
                    args = (values[rng.randrange(5)](), rng.choice(rows))
                try:
                    conn.execute(sql, args)
                    conn.commit()
                except sqlite3.IntegrityError:
                    continue  # NOT NULL or a duplicate key: nothing changed
            finally:
                conn.close()
            fast, slow = _verdicts(home)
            assert fast == slow, (table, column, args)
            caught += bool(fast)
            shutil.rmtree(home)
        assert caught >= 10  # most edits change something

    @pytest.mark.parametrize("edit", ["nothing", "rows rewritten in another order"])
    def test_only_a_table_without_a_key_is_digested(
        self, edit: str, probed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Tables with a primary key are compared in SQLite, paired by rowid
        (even where some keys are NULL, as SQLite allows in a rowid table) or,
        when the rowids differ, by key; one without a key is digested."""
        import gawah.ledger.projections as projections

        home = tmp_path / "ws"
        shutil.copytree(probed, home)
        if EDITS[edit]:
            _edit(home, EDITS[edit])
        digested: list[str] = []
        digest = projections._digest

        def counting(
            conn: sqlite3.Connection, table: str, *args: Any, **kw: Any
        ) -> str:
            digested.append(table)
            return digest(conn, table, *args, **kw)

        monkeypatch.setattr(projections, "_digest", counting)
        projectors = [ProbeProjector()]
        schema = projection_schema(projectors)
        with Workspace.open(
            home, check=False, checkpoint_on_close=False, projectors=projectors
        ) as ws:
            replay = Replay(projectors)
            replay.feed(list(ws.ledger.events()))
            assert replay.differing(home / DB_FILE, schema) == []
        assert digested == ["probe_bag", "probe_bag"]


class TestVerifyUsesTheComparison:
    @pytest.mark.parametrize(
        ("edit", "table"),
        [
            ("text case", "probe_rows"),
            ("row deleted", "probe_rows"),
            ("pair deleted", "probe_pairs"),
            ("bag duplicate", "probe_bag"),
        ],
    )
    def test_a_file_and_a_memory_database_name_the_same_tables(
        self, edit: str, table: str, probed: Path, tmp_path: Path
    ) -> None:
        """``Ledger.verify`` on a workspace file (compared in SQLite) and on an
        in-memory copy of it (digested: nothing else can read it) agree."""
        from gawah.ledger import Ledger
        from gawah.testing.signer import FixedSigner

        home = tmp_path / "ws"
        shutil.copytree(probed, home)
        _edit(home, EDITS[edit])
        projectors = [ProbeProjector()]
        with Workspace.open(
            home, check=False, checkpoint_on_close=False, projectors=projectors
        ) as ws:
            on_file = ws.ledger.verify()
            memory = sqlite3.connect(":memory:", isolation_level=None)
            ws.conn.backup(memory)
        bare = Ledger(
            memory, signer=FixedSigner("unused"), author="x", projectors=projectors
        )
        in_memory = bare.verify()
        memory.close()
        assert on_file.projections_checked
        assert in_memory.projections_checked
        assert on_file.tables == in_memory.tables == (table,)
        assert not on_file.ok
        assert not in_memory.ok
