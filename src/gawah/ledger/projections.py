"""Checking that the projection tables are what the events make them.

Every table a projector creates is summarised by a digest: SHA-256 over its rows
(the columns in the order a freshly created table has them, rows sorted by every
column), so two tables with the same rows give the same digest whatever order
the rows were written in. Virtual tables are read through their own columns and
their shadow tables are left out (their layout depends on write history).

* :func:`recompute_digests` replays every event into the projectors in a scratch
  in-memory database and digests the result: what the tables *should* hold.
* :func:`stored_digests` digests the tables in the workspace database.
* ``gawah ledger verify`` compares the two (a difference names the table;
  ``gawah ledger rebuild`` repairs it). The quick check when a workspace opens
  compares :func:`stored_digests` with the digests recorded when this device
  last wrote (``ledger-state.json``), which costs one read of the tables
  instead of a replay.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from gawah.errors import LedgerIntegrityError
from gawah.ledger.events import Event, Projector, project

_CHUNK = 2048


def _tables(conn: sqlite3.Connection, db: str = "main") -> dict[str, list[str]]:
    """Tables (ordinary and virtual, not shadow) of the database ``db`` (a
    schema name of ``conn``) and their columns, by name."""
    out: dict[str, list[str]] = {}
    for row in conn.execute(f"PRAGMA {db}.table_list").fetchall():
        name, kind = str(row[1]), str(row[2])
        if kind not in ("table", "virtual") or name.startswith("sqlite_"):
            continue
        if name.startswith("ledger_"):
            continue
        cols = [str(c[1]) for c in conn.execute(f'PRAGMA {db}.table_info("{name}")')]
        out[name] = cols
    return out


def _primary_key(conn: sqlite3.Connection, table: str, db: str = "main") -> list[str]:
    """The columns of the table's primary key, in key order (empty: none declared)."""
    info = conn.execute(f'PRAGMA {db}.table_info("{table}")').fetchall()
    return [str(c[1]) for c in sorted(info, key=lambda c: int(c[5])) if int(c[5]) > 0]


def _order(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], db: str = "main"
) -> str:
    """ORDER BY the primary key when the table has one (rows are unique by it and
    SQLite reads them in that order without sorting), else by every column."""
    pk = _primary_key(conn, table, db)
    chosen = pk if pk and set(pk) <= set(columns) else list(columns)
    return ", ".join(f'"{c}"' for c in chosen)


DIGEST_FORMAT = "j1"
"""Prefix of the digests :func:`stored_digests` makes (rows rendered by ``json_array``).

Digests recorded in another format are not comparable and are treated as absent.
"""
_QUOTED_FORMAT = "q1"


def _digest(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    *,
    legacy: bool = False,
    db: str = "main",
) -> str:
    """SHA-256 over the rows in a canonical order, each row rendered by SQLite.

    Each row is rendered as a JSON array by SQLite's ``json_array`` (NULL,
    integer, real and text stay distinct; one function call per row, about
    twice as fast as ``quote()`` on every column joined with ``||``); columns
    declared REAL go through ``quote()``, which keeps every digit. A table
    holding a BLOB (which JSON cannot hold) is digested with ``quote()`` on every
    column instead; the format prefix keeps the two kinds of digest apart.
    Rendering and ordering run inside SQLite; Python only feeds the hash.
    """
    quoted = " || char(31) || ".join(f'quote("{c}")' for c in columns)
    if legacy:  # as recorded before the format prefix (quote() on every column)
        return _hash_rows(conn, table, columns, quoted, db)
    reals = _real_columns(conn, table, db)
    rendered = ", ".join(f'quote("{c}")' if c in reals else f'"{c}"' for c in columns)
    try:
        return f"{DIGEST_FORMAT}:" + _hash_rows(
            conn, table, columns, f"json_array({rendered})", db
        )
    except sqlite3.OperationalError as exc:
        if "BLOB" not in str(exc):
            raise
    return f"{_QUOTED_FORMAT}:" + _hash_rows(conn, table, columns, quoted, db)


def _real_columns(conn: sqlite3.Connection, table: str, db: str = "main") -> set[str]:
    info = conn.execute(f'PRAGMA {db}.table_info("{table}")').fetchall()
    return {str(c[1]) for c in info if "REAL" in str(c[2]).upper()}


