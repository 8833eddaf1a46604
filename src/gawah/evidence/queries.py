"""Read queries over the evidence tables, for the CLI, the web and other domains.

Each takes a ``sqlite3.Connection`` (``ws.conn``). Sensitive metadata is only
returned by :func:`sensitive_metadata`, which callers use on the owner's view.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from gawah.errors import UserInputError
from gawah.evidence.model import CustodyEntry, EvidenceItem
from gawah.evidence.perceptual import Fingerprint, group
from gawah.evidence.store import check_digest


def _links(conn: sqlite3.Connection, digest: str) -> list[tuple[str, ...]]:
    """Sorted distinct report, incident and person ids linked to a blob."""
    rows = conn.execute(
        "SELECT report_id, incident_id, person_id FROM evidence_links WHERE digest = ?",
        (digest,),
    ).fetchall()
    return [tuple(sorted({r[i] for r in rows if r[i]})) for i in range(3)]


_COLUMNS = (
    "digest, size, media_type, kind, original_name, received_at, received_by, "
    "received_from, source, note, metadata, derived_from, operation"
)


def _item(conn: sqlite3.Connection, row: tuple[Any, ...]) -> EvidenceItem:
    meta = json.loads(row[10])
    reports, incidents, persons = _links(conn, row[0])
    return EvidenceItem(
        digest=row[0],
        size=row[1],
        media_type=row[2],
        kind=row[3],
        original_name=row[4],
        received_at=row[5],
        received_by=row[6],
        received_from=row[7],
        source=row[8],
        note=row[9],
        metadata=meta,
        flags=tuple(meta.get("flags", ())),
        derived_from=row[11],
        operation=row[12],
        report_ids=reports,
        incident_ids=incidents,
        person_ids=persons,
    )


def get_evidence(conn: sqlite3.Connection, digest: str) -> EvidenceItem | None:
    """The item stored under ``digest``, or ``None`` if the ledger has no such blob."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_items WHERE digest = ?",
        (check_digest(digest),),
    ).fetchone()
    return _item(conn, row) if row else None


def list_evidence(
    conn: sqlite3.Connection,
    report_id: str | None = None,
    incident_id: str | None = None,
    person_id: str | None = None,
) -> list[EvidenceItem]:
    """Items in arrival order, optionally only those linked to a report, incident or person."""
    sql = f"SELECT {_COLUMNS} FROM evidence_items"
    args: list[str] = []
    where = []
    if report_id is not None:
        where.append(
            "digest IN (SELECT digest FROM evidence_links WHERE report_id = ?)"
        )
        args.append(report_id)
    if incident_id is not None:
        where.append(
            "digest IN (SELECT digest FROM evidence_links WHERE incident_id = ?)"
        )
        args.append(incident_id)
    if person_id is not None:
        where.append(
            "digest IN (SELECT digest FROM evidence_links WHERE person_id = ?)"
        )
        args.append(person_id)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY rowid"
    return [_item(conn, row) for row in conn.execute(sql, args).fetchall()]


def custody_history(conn: sqlite3.Connection, digest: str) -> list[CustodyEntry]:
    """The chain of custody of one blob, oldest first (empty if unknown)."""
    rows = conn.execute(
        "SELECT event_id, action, author, device, recorded_at, detail "
        "FROM evidence_custody WHERE digest = ? ORDER BY seq",
        (check_digest(digest),),
    ).fetchall()
    return [CustodyEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]


def sensitive_metadata(conn: sqlite3.Connection, digest: str) -> dict[str, str]:
    """Metadata that may identify the documenter (GPS, serials): owner's view only."""
    out: dict[str, str] = {}
    for (fields,) in conn.execute(
        "SELECT fields FROM evidence_sensitive WHERE digest = ? ORDER BY rowid",
        (check_digest(digest),),
    ):
        out.update(json.loads(fields))
    return out


def recorded_digests(conn: sqlite3.Connection) -> set[str]:
    """Every digest the ledger says is stored."""
    return {r[0] for r in conn.execute("SELECT digest FROM evidence_items")}


def fingerprints(conn: sqlite3.Connection) -> list[tuple[str, Fingerprint]]:
    """Every stored perceptual fingerprint, in arrival order."""
    rows = conn.execute(
        "SELECT f.digest, f.kind, f.frames FROM evidence_fingerprints f "
        "JOIN evidence_items i ON i.digest = f.digest ORDER BY i.rowid"
    ).fetchall()
    return [
        (d, Fingerprint(kind, tuple((a, b) for a, b in json.loads(frames))))
        for d, kind, frames in rows
    ]


def near_duplicate_groups(conn: sqlite3.Connection) -> list[list[str]]:
    """Groups of two or more blobs that show the same scene (see ``perceptual``)."""
    return [g for g in group(fingerprints(conn)) if len(g) > 1]


def resolve_digest(conn: sqlite3.Connection, text: str) -> str:
    """The full digest for a digest or a unique prefix of at least 8 hex characters.

    Raises:
        UserInputError: too short, not hex, unknown or ambiguous.
    """
    prefix = text.strip().lower()
    if len(prefix) < 8 or any(c not in "0123456789abcdef" for c in prefix):
        raise UserInputError("give a digest or at least its first 8 hex characters")
    rows = conn.execute(
        "SELECT digest FROM evidence_items WHERE digest >= ? AND digest < ? LIMIT 2",
        (prefix, prefix + "g"),
    ).fetchall()
    if not rows:
        raise UserInputError(f"no evidence whose digest starts with {prefix}")
    if len(rows) > 1:
        raise UserInputError(f"more than one digest starts with {prefix}; give more")
    return str(rows[0][0])
