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

from gawah.ledger.events import Event, Projector, project

_CHUNK = 2048


def _tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Tables (ordinary and virtual, not shadow) and their columns, by name."""
    out: dict[str, list[str]] = {}
    for row in conn.execute("PRAGMA main.table_list").fetchall():
        name, kind = str(row[1]), str(row[2])
        if kind not in ("table", "virtual") or name.startswith("sqlite_"):
            continue
        if name.startswith("ledger_"):
            continue
        cols = [str(c[1]) for c in conn.execute(f'PRAGMA main.table_info("{name}")')]
        out[name] = cols
    return out


def _order(conn: sqlite3.Connection, table: str, columns: Sequence[str]) -> str:
    """ORDER BY the primary key when the table has one (rows are unique by it and
    SQLite reads them in that order without sorting), else by every column."""
    info = conn.execute(f'PRAGMA main.table_info("{table}")').fetchall()
    pk = [str(c[1]) for c in sorted(info, key=lambda c: int(c[5])) if int(c[5]) > 0]
    chosen = pk if pk and set(pk) <= set(columns) else list(columns)
    return ", ".join(f'"{c}"' for c in chosen)


def _digest(conn: sqlite3.Connection, table: str, columns: Sequence[str]) -> str:
    """SHA-256 over the rows in a canonical order, each row rendered by SQLite.

    ``quote()`` renders every value as an SQL literal (NULL, integer, real, text
    and blob stay distinct); a unit separator joins the columns. Rendering and
    sorting run inside SQLite, Python only feeds the hash.
    """
    row = " || char(31) || ".join(f'quote("{c}")' for c in columns)
    order = _order(conn, table, columns)
    digest = hashlib.sha256()
    cur = conn.cursor()
    cur.row_factory = None
    cur.execute(f'SELECT {row} FROM "{table}" ORDER BY {order}')
    while rows := cur.fetchmany(8192):
        digest.update("\n".join([r[0] for r in rows]).encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


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
    scratch = sqlite3.connect(":memory:", isolation_level=None)
    scratch.row_factory = sqlite3.Row
    scratch.execute("PRAGMA journal_mode = OFF")
    scratch.execute("PRAGMA synchronous = OFF")
    scratch.execute("BEGIN")
    for projector in projectors:
        projector.create(scratch)
    scratch.execute("COMMIT")
    return scratch


def stored_digests(
    conn: sqlite3.Connection, schema: dict[str, list[str]]
) -> dict[str, str]:
    """Digest of every projection table in ``conn`` (``missing`` if it is absent).

    A column the stored table lacks makes its digest ``damaged``.
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
            out[table] = _digest(conn, table, columns)
    return out


def recompute_digests(
    events: Iterable[Event],
    projectors: Sequence[Projector],
    progress: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Replay ``events`` into the projectors in memory and digest every table."""
    schema = projection_schema(projectors)
    scratch = _scratch(projectors)
    try:
        scratch.execute("BEGIN")
        chunk: list[Event] = []
        count = 0
        for event in events:
            chunk.append(event)
            if len(chunk) == _CHUNK:
                project(scratch, projectors, chunk)
                count += len(chunk)
                chunk = []
                if progress is not None:
                    progress(count)
        project(scratch, projectors, chunk)
        scratch.execute("COMMIT")
        return {table: _digest(scratch, table, cols) for table, cols in schema.items()}
    finally:
        scratch.close()


def differing(expected: dict[str, str], stored: dict[str, str]) -> list[str]:
    """Names of the tables whose digests differ (sorted)."""
    return sorted(
        t for t in expected.keys() | stored.keys() if expected.get(t) != stored.get(t)
    )


__all__ = [
    "differing",
    "projection_schema",
    "recompute_digests",
    "stored_digests",
]
