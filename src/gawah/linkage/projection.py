"""Linkage state derived from the ledger (decision 0001).

Two event kinds are linkage's own:

* ``link.decided``: a reviewer's decision on a pair of reports (``match``,
  ``non_match`` or ``skip``). The latest decision on a pair (by its recorded
  time, then event id) stands; match and
  non-match decisions win over the model on every relink.
* ``link.ran``: a linkage run, with its thresholds, the fitted model's level
  weights and the pairs it left for review (with their explanations).

Tables: ``linkage_decisions``, ``linkage_runs``, ``linkage_candidates`` (the
review candidates of the latest run only), ``linkage_doubt`` (the latest run's
pairs below the review band and certain cores of persons, for the interval
with linkage doubt).
"""

from __future__ import annotations

import json
import sqlite3

from gawah.ledger import Event

LINK_DECIDED = "link.decided"
LINK_RAN = "link.ran"
DECISIONS = ("match", "non_match", "skip")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS linkage_decisions (
    report_l TEXT NOT NULL, report_r TEXT NOT NULL, decision TEXT NOT NULL,
    reviewer TEXT NOT NULL, event_id TEXT NOT NULL, recorded_at TEXT NOT NULL,
    PRIMARY KEY (report_l, report_r)
);
CREATE TABLE IF NOT EXISTS linkage_runs (
    run_id TEXT PRIMARY KEY, recorded_at TEXT NOT NULL, summary TEXT NOT NULL,
    event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS linkage_candidates (
    run_id TEXT NOT NULL, report_l TEXT NOT NULL, report_r TEXT NOT NULL,
    match_probability REAL NOT NULL, match_weight REAL NOT NULL,
    explanation TEXT NOT NULL, PRIMARY KEY (report_l, report_r)
);
CREATE TABLE IF NOT EXISTS linkage_doubt (
    run_id TEXT PRIMARY KEY, body TEXT NOT NULL
);
"""


class LinkageProjector:
    """Keeps the decision, run and review-candidate tables."""

    name = "linkage"

    def create(self, conn: sqlite3.Connection) -> None:
        """Create the linkage tables if missing."""
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

    def drop(self, conn: sqlite3.Connection) -> None:
        """Drop the linkage tables (for a rebuild)."""
        for table in (
            "linkage_decisions",
            "linkage_runs",
            "linkage_candidates",
            "linkage_doubt",
        ):
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        """Apply a linkage event; other kinds are ignored."""
        payload = event.payload
        if event.kind == LINK_DECIDED:
            a, b = sorted((str(payload["report_l"]), str(payload["report_r"])))
            # The latest decision stands, by (recorded_at, event id) rather than
            # arrival, so teams merging their feeds (sync) agree on it.
            conn.execute(
                "INSERT INTO linkage_decisions VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (report_l, report_r) DO UPDATE SET"
                " decision = excluded.decision, reviewer = excluded.reviewer,"
                " event_id = excluded.event_id, recorded_at = excluded.recorded_at"
                " WHERE (excluded.recorded_at, excluded.event_id)"
                " > (linkage_decisions.recorded_at, linkage_decisions.event_id)",
                (
                    a,
                    b,
                    str(payload["decision"]),
                    str(payload.get("reviewer") or event.author),
                    event.id,
                    event.recorded_at,
                ),
            )
        elif event.kind == LINK_RAN:
            run_id = str(payload["run_id"])
            summary = {
                k: v for k, v in payload.items() if k not in ("candidates", "doubt")
            }
            conn.execute(
                "INSERT OR REPLACE INTO linkage_runs VALUES (?, ?, ?, ?)",
                (
                    run_id,
                    event.recorded_at,
                    json.dumps(summary, sort_keys=True),
                    event.id,
                ),
            )
            conn.execute("DELETE FROM linkage_candidates")
            conn.execute("DELETE FROM linkage_doubt")
            if "doubt" in payload:
                conn.execute(
                    "INSERT INTO linkage_doubt VALUES (?, ?)",
                    (run_id, json.dumps(payload["doubt"])),
                )
            conn.executemany(
                "INSERT OR REPLACE INTO linkage_candidates VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        c["report_l"],
                        c["report_r"],
                        float(c["match_probability"]),
                        float(c["match_weight"]),
                        json.dumps(c["explanation"]),
                    )
                    for c in payload.get("candidates", [])
                ],
            )


PROJECTOR = LinkageProjector()
