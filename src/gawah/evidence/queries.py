"""Read queries over the evidence tables, for the CLI, the web and other domains.

Each takes a ``sqlite3.Connection`` (``ws.conn``). Sensitive metadata is only
returned by :func:`sensitive_metadata`, which callers use on the owner's view.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from gawah.errors import UserInputError
from gawah.evidence.model import CustodyEntry, EvidenceItem
from gawah.evidence.perceptual import Fingerprint, group
from gawah.evidence.sources import open_details

if TYPE_CHECKING:
    from gawah.sealing import Opener
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


def _details(
    conn: sqlite3.Connection, ref: object, opener: Opener | None
) -> dict[str, str]:
    """The identifying fields a public custody event points to (``details_ref``),
    opened with ``opener`` when sealed (``{}`` without it, or once erased)."""
    if not ref:
        return {}
    row = conn.execute(
        "SELECT digest, fields FROM evidence_custody_details WHERE ref = ?",
        (str(ref),),
    ).fetchone()
    return open_details(str(row[0]), json.loads(row[1]), opener) if row else {}


def _receipt_details(
    conn: sqlite3.Connection, digest: str, opener: Opener | None
) -> dict[str, str]:
    row = conn.execute(
        "SELECT c.detail FROM evidence_custody c JOIN evidence_items i "
        "ON c.event_id = i.event_id AND c.digest = i.digest WHERE i.digest = ?",
        (digest,),
    ).fetchone()
    if not row:
        return {}
    return _details(conn, json.loads(row[0]).get("details_ref"), opener)


def _item(
    conn: sqlite3.Connection,
    row: tuple[Any, ...],
    include_sensitive: bool = False,
    opener: Opener | None = None,
) -> EvidenceItem:
    meta = json.loads(row[10])
    reports, incidents, persons = _links(conn, row[0])
    received_from, note = None, None
    if include_sensitive:  # older receipts kept them in the public event
        details = _receipt_details(conn, row[0], opener)
        received_from = details.get("received_from", row[7])
        note = details.get("note", row[9])
    return EvidenceItem(
        digest=row[0],
        size=row[1],
        media_type=row[2],
        kind=row[3],
        original_name=row[4],
        received_at=row[5],
        received_by=row[6],
        received_from=received_from,
        source=row[8],
        note=note,
        metadata=meta,
        flags=tuple(meta.get("flags", ())),
        derived_from=row[11],
        operation=row[12],
        report_ids=reports,
        incident_ids=incidents,
        person_ids=persons,
    )


def get_evidence(
    conn: sqlite3.Connection,
    digest: str,
    *,
    include_sensitive: bool = False,
    opener: Opener | None = None,
) -> EvidenceItem | None:
    """The item stored under ``digest``, or ``None`` if the ledger has no such blob.

    ``received_from`` and ``note`` identify sources: they are ``None`` unless
    ``include_sensitive`` (the owner's view); sealed ones also need an
    ``opener`` (:class:`gawah.sealing.Opener` of the unlocked workspace).
    """
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_items WHERE digest = ?",
        (check_digest(digest),),
    ).fetchone()
    return _item(conn, row, include_sensitive, opener) if row else None


def list_evidence(
    conn: sqlite3.Connection,
    report_id: str | None = None,
    incident_id: str | None = None,
    person_id: str | None = None,
    *,
    include_sensitive: bool = False,
    opener: Opener | None = None,
) -> list[EvidenceItem]:
    """Items in arrival order, optionally only those linked to a report, incident or person.

    ``received_from`` and ``note`` are ``None`` unless ``include_sensitive``;
    sealed ones also need an ``opener`` (see :func:`get_evidence`).
    """
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
    rows = conn.execute(sql, args).fetchall()
    return [_item(conn, row, include_sensitive, opener) for row in rows]


_IDENTIFYING = {"received_from", "to", "from", "place", "note"}


def custody_history(
    conn: sqlite3.Connection,
    digest: str,
    *,
    include_sensitive: bool = False,
    opener: Opener | None = None,
) -> list[CustodyEntry]:
    """The chain of custody of one blob, oldest first (empty if unknown).

    Who handed it over, to whom, where and notes are in each entry's
    ``detail`` only with ``include_sensitive`` (the owner's view) and, when
    sealed, an ``opener`` (see :func:`get_evidence`).
    """
    rows = conn.execute(
        "SELECT event_id, action, author, device, recorded_at, detail "
        "FROM evidence_custody WHERE digest = ? ORDER BY seq",
        (check_digest(digest),),
    ).fetchall()
    out = []
    for r in rows:
        detail = json.loads(r[5])
        if include_sensitive:
            detail |= _details(conn, detail.get("details_ref"), opener)
        else:  # older events held them in public
            detail = {k: v for k, v in detail.items() if k not in _IDENTIFYING}
        out.append(CustodyEntry(r[0], r[1], r[2], r[3], r[4], detail))
    return out


def sensitive_metadata(conn: sqlite3.Connection, digest: str) -> dict[str, str]:
    """Metadata that may identify the documenter (GPS, serials): owner's view only."""
    out: dict[str, str] = {}
    for (fields,) in conn.execute(
        "SELECT fields FROM evidence_sensitive WHERE digest = ? ORDER BY rowid",
        (check_digest(digest),),
    ):
        out.update(json.loads(fields))
    return out


def withheld_receipts(conn: sqlite3.Connection) -> set[str]:
    """Digests whose receipt holds sealed details (who handed it over, a note).

    Without the owner's view they are not read at all, so a listing can only
    say they are withheld; a blank said nobody was recorded.
    """
    return {
        row[0]
        for row in conn.execute(
            "SELECT c.digest FROM evidence_custody c JOIN evidence_items i "
            "ON c.event_id = i.event_id AND c.digest = i.digest "
            "WHERE json_extract(c.detail, '$.details_ref') IS NOT NULL"
        )
    }


def recorded_digests(conn: sqlite3.Connection) -> set[str]:
    """Every digest the ledger says is stored."""
    return {r[0] for r in conn.execute("SELECT digest FROM evidence_items")}


def fingerprints(conn: sqlite3.Connection) -> list[tuple[str, Fingerprint]]:
    """Every stored perceptual fingerprint, in arrival order."""
    rows = conn.execute(
        "SELECT f.digest, f.kind, f.frames FROM evidence_fingerprints f "
        "JOIN evidence_items i ON i.digest = f.digest ORDER BY i.rowid"
    ).fetchall()
    out = []
    for d, kind, stored in rows:
        data = json.loads(stored)
        if isinstance(data, list):  # frames only
            data = {"frames": data}
        out.append((d, Fingerprint.from_payload({"kind": kind, **data})))
    return out


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
