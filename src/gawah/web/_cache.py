"""Values derived from the workspace, kept until its ledger changes.

Projections and estimates are pure functions of the ledger: while no event is
appended (by this server, a CLI command or a sync) they cannot change, so the
dashboard and the estimates page compute them once per ledger state. The state
is the newest event (its position and id, :meth:`gawah.ledger.Ledger.head`):
events are only ever appended, so every append, sync and import changes it.

In memory, :class:`LedgerCache` keeps values for the running server. What a
page shows is also kept in the workspace database (``web_page_cache``, see
:func:`load` and :func:`store`), tagged with the state it was computed at, so a
server started again answers its first dashboard from there instead of
computing for seconds. That table is a cache, not a projection: `gawah ledger
verify` leaves it out (the web projector lists it as volatile), `gawah ledger
rebuild` empties it, a row for another state is never read, and a server that
starts recomputes every page it warms and replaces a stored one that differs.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")

#: The stored pages: one row per page key, for the state it was computed at.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS web_page_cache (key TEXT PRIMARY KEY,"
    " state TEXT NOT NULL, value TEXT NOT NULL) WITHOUT ROWID"
)
TABLE = "web_page_cache"


class LedgerCache:
    """A small LRU of values keyed by (ledger state, key); one computation per key."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._values: OrderedDict[tuple[Hashable, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple[Hashable, Hashable], threading.Lock] = {}

    def get(self, state: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key`` at ledger ``state``, computed on the first ask.

        Two requests asking for the same value at once compute it once: the
        second waits for the first (a dashboard at 50,000 reports takes seconds).
        """
        full = (state, key)
        with self._lock:
            if full in self._values:
                self._values.move_to_end(full)
                return cast(T, self._values[full])
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:
            with self._lock:
                if full in self._values:
                    return cast(T, self._values[full])
            value = compute()
            self.put(state, key, value)
            with self._lock:
                self._computing.pop(full, None)
            return value

    def put(self, state: Hashable, key: Hashable, value: object) -> None:
        """Keep ``value`` for ``key`` at ``state`` (replacing any kept one)."""
        with self._lock:
            self._values[(state, key)] = value
            self._values.move_to_end((state, key))
            while len(self._values) > self._size:
                self._values.popitem(last=False)

    def peek(self, state: Hashable, key: Hashable) -> tuple[bool, Any]:
        """(True, value) if ``key`` at ``state`` is at hand, else (False, None)."""
        with self._lock:
            if (state, key) in self._values:
                return True, self._values[(state, key)]
        return False, None

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()


def load(conn: sqlite3.Connection, key: str, state: str) -> str | None:
    """The stored page ``key`` if it was computed at ``state``, else None."""
    try:
        row = conn.execute(
            f"SELECT value FROM {TABLE} WHERE key = ? AND state = ?", (key, state)
        ).fetchone()
    except sqlite3.OperationalError:  # a workspace from before this table
        return None
    return None if row is None else str(row[0])


def newest(conn: sqlite3.Connection, key: str) -> tuple[str, str] | None:
    """(state, value) of the page ``key`` as last stored, whatever the state."""
    try:
        row = conn.execute(
            f"SELECT state, value FROM {TABLE} WHERE key = ?", (key,)
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else (str(row[0]), str(row[1]))


def store(conn: sqlite3.Connection, key: str, state: str, value: str) -> bool:
    """Keep page ``key`` computed at ``state``; False when the database was busy.

    A cache: a write that would wait (an import holds the database) is skipped,
    and the page is computed again after the next start.
    """
    waits = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    conn.execute("PRAGMA busy_timeout = 200")
    try:
        conn.execute(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
            "SET state = excluded.state, value = excluded.value",
            (key, state, value),
        )
    except sqlite3.OperationalError:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {waits}")
    return True
