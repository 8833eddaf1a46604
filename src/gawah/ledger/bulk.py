"""Bulk passes over the ledger: read-only indexes built once after a bulk write, and
the cyclic garbage collector paused during a bulk pass (:func:`gc_paused`).

A projection table's plain indexes (not UNIQUE, not a primary key) only speed
up reads; no projector needs them to write (projectors look rows up by key).
Many of them are keyed by hashes or names, so every row inserted lands at a
random place in each: once an index outgrows SQLite's page cache, nearly every
insert reads pages back, and a large import slows as it grows. Building an
index over rows already written is one sort, far cheaper than a million
scattered inserts.

:class:`DeferredIndexes` drops those indexes inside the caller's write
transaction and creates them again, from the SQL they were made with, before
it commits: the transaction stays all or nothing (a rollback brings the
indexes back with everything else), and readers in other connections see the
old snapshot, indexes included, until the commit.

A projector may keep counts by triggers (the web's register totals): each
row written then runs a trigger, and SQLite gives every statement that fires
one a statement journal, into which it also copies each page it spills from a
full page cache to the WAL. Once one statement's copies pass 64 KiB that
journal becomes a temporary file for the rest of the transaction, and a large
import wrote some four more pages per report to it (measured:
docs/guides/import.md). A projector with ``defer_bulk(conn)`` and
``resume_bulk(conn)`` has them called with the indexes: it drops such
triggers and then recounts what they keep, from the rows, and makes them again.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from gawah.errors import WorkspaceError

#: Tables the ledger itself keeps (``ledger_*``): their indexes are never dropped.
_LEDGER_PREFIX = "ledger\\_%"


def plain_indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, CREATE statement) of every plain index outside the ledger's tables.

    Plain: made by ``CREATE INDEX`` (SQLite's own key indexes have no SQL) and
    not ``UNIQUE`` (a unique index is a constraint the writes rely on). The
    ledger's own tables are left out; the projections' tables are the rest, with
    the few other tables a workspace database may hold (the web server's
    sessions), whose indexes are dropped and rebuilt alike.
    """
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
        " AND sql IS NOT NULL AND tbl_name NOT LIKE ? ESCAPE '\\' ORDER BY name",
        (_LEDGER_PREFIX,),
    ).fetchall()
    return [
        (str(name), str(sql))
        for name, sql in rows
        if not str(sql).lstrip().upper().startswith("CREATE UNIQUE")
    ]


class DeferredIndexes:
    """The projections' plain indexes, dropped during a bulk write and rebuilt
    before its transaction commits.

    Use inside one write transaction: :meth:`drop` once the write is known to
    be large, :meth:`restore` after the last row and before ``COMMIT``. If the
    transaction rolls back instead, SQLite restores the indexes itself.
    """

    def __init__(
        self, conn: sqlite3.Connection, projectors: Sequence[object] = ()
    ) -> None:
        """``projectors``: those whose ``defer_bulk``/``resume_bulk`` (if they
        have them) run with :meth:`drop` and :meth:`restore` (see module)."""
        self._conn = conn
        self._projectors = tuple(projectors)
        self._dropped: list[tuple[str, str]] = []
        self._deferred = False

    @property
    def dropped(self) -> bool:
        """Whether indexes are dropped now (and must be restored)."""
        return self._deferred

    def drop(self) -> int:
        """Drop the plain indexes; return how many.

        Raises:
            WorkspaceError: no write transaction is open (the indexes would be
                missing for every reader until :meth:`restore`).
        """
        if not self._conn.in_transaction:
            raise WorkspaceError("indexes are deferred only inside a transaction")
        if self._deferred:
            return 0
        indexes = plain_indexes(self._conn)
        for name, _ in indexes:
            self._conn.execute(f'DROP INDEX "{name}"')
        self._dropped = indexes
        self._deferred = True
        for projector in self._projectors:
            defer = getattr(projector, "defer_bulk", None)
            if defer is not None:
                defer(self._conn)
        return len(indexes)

    def restore(self) -> None:
        """Create the dropped indexes again (each one sort over its table), and
        let the projectors recount what their triggers keep."""
        if not self._deferred:
            return
        indexes, self._dropped, self._deferred = self._dropped, [], False
        for _, sql in indexes:
            self._conn.execute(sql)
        for projector in self._projectors:
            resume = getattr(projector, "resume_bulk", None)
            if resume is not None:
                resume(self._conn)


__all__ = ["DeferredIndexes", "plain_indexes"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one bulk pass (a verify, a
    bundle, an import).

    Such a pass keeps hundreds of thousands of objects alive until it ends (each
    feed's entries, the parsed events of a bundle); every full collection walks
    them all again and finds nothing, since none of them forms a cycle. Measured
    on a 20,000-event imported workspace: 5-10% of the CPU of ``gawah ledger
    verify`` and of a sync re-import (``benchmarks/ledger.py --parts`` prints it);
    5 % of a 50,000-row import's (its collections, timed by ``gc.callbacks``).
    Reference counting still frees everything; nothing is checked differently.
    The collector is enabled again on exit, only if it was enabled on entry.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
