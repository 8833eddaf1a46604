"""The sealing tables, derived from ``custodian.added`` and ``sealed.erased`` events.

Tables (prefixed ``sealing_``): ``custodians`` (extra keys sealed values are
wrapped to, besides this device) and ``erasures`` (who erased which subject,
when and why; the erased data keys are gone from the key store).
"""

from __future__ import annotations

import sqlite3

from gawah.ledger import Event

CUSTODIAN_ADDED = "custodian.added"
SEALED_ERASED = "sealed.erased"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sealing_custodians (
    public_key TEXT PRIMARY KEY, label TEXT NOT NULL, author TEXT NOT NULL,
    recorded_at TEXT NOT NULL, event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sealing_erasures (
    event_id TEXT PRIMARY KEY, subject TEXT NOT NULL, reason TEXT NOT NULL,
    author TEXT NOT NULL, device TEXT NOT NULL, recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sealing_erasures_subject ON sealing_erasures (subject);
"""

TABLES = ("sealing_custodians", "sealing_erasures")


class SealingProjector:
    """Keeps the custodian and erasure tables in step with the ledger."""

    name = "sealing"

    def create(self, conn: sqlite3.Connection) -> None:
        """Create the tables if they do not exist."""
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

    def drop(self, conn: sqlite3.Connection) -> None:
        """Drop the tables (``gawah ledger rebuild`` replays afterwards)."""
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        """Apply one event; other kinds are ignored."""
        p = event.payload
        if event.kind == CUSTODIAN_ADDED:
            conn.execute(
                "INSERT OR IGNORE INTO sealing_custodians VALUES (?, ?, ?, ?, ?)",
                (
                    str(p["public_key"]),
                    str(p.get("label", "")),
                    event.author,
                    event.recorded_at,
                    event.id,
                ),
            )
        elif event.kind == SEALED_ERASED:
            conn.execute(
                "INSERT OR IGNORE INTO sealing_erasures VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event.id,
                    str(p["subject"]),
                    str(p.get("reason", "")),
                    event.author,
                    event.device,
                    event.recorded_at,
                ),
            )


PROJECTOR = SealingProjector()