def _hash_rows(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    row: str,
    db: str = "main",
) -> str:
    order = _order(conn, table, columns, db)
    digest = hashlib.sha256()
    cur = conn.cursor()
    cur.row_factory = None
    cur.execute(f'SELECT {row} FROM {db}."{table}" ORDER BY {order}')
    while rows := cur.fetchmany(8192):
        digest.update("\n".join([r[0] for r in rows]).encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


def comparable(digests: dict[str, str]) -> bool:
    """Whether recorded digests were made in a format :func:`stored_digests` makes."""
    return all(
        v in ("missing", "damaged")
        or v.split(":", 1)[0] in (DIGEST_FORMAT, _QUOTED_FORMAT)
        for v in digests.values()
    )


def projection_schema(projectors: Sequence[Projector]) -> dict[str, list[str]]:
    """The tables (and their columns) the projectors create, from a scratch database.

    A projector may leave parts of its tables out of the check with an optional
    ``volatile`` attribute mapping a table to the columns that are completed
    lazily outside ``apply`` (``("*",)``: the whole table, a cache).
    """
    scratch = _scratch(projectors)
    try:
        schema = _tables(scratch)
    finally:
        scratch.close()
    for projector in projectors:
        volatile: dict[str, tuple[str, ...]] = getattr(projector, "volatile", {})
        for table, columns in volatile.items():
            if "*" in columns:
                schema.pop(table, None)
            elif table in schema:
                schema[table] = [c for c in schema[table] if c not in columns]
    return schema


def _scratch(projectors: Sequence[Projector]) -> sqlite3.Connection:
    # ``uri``: :meth:`Replay.differing` attaches the workspace file read-only.
    scratch = sqlite3.connect(":memory:", isolation_level=None, uri=True)
    scratch.row_factory = sqlite3.Row
    scratch.execute("PRAGMA journal_mode = OFF")
    scratch.execute("PRAGMA synchronous = OFF")
    scratch.execute("BEGIN")
    for projector in projectors:
        projector.create(scratch)
    scratch.execute("COMMIT")
    return scratch


def stored_digests(
    conn: sqlite3.Connection, schema: dict[str, list[str]], *, legacy: bool = False
) -> dict[str, str]:
    """Digest of every projection table in ``conn`` (``missing`` if it is absent).

    A column the stored table lacks makes its digest ``damaged``. ``legacy``
    makes the digests recorded before :data:`DIGEST_FORMAT` (to check a
    workspace whose state file still holds those).
    """
    present = _tables(conn)
    out: dict[str, str] = {}
    for table, columns in schema.items():
        have = present.get(table)
        if have is None:
            out[table] = "missing"
        elif not set(columns) <= set(have):
            out[table] = "damaged"
        else:
            out[table] = _digest(conn, table, columns, legacy=legacy)
    return out


class Replay:
    """Events replayed into the projectors in a scratch in-memory database.

    ``gawah ledger verify`` feeds it the events its scan has just parsed and
    checked (so each event is parsed once), chunk by chunk in arrival order;
    :meth:`digests` then digests what the tables should hold. A projector that
    fails on the stored events is itself a finding (:attr:`failure`).
    """

    def __init__(self, projectors: Sequence[Projector]) -> None:
        self._projectors = tuple(projectors)
        self._scratch = _scratch(self._projectors)
        _drop_plain_indexes(self._scratch)
        self._scratch.execute("BEGIN")
        self.count = 0
        self.failure: str | None = None

    def feed(self, events: list[Event]) -> None:
        """Fold a chunk of events (arrival order) into the scratch tables."""
        if self.failure is not None or not events:
            return
        try:
            project(self._scratch, self._projectors, events)
        except Exception as exc:  # a projector failing on stored data is a finding
            self.failure = f"replaying the events failed ({type(exc).__name__})"
        self.count += len(events)

    def digests(self, schema: dict[str, list[str]]) -> dict[str, str]:
        """Digest every table of ``schema`` as the replay left it; closes the replay."""
        try:
            self._scratch.execute("COMMIT")
            return {t: _digest(self._scratch, t, cols) for t, cols in schema.items()}
        finally:
            self._scratch.close()

    def differing(self, database: Path, schema: dict[str, list[str]]) -> list[str]:
        """The tables of ``schema`` whose rows in the database file ``database``
        differ from the replay's (sorted); closes the replay.

        The file is attached read-only and each table compared with the
        replay's inside SQLite (see :func:`_compare`), which costs about a third
        of digesting both sides. The verdict is always the digests' (of
        :func:`stored_digests`): a table the fast comparison cannot show equal
        is digested on both sides.
        """
        scratch = self._scratch
        try:
            scratch.execute("COMMIT")
            scratch.execute(
                "ATTACH DATABASE ? AS stored", (f"{database.as_uri()}?mode=ro",)
            )
            stored = _tables(scratch, "stored")
            out: list[str] = []
            for table, columns in schema.items():
                have = stored.get(table)
                if have is None or not set(columns) <= set(have):
                    out.append(table)  # missing or damaged
                elif not _compare(scratch, table, columns) and _digest(
                    scratch, table, columns
                ) != _digest(scratch, table, columns, db="stored"):
                    out.append(table)
            return sorted(out)
        finally:
            scratch.close()

    def close(self) -> None:
        """Drop the scratch database without digesting it."""
        self._scratch.close()


def _affinity(declared: str) -> str:
    """SQLite's column affinity of a declared type (its section 3.1 rules)."""
    kind = declared.upper()
    if "INT" in kind:
        return "INTEGER"
    if "CHAR" in kind or "CLOB" in kind or "TEXT" in kind:
        return "TEXT"
    if "BLOB" in kind or not kind:
        return "BLOB"
    if "REAL" in kind or "FLOA" in kind or "DOUB" in kind:
        return "REAL"
    return "NUMERIC"


def _same(column: str, affinity: str) -> str:
    """SQL true when the column holds the same value in rows ``a`` and ``b``,
    storage class included (so never fooled where the digests are not).

    Both sides share the affinity (checked by the caller), so ``IS`` converts
    neither value (a column declared without a type converts nothing at all):
    values of two storage classes are never ``IS`` each other, except an
    integer and the equal real, which only a column that may hold both needs
    ``typeof`` for. ``IS`` compares reals exactly (equal reals render equally
    in the digests) and text byte by byte (``COLLATE BINARY``); ``typeof`` and
    ``IS`` cost far less than rendering every value with ``quote()``.
    """
    a, b = f'a."{column}"', f'b."{column}"'
    if affinity == "TEXT":
        return f"{a} IS {b} COLLATE BINARY"
    return f"typeof({a}) = typeof({b}) AND {a} IS {b} COLLATE BINARY"


def _compare(conn: sqlite3.Connection, table: str, columns: Sequence[str]) -> bool:
    """Whether ``main`` and ``stored`` hold the same rows of ``table`` (its
    ``columns``), shown without digesting either; ``False`` means "not shown",
    not "different".

    Each row of the replay's table is paired with a stored row and compared
    column by column: first the stored row of the same rowid (a replay
    writes rows in the order the appends did, so their rowids usually agree,
    and both tables are then read in storage order), else the stored row of
    the same primary key. When every one of the replay's rows has an equal
    partner and both tables hold as many rows, they hold the same rows: the
    partners are distinct (a rowid is unique in both tables; a key that is
    not NULL is unique in the replay's table). Tables without a primary key,
    or whose stored columns are declared with other types, are not compared
    here.
    """
    key = _primary_key(conn, table)
    if not key or not set(key) <= set(columns):
        return False
    types = {
        str(c[1]): str(c[2]).upper()
        for c in conn.execute(f'PRAGMA main.table_info("{table}")').fetchall()
    }
    stored = {
        str(c[1]): str(c[2]).upper()
        for c in conn.execute(f'PRAGMA stored.table_info("{table}")').fetchall()
    }
    if any(types[c] != stored.get(c) for c in columns):
        return False
    same = " AND ".join(_same(c, _affinity(types[c])) for c in columns)
    counts = conn.execute(
        f'SELECT (SELECT count(*) FROM main."{table}"),'
        f' (SELECT count(*) FROM stored."{table}")'
    ).fetchone()
    if int(counts[0]) != int(counts[1]):
        return False
    pairs = [" AND ".join(f'b."{c}" = a."{c}"' for c in key)]
    if _has_rowid(conn, table, "main") and _has_rowid(conn, table, "stored"):
        pairs.insert(0, "b.rowid = a.rowid")
    for pair in pairs:
        (matched,) = conn.execute(
            f'SELECT count(*) FROM main."{table}" AS a WHERE EXISTS'
            f' (SELECT 1 FROM stored."{table}" AS b WHERE {pair} AND {same})'
        ).fetchone()
        if int(matched) == int(counts[0]):
            return True
    return False


def _has_rowid(conn: sqlite3.Connection, table: str, db: str) -> bool:
    """Whether ``db``'s ``table`` is an ordinary table with a rowid."""
    for row in conn.execute(f"PRAGMA {db}.table_list").fetchall():
        if str(row[1]) == table:
            return str(row[2]) == "table" and not int(row[4])
    return False


def _drop_plain_indexes(conn: sqlite3.Connection) -> None:
    """Drop the indexes that only speed up reads (not UNIQUE, not a key).

    They do not change what a table holds, and the replay only writes (its
    projectors look rows up by primary key), so keeping them up to date would
    cost about a fifth of the replay for nothing.
    """
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, sql in rows:
        if not str(sql).upper().startswith("CREATE UNIQUE"):
            conn.execute(f'DROP INDEX "{name}"')


def recompute_digests(
    events: Iterable[Event],
    projectors: Sequence[Projector],
    progress: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Replay ``events`` into the projectors in memory and digest every table.

    Raises:
        LedgerIntegrityError: a projector failed on the events.
    """
    schema = projection_schema(projectors)
    replay = Replay(projectors)
    chunk: list[Event] = []
    for event in events:
        chunk.append(event)
        if len(chunk) == _CHUNK:
            replay.feed(chunk)
            chunk = []
            if progress is not None:
                progress(replay.count)
    replay.feed(chunk)
    if replay.failure is not None:
        replay.close()
        raise LedgerIntegrityError(replay.failure)
    return replay.digests(schema)


def differing(expected: dict[str, str], stored: dict[str, str]) -> list[str]:
    """Names of the tables whose digests differ (sorted)."""
    return sorted(
        t for t in expected.keys() | stored.keys() if expected.get(t) != stored.get(t)
    )


__all__ = [
    "DIGEST_FORMAT",
    "Replay",
    "comparable",
    "differing",
    "projection_schema",
    "recompute_digests",
    "stored_digests",
]
