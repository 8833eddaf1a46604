"""The claims tables, derived from ``claim.recorded`` and ``claim.withdrawn`` events.

Tables (prefixed ``claims_``): ``claims`` holds one row per recorded claim,
with the columns a timeline needs (incident, category, bounds, stance, speaker,
dates) and the full payload for everything else. ``withdrawals`` holds one row
per ``claim.withdrawn`` event; a withdrawn claim keeps its row (the ledger never
forgets what was said). Withdrawals live in their own table so that the state is
the same whatever order events arrive in: on a device that syncs a withdrawal
before the claim it withdraws, the claim is still withdrawn once it arrives.
"""

from __future__ import annotations

import json
import sqlite3

from gawah.ledger import Event

CLAIM_RECORDED = "claim.recorded"
CLAIM_WITHDRAWN = "claim.withdrawn"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims_claims (
    claim_id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    category TEXT NOT NULL,
    low INTEGER NOT NULL,
    high INTEGER,
    stance TEXT NOT NULL,
    claimant_name TEXT NOT NULL,
    claimant_kind TEXT NOT NULL,
    said_on TEXT,
    published_on TEXT,
    payload TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims_withdrawals (
    event_id TEXT PRIMARY KEY,
    claim_id TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_withdrawals_claim ON claims_withdrawals (claim_id);
CREATE INDEX IF NOT EXISTS claims_claims_incident
    ON claims_claims (incident_id, category);
"""


class ClaimsProjector:
    """Keeps ``claims_claims`` in step with the ledger."""

    name = "claims"

    def create(self, conn: sqlite3.Connection) -> None:
        """Create the tables if they do not exist."""
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

    def drop(self, conn: sqlite3.Connection) -> None:
        """Drop the tables (a rebuild replays every event afterwards)."""
        conn.execute("DROP TABLE IF EXISTS claims_claims")
        conn.execute("DROP TABLE IF EXISTS claims_withdrawals")

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        """Fold one event in; other domains' events are ignored."""
        if event.kind == CLAIM_RECORDED:
            self._recorded(conn, event)
        elif event.kind == CLAIM_WITHDRAWN:
            conn.execute(
                "INSERT OR IGNORE INTO claims_withdrawals (event_id, claim_id, reason) "
                "VALUES (?, ?, ?)",
                (
                    event.id,
                    str(event.payload.get("claim_id", "")),
                    str(event.payload.get("reason", "")),
                ),
            )

    @staticmethod
    def _recorded(conn: sqlite3.Connection, event: Event) -> None:
        p = event.payload
        claimant = p.get("claimant") or {}
        publication = p.get("publication") or {}
        high = p.get("high")
        conn.execute(
            "INSERT OR IGNORE INTO claims_claims (claim_id, incident_id, category, low,"
            " high, stance, claimant_name, claimant_kind, said_on, published_on,"
            " payload, author, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                event.id,
                str(p.get("incident_id", "")),
                str(p.get("category", "other")),
                int(p.get("low", 0)),
                None if high is None else int(high),
                str(p.get("stance", "asserts")),
                str(claimant.get("name", "")),
                str(claimant.get("kind", "other")),
                p.get("said_on"),
                publication.get("date"),
                json.dumps(p, sort_keys=True, ensure_ascii=False),
                event.author,
                event.recorded_at,
            ),
        )


PROJECTOR = ClaimsProjector()
