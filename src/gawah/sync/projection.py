"""What sync needs to see conflicts: every version of every report, every linkage
decision, and the resolutions (decision 0001: tables prefixed ``sync_``).

A **conflict** is two teams changing the same thing without seeing each other's
change, which a union of feeds keeps both of:

* a report with two versions of the same number and different content (two
  devices edited version *n* into different versions *n + 1*);
* a pair of reports on which the latest decisions of two devices differ
  (one says match, the other non-match).

The register shows one version (the registry's rule: highest version, then the
larger event id) and the review queue one decision (the latest); nothing is
dropped, and :func:`gawah.sync.conflicts` lists what a reviewer must settle with
``gawah sync resolve``, which records a ``sync.resolved`` event.

Every table here is keyed by event id, so its content is the same whatever the
order in which the events arrived.
"""

from __future__ import annotations

import json
import sqlite3

from gawah.ledger import Event, stored_events

SYNC_RESOLVED = "sync.resolved"
REPORT_KIND = "report.recorded"
DECISION_KIND = "link.decided"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_report_versions (
    event_id TEXT PRIMARY KEY, report_id TEXT NOT NULL, version INTEGER NOT NULL,
    content_hash TEXT NOT NULL, device TEXT NOT NULL, author TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_report_versions_report
    ON sync_report_versions (report_id, version);
CREATE TABLE IF NOT EXISTS sync_decisions (
    event_id TEXT PRIMARY KEY, report_l TEXT NOT NULL, report_r TEXT NOT NULL,
    decision TEXT NOT NULL, device TEXT NOT NULL, author TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_decisions_pair ON sync_decisions (report_l, report_r);
CREATE TABLE IF NOT EXISTS sync_resolutions (
    event_id TEXT PRIMARY KEY, subject TEXT NOT NULL, chosen TEXT NOT NULL,
    resolved TEXT NOT NULL, author TEXT NOT NULL, recorded_at TEXT NOT NULL
);
"""
TABLES = ("sync_report_versions", "sync_decisions", "sync_resolutions")


class SyncProjector:
    """Keeps every report version, every decision and every resolution."""

    name = "sync"

    def create(self, conn: sqlite3.Connection) -> None:
        """Create the sync tables if missing, filled from the events already held.

        A workspace made before this projector existed holds events these tables
        must reflect (``gawah ledger verify`` replays every event and compares):
        when the tables are first created in a database that has a ledger, they
        are filled once from its stored events. Rows are keyed by event id, so a
        replay afterwards (``gawah ledger rebuild``) adds nothing twice.
        """
        existed = _has_table(conn, TABLES[0])
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        if not existed and _has_table(conn, "ledger_events"):
            self._backfill(conn)

    def _backfill(self, conn: sqlite3.Connection) -> None:
        chunk: list[Event] = []
        for event in stored_events(conn, (REPORT_KIND, DECISION_KIND, SYNC_RESOLVED)):
            chunk.append(event)
            if len(chunk) == 4096:
                self.apply_many(conn, chunk)
                chunk = []
        self.apply_many(conn, chunk)

    def drop(self, conn: sqlite3.Connection) -> None:
        """Drop the sync tables (for a rebuild)."""
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        """Record one event of a kind sync watches; others are ignored."""
        rows = self._row(event)
        if rows is not None:
            conn.execute(rows[0], rows[1])

    def apply_many(self, conn: sqlite3.Connection, events: list[Event]) -> None:
        """As :meth:`apply` on each event, with one statement per kind."""
        grouped: dict[str, list[tuple[object, ...]]] = {}
        for event in events:
            rows = self._row(event)
            if rows is not None:
                grouped.setdefault(rows[0], []).append(rows[1])
        for sql, args in grouped.items():
            conn.executemany(sql, args)

    @staticmethod
    def _row(event: Event) -> tuple[str, tuple[object, ...]] | None:
        p = event.payload
        if event.kind == REPORT_KIND:
            version = p.get("version")
            if not isinstance(p.get("report_id"), str) or type(version) is not int:
                return None
            return (
                "INSERT OR IGNORE INTO sync_report_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    event.id,
                    p["report_id"],
                    version,
                    str(p.get("content_hash") or event.id),
                    event.device,
                    event.author,
                    event.recorded_at,
                ),
            )
        if event.kind == DECISION_KIND:
            left, right = sorted((str(p.get("report_l")), str(p.get("report_r"))))
            return (
                "INSERT OR IGNORE INTO sync_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    event.id,
                    left,
                    right,
                    str(p.get("decision")),
                    event.device,
                    event.author,
                    event.recorded_at,
                ),
            )
        if event.kind == SYNC_RESOLVED:
            resolved = p.get("resolved")
            if not isinstance(resolved, list):
                return None
            return (
                "INSERT OR IGNORE INTO sync_resolutions VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event.id,
                    str(p.get("subject")),
                    str(p.get("chosen")),
                    json.dumps(sorted(str(r) for r in resolved)),
                    event.author,
                    event.recorded_at,
                ),
            )
        return None


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return found is not None


PROJECTOR = SyncProjector()
