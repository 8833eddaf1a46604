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

from gawah.errors import LedgerIntegrityError
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
        return _hash_rows(conn, table, columns, quoted)
    reals = _real_columns(conn, table)
    rendered = ", ".join(f'quote("{c}")' if c in reals else f'"{c}"' for c in columns)
    try:
        return f"{DIGEST_FORMAT}:" + _hash_rows(
            conn, table, columns, f"json_array({rendered})"
        )
    except sqlite3.OperationalError as exc:
        if "BLOB" not in str(exc):
            raise
    return f"{_QUOTED_FORMAT}:" + _hash_rows(conn, table, columns, quoted)


def _real_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    info = conn.execute(f'PRAGMA main.table_info("{table}")').fetchall()
    return {str(c[1]) for c in info if "REAL" in str(c[2]).upper()}


def _hash_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], row: str
) -> str:
    order = _order(conn, table, columns)
    digest = hashlib.sha256()
    cur = conn.cursor()
    cur.row_factory = None
    cur.execute(f'SELECT {row} FROM "{table}" ORDER BY {order}')
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

    def close(self) -> None:
        """Drop the scratch database without digesting it."""
        self._scratch.close()


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
