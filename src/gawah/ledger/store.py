"""The SQLite tables that hold the ledger, and the connection settings durability needs.

``ledger_events`` keeps each event's signed bytes and signature verbatim, plus
columns copied out of them for lookups (``kind``, ``device``, ``seq``); the
verifier checks the copies against the bytes. ``(device, seq)`` is deliberately
not unique: a fork (two events with the same position in one feed) is kept as
evidence. ``ledger_checkpoints`` keeps signed checkpoint notes verbatim.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from gawah.errors import LedgerIntegrityError, WorkspaceError


class DatabaseDamaged(LedgerIntegrityError):
    """SQLite reports the database file as damaged (exit 3)."""


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


def _private(path: Path) -> None:
    """Create ``path`` (if missing) and its WAL/SHM companions' owner with mode 0600.

    SQLite gives ``-wal`` and ``-shm`` the mode of the database file, so a
    database created 0600 (whatever the umask) keeps its journal private too.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for name in (
        path,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
    ):
        try:
            mode = name.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode != 0o600:  # a chmod changes the file's ctime, which open checks
            os.chmod(name, 0o600)


def connect(path: Path | str, *, create: bool = True) -> sqlite3.Connection:
    """Open the workspace database with WAL and ``synchronous=FULL``, or refuse.

    A file database is created (or kept) with mode 0600, as are its WAL and
    shared-memory files. ``create=False`` refuses a missing file instead of
    creating an empty one.

    The connection runs in autocommit mode (``isolation_level=None``): the ledger
    opens its own ``BEGIN IMMEDIATE`` transactions. Rows come back as
    :class:`sqlite3.Row` (index by name or position).

    Raises:
        WorkspaceError: the database cannot be opened or will not run in WAL /
            FULL mode (an acknowledged append could then be lost on power loss).
    """
    if str(path) != ":memory:":
        file = Path(path)
        if not create and not file.exists():
            raise WorkspaceError(f"the workspace database {file} is missing")
        try:
            _private(file)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot open the workspace database: {exc.strerror}"
            ) from None
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    except sqlite3.OperationalError as exc:
        raise WorkspaceError(f"cannot open the workspace database: {exc}") from None
    except sqlite3.DatabaseError as exc:  # malformed schema or pages, not a database
        raise DatabaseDamaged(f"the workspace database is damaged: {exc}") from None
    if str(mode).lower() != "wal" or int(sync) < 2:
        conn.close()
        raise WorkspaceError(
            "the workspace database refuses WAL journaling with synchronous=FULL; "
            "saved events could be lost on power failure"
        )
    conn.row_factory = sqlite3.Row
    try:
        conn.executescript(SCHEMA)
        if str(path) != ":memory:":
            _private(Path(path))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseDamaged(f"the workspace database is damaged: {exc}") from None
    return conn
