"""The SQLite tables that hold the ledger, and the connection settings durability needs.

``ledger_events`` keeps each event's signed bytes and signature verbatim, plus
columns copied out of them for lookups (``kind``, ``device``, ``seq``); the
verifier checks the copies against the bytes. ``(device, seq)`` is deliberately
not unique: a fork (two events with the same position in one feed) is kept as
evidence. ``ledger_checkpoints`` keeps signed checkpoint notes verbatim.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gawah.errors import WorkspaceError

SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_events (
    pos INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    raw BLOB NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_events_feed ON ledger_events (device, seq);
CREATE INDEX IF NOT EXISTS ledger_events_kind ON ledger_events (kind);
CREATE TABLE IF NOT EXISTS ledger_checkpoints (
    pos INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    size INTEGER NOT NULL,
    note BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_checkpoints_device
    ON ledger_checkpoints (device, size);
"""


def connect(path: Path | str) -> sqlite3.Connection:
    """Open the workspace database with WAL and ``synchronous=FULL``, or refuse.

    The connection runs in autocommit mode (``isolation_level=None``): the ledger
    opens its own ``BEGIN IMMEDIATE`` transactions. Rows come back as
    :class:`sqlite3.Row` (index by name or position).

    Raises:
        WorkspaceError: the database cannot be opened or will not run in WAL /
            FULL mode (an acknowledged append could then be lost on power loss).
    """
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    except sqlite3.Error as exc:
        raise WorkspaceError(f"cannot open the workspace database: {exc}") from None
    if str(mode).lower() != "wal" or int(sync) < 2:
        conn.close()
        raise WorkspaceError(
            "the workspace database refuses WAL journaling with synchronous=FULL; "
            "saved events could be lost on power failure"
        )
    conn.row_factory = sqlite3.Row
    conn.executescript(SCHEMA)
    return conn
