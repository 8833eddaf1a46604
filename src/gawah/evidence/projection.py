"""The evidence tables, folded from ledger events (decision 0001).

Nothing here is the truth: ``gawah ledger rebuild`` drops these tables and
replays every event. An ``evidence.received`` for bytes already known adds a
custody entry (another receipt of the same file) but keeps the first
description of the item.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from gawah.evidence.model import (
    CUSTODY_DETAILS,
    DERIVED,
    EXPORTED,
    LINKED,
    RECEIVED,
    SENSITIVE,
    TIMESTAMPED,
    TRANSFERRED,
    VIEWED,
    LedgerEvent,
)

TABLES = (
    "evidence_items",
    "evidence_links",
    "evidence_custody",
    "evidence_fingerprints",
    "evidence_sensitive",
    "evidence_timestamps",
    "evidence_custody_details",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS evidence_items (
    digest TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    kind TEXT NOT NULL,
    original_name TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    received_by TEXT NOT NULL,
    received_from TEXT,
    source TEXT,
    note TEXT,
    metadata TEXT NOT NULL,
    derived_from TEXT,
    operation TEXT
);
CREATE TABLE IF NOT EXISTS evidence_links (
    digest TEXT NOT NULL,
    report_id TEXT,
    incident_id TEXT,
    person_id TEXT,
    event_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_links_report ON evidence_links(report_id);
CREATE INDEX IF NOT EXISTS evidence_links_incident ON evidence_links(incident_id);
CREATE INDEX IF NOT EXISTS evidence_links_person ON evidence_links(person_id);
CREATE INDEX IF NOT EXISTS evidence_links_digest ON evidence_links(digest);
CREATE TABLE IF NOT EXISTS evidence_custody (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    action TEXT NOT NULL,
    author TEXT NOT NULL,
    device TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_custody_digest ON evidence_custody(digest);
CREATE TABLE IF NOT EXISTS evidence_fingerprints (
    digest TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    frames TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_sensitive (
    digest TEXT NOT NULL,
    event_id TEXT NOT NULL,
    fields TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_custody_details (
    ref TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    event_id TEXT NOT NULL,
    fields TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_timestamps (
    event_id TEXT PRIMARY KEY,
    origin TEXT NOT NULL,
    size INTEGER NOT NULL,
    tsa_url TEXT NOT NULL,
    gen_time TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
"""

_NOT_DETAIL = {"digests", "fingerprint", "metadata"}
_ACTIONS = {
    RECEIVED: "received",
    DERIVED: "derived",
    LINKED: "linked",
    TRANSFERRED: "transferred",
    VIEWED: "viewed",
    EXPORTED: "exported",
}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class EvidenceProjector:
    """Folds evidence events into the ``evidence_*`` tables."""

    name = "evidence"

    def create(self, conn: sqlite3.Connection) -> None:
        """Create the tables if they do not exist."""
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

    def drop(self, conn: sqlite3.Connection) -> None:
        """Drop the tables (a rebuild replays the ledger into fresh ones)."""
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, conn: sqlite3.Connection, event: LedgerEvent) -> None:
        """Fold one event; kinds of other domains are ignored."""
        p = event.payload
        if event.kind in (RECEIVED, DERIVED):
            self._item(conn, event)
        elif event.kind == SENSITIVE:
            conn.execute(
                "INSERT INTO evidence_sensitive(digest, event_id, fields) "
                "VALUES (?, ?, ?)",
                (p["digest"], event.id, _dumps(p["fields"])),
            )
            return
        elif event.kind == CUSTODY_DETAILS:
            conn.execute(
                "INSERT OR IGNORE INTO evidence_custody_details(ref, digest, event_id, "
                "fields) VALUES (?, ?, ?, ?)",
                # sealed fields are kept sealed (opened at read time, so a
                # rebuild is deterministic); older events held them in plain
                (
                    p["ref"],
                    p["digest"],
                    event.id,
                    _dumps(p.get("sealed", p.get("fields"))),
                ),
            )
            return
        elif event.kind == LINKED:
            self._link(
                conn,
                p["digest"],
                (p.get("report_id"), p.get("incident_id"), p.get("person_id")),
                event.id,
            )
        elif event.kind == TIMESTAMPED:
            conn.execute(
                "INSERT OR IGNORE INTO evidence_timestamps VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event.id,
                    p["origin"],
                    p["size"],
                    p["tsa_url"],
                    p["gen_time"],
                    event.recorded_at,
                ),
            )
            return
        elif event.kind not in (TRANSFERRED, VIEWED, EXPORTED):
            return
        if event.kind == EXPORTED:
            digests = list(p["digests"])
        elif event.kind == DERIVED:  # on the copy's chain and on the original's
            digests = [p["digest"], p["derived_from"]]
        else:
            digests = [p["digest"]]
        detail = {k: v for k, v in p.items() if k not in _NOT_DETAIL}
        for digest in digests:
            conn.execute(
                "INSERT INTO evidence_custody(event_id, digest, action, author, "
                "device, recorded_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    event.id,
                    digest,
                    _ACTIONS[event.kind],
                    event.author,
                    event.device,
                    event.recorded_at,
                    _dumps(detail),
                ),
            )

    def _item(self, conn: sqlite3.Connection, event: LedgerEvent) -> None:
        p = event.payload
        digest = p["digest"]
        meta = p.get("metadata") or {}
        conn.execute(
            "INSERT OR IGNORE INTO evidence_items VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                digest,
                p["size"],
                p["media_type"],
                meta.get("kind", "other"),
                p["original_name"],
                event.id,
                event.recorded_at,
                event.author,
                p.get("received_from"),
                p.get("source"),
                p.get("note"),
                _dumps(meta),
                p.get("derived_from"),
                p.get("operation"),
            ),
        )
        fp = p.get("fingerprint")
        if fp:  # frames only (older events), or every signal but the kind
            stored = {k: v for k, v in fp.items() if k != "kind"}
            conn.execute(
                "INSERT OR IGNORE INTO evidence_fingerprints VALUES (?, ?, ?)",
                (
                    digest,
                    fp["kind"],
                    _dumps(stored if len(stored) > 1 else fp["frames"]),
                ),
            )
        if p.get("report_id") or p.get("incident_id"):
            target = (p.get("report_id"), p.get("incident_id"), None)
            self._link(conn, digest, target, event.id)

    def _link(
        self,
        conn: sqlite3.Connection,
        digest: str,
        target: tuple[str | None, str | None, str | None],
        event_id: str,
    ) -> None:
        conn.execute(
            "INSERT INTO evidence_links(digest, report_id, incident_id, person_id, "
            "event_id) VALUES (?, ?, ?, ?, ?)",
            (digest, *target, event_id),
        )


PROJECTOR = EvidenceProjector()
