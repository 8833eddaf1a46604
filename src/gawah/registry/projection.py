"""The registry's tables, derived from ledger events (decision 0001).

Tables (all prefixed ``registry_``): ``incidents``, ``sources``, ``reports``
(one row per report, its latest version), ``sensitive`` (national id, phone,
witness identity: kept apart so that nothing that lists reports can leak them
by accident), ``persons`` and ``person_reports`` (the current assignment of
reports to persons: the greatest ``persons.assigned`` held, by
:func:`~gawah.registry.models.assignment_order`, whatever the arrival order).
``assignments`` keeps every ``persons.assigned`` held (without its persons),
``assignment_links`` which one supersedes which (named in the payload, or an
earlier one of the same device), and ``head_persons`` the persons of each
assignment no other supersedes: two or more such *heads* were made apart by
teams that had not seen each other's (``gawah sync conflicts`` lists them).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import fields
from itertools import groupby
from operator import itemgetter
from typing import Any

from gawah.core.json_text import text_encoder
from gawah.ledger import Event, stored_events
from gawah.registry.models import (
    INCIDENT_RECORDED,
    PERSONS_ASSIGNED,
    REPORT_RECORDED,
    SOURCE_RECORDED,
    SOURCE_RELEASED,
    Release,
    Report,
    assignment_order,
    generation_of,
    superseded_by,
)
from gawah.sealing import SEALED_ERASED

#: Report columns stored as plain values, in table order.
REPORT_COLUMNS: tuple[str, ...] = (
    "report_id", "version", "source_id", "incident_id", "record_id", "content_hash",
    "full_name", "given_name", "family_name", "father_name", "name_urdu", "sex", "age",
    "age_min", "age_max", "age_estimated", "status", "status_as_written",
    "status_recognised", "date", "date_precision", "date_estimated", "place", "address",
    "district", "tehsil", "union_council", "village", "occupation", "cause",
    "circumstances", "notes", "dob", "dob_precision",
)  # fmt: skip
_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in fields(Report) if f.name in REPORT_COLUMNS
}
#: ``{**_DEFAULTS, **payload}`` read by this gives ``payload.get(c, default)`` of
#: every column in one C call (replays build a row for every report).
_COLUMN_VALUES = itemgetter(*REPORT_COLUMNS)
SENSITIVE_TABLE_COLUMNS = ("national_id", "phone", "witness_name", "witness_contact")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS registry_incidents (
    incident_id TEXT PRIMARY KEY, title TEXT NOT NULL, date TEXT, date_precision TEXT,
    place TEXT NOT NULL, district TEXT NOT NULL, description TEXT NOT NULL,
    event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS registry_sources (
    source_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
    description TEXT NOT NULL, event_id TEXT NOT NULL,
    connection TEXT NOT NULL DEFAULT 'unknown',
    reliability TEXT NOT NULL DEFAULT 'unknown',
    independence_group TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS registry_reports (
    {
    ", ".join(
        c + (" TEXT PRIMARY KEY" if c == "report_id" else "") for c in REPORT_COLUMNS
    )
},
    extra TEXT NOT NULL, provenance TEXT, event_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS registry_reports_source
    ON registry_reports (source_id, record_id);
CREATE INDEX IF NOT EXISTS registry_reports_status ON registry_reports (status);
CREATE TABLE IF NOT EXISTS registry_sensitive (
    report_id TEXT PRIMARY KEY, national_id TEXT, phone TEXT NOT NULL,
    witness_name TEXT NOT NULL, witness_contact TEXT NOT NULL,
    other TEXT NOT NULL DEFAULT '{{}}', sealed TEXT, match_national_id TEXT,
    match_phone TEXT
);
CREATE TABLE IF NOT EXISTS registry_releases (
    event_id TEXT PRIMARY KEY, recorded_at TEXT NOT NULL, source_id TEXT NOT NULL,
    release TEXT NOT NULL, incident_id TEXT, file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL, rows INTEGER NOT NULL, added INTEGER NOT NULL,
    changed INTEGER NOT NULL, unchanged INTEGER NOT NULL, dropped INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS registry_releases_source
    ON registry_releases (source_id, recorded_at);
CREATE TABLE IF NOT EXISTS registry_persons (
    person_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, method TEXT NOT NULL,
    n_reports INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS registry_person_reports (
    report_id TEXT PRIMARY KEY, person_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS registry_person_reports_person
    ON registry_person_reports (person_id);
CREATE TABLE IF NOT EXISTS registry_assignments (
    event_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, method TEXT NOT NULL,
    generation INTEGER NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL,
    author TEXT NOT NULL, recorded_at TEXT NOT NULL, head INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS registry_assignments_device
    ON registry_assignments (device, seq);
CREATE TABLE IF NOT EXISTS registry_assignment_links (
    superseded TEXT NOT NULL, event_id TEXT NOT NULL,
    PRIMARY KEY (superseded, event_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry_head_persons (
    event_id TEXT NOT NULL, report_id TEXT NOT NULL, person_id TEXT NOT NULL,
    cluster TEXT NOT NULL, PRIMARY KEY (event_id, report_id)
) WITHOUT ROWID;
"""

TABLES = (
    "registry_incidents",
    "registry_sources",
    "registry_reports",
    "registry_sensitive",
    "registry_releases",
    "registry_persons",
    "registry_person_reports",
    "registry_assignments",
    "registry_assignment_links",
    "registry_head_persons",
)

_UPSERT_REPORT = (
    f"INSERT INTO registry_reports ({', '.join(REPORT_COLUMNS)}, extra, "
    "provenance, event_id, recorded_at) "
    f"VALUES ({', '.join('?' * (len(REPORT_COLUMNS) + 4))}) "
    "ON CONFLICT (report_id) DO UPDATE SET "
    + ", ".join(
        f"{c} = excluded.{c}"
        for c in (*REPORT_COLUMNS[1:], "extra", "provenance", "event_id", "recorded_at")
    )
    + " WHERE excluded.version > registry_reports.version"
    " OR (excluded.version = registry_reports.version"
    " AND excluded.event_id > registry_reports.event_id)"
)
# Two devices that record the same version of a report concurrently (offline
# teams, merged by sync) both keep their event; the one with the larger event id
# is shown, whatever the arrival order, so every workspace holding the same
# events shows the same register (gawah.sync lists the conflict for review).


#: ``json.dumps(value, ensure_ascii=False, sort_keys=True)`` without building an
#: encoder per call (the same output; replays call it for every report).
_ENCODE = text_encoder(sort_keys=True)


def _json(value: Any) -> str:
    return "{}" if value == {} and type(value) is dict else _ENCODE(value)


class RegistryProjector:
    """Applies registry events to the ``registry_*`` tables."""

    name = "registry"

    def create(self, conn: sqlite3.Connection) -> None:
        """Create the registry tables if they do not exist.

        A workspace made before the assignment tables existed holds
        ``persons.assigned`` events they must reflect (``gawah ledger verify``
        replays every event and compares): when they are first created beside a
        ledger, they are filled once from its stored events, as a replay would
        (a rebuild drops every table first, and its replay fills them).
        """
        existed = _has_table(conn, "registry_assignments")
        older = _has_table(conn, "registry_persons")  # a rebuild dropped it
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        _add_missing_columns(conn)
        if older and not existed:
            for event in list(stored_events(conn, [PERSONS_ASSIGNED])):
                _persons(conn, event)

    def drop(self, conn: sqlite3.Connection) -> None:
        """Drop every registry table (``gawah ledger rebuild`` recreates them)."""
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        """Apply one event; kinds other domains own are ignored."""
        handler = _HANDLERS.get(event.kind)
        if handler is not None:
            handler(conn, event)

    def apply_many(self, conn: sqlite3.Connection, events: list[Event]) -> None:
        """Apply events in order; a run of reports goes in with few statements.

        Imports append thousands of ``report.recorded`` events at once: one
        ``executemany`` per run leaves the same tables as :meth:`apply` per event.
        """
        run: list[Event] = []
        for event in events:
            if event.kind == REPORT_RECORDED:
                run.append(event)
                continue
            if run:
                _reports(conn, run)
                run = []
            self.apply(conn, event)
        if run:
            _reports(conn, run)


# Columns added after the first release, with their SQL definitions: a workspace
# created earlier gets them on open, so its projection keeps working.
_LATER_COLUMNS = {
    "registry_reports": (("dob", "TEXT"), ("dob_precision", "TEXT")),
    "registry_sources": (
        ("connection", "TEXT NOT NULL DEFAULT 'unknown'"),
        ("reliability", "TEXT NOT NULL DEFAULT 'unknown'"),
        ("independence_group", "TEXT NOT NULL DEFAULT ''"),
    ),
    "registry_sensitive": (
        ("other", "TEXT NOT NULL DEFAULT '{}'"),
        ("sealed", "TEXT"),
        ("match_national_id", "TEXT"),
        ("match_phone", "TEXT"),
    ),
}


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, columns in _LATER_COLUMNS.items():
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns:
            if name not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


def _incident(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT OR REPLACE INTO registry_incidents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["incident_id"], p["title"], p.get("date"), p.get("date_precision"),
            p.get("place", ""), p.get("district", ""), p.get("description", ""),
            event.id,
        ),
    )  # fmt: skip


def _source(conn: sqlite3.Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        "INSERT OR REPLACE INTO registry_sources (source_id, name, kind, description, "
        "event_id, connection, reliability, independence_group) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["source_id"],
            p["name"],
            p.get("kind", "other"),
            p.get("description", ""),
            event.id,
            p.get("connection", "unknown"),
            p.get("reliability", "unknown"),
            p.get("independence_group", ""),
        ),
    )


def _report(conn: sqlite3.Connection, event: Event) -> None:
    cursor = conn.execute(_UPSERT_REPORT, _report_row(event))
    if cursor.rowcount == 0:
        return  # an older version arriving late (sync) never overwrites a newer one
    change = _sensitive_change(event.payload)
    if change is not None:
        op, args = change
        conn.execute(_DELETE_SENSITIVE if op == "delete" else _INSERT_SENSITIVE, args)


def _sensitive_change(p: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
    """What a stored report version does to its sensitive row: nothing, delete or insert."""
    s = p.get("sensitive") or {}
    sealed = p.get("sealed")
    if not s and not sealed:
        return ("delete", (p["report_id"],)) if p["version"] > 1 else None
    match = p.get("match") or {}
    return (
        "insert",
        (
            p["report_id"], s.get("national_id"), s.get("phone") or "",
            s.get("witness_name") or "", s.get("witness_contact") or "",
            _json(s.get("other") or {}), None if not sealed else _json(sealed),
            match.get("national_id"), match.get("phone"),
        ),
    )  # fmt: skip


def _report_row(event: Event) -> tuple[Any, ...]:
    p = event.payload
    get = p.get
    return (
        *_COLUMN_VALUES({**_DEFAULTS, **p}),
        _json(get("extra") or {}),
        None if p.get("provenance") is None else _json(p["provenance"]),
        event.id,
        event.recorded_at,
    )


def _reports(conn: sqlite3.Connection, events: list[Event]) -> None:
    """Apply a run of report events as :func:`_report` on each would, in bulk.

    Which upserts take effect (``version >=`` the stored one) is decided here,
    in order, from the stored versions; the sensitive-table changes of those that
    do then run in event order. Anything unusual (a version that is not an
    integer) takes the per-event path.
    """
    rows = [_report_row(event) for event in events]
    if any(type(row[0]) is not str or type(row[1]) is not int for row in rows):
        for event in events:
            _report(conn, event)
        return
    ids = list(dict.fromkeys(str(row[0]) for row in rows))
    current: dict[str, tuple[int | None, str]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        for found in conn.execute(
            "SELECT report_id, version, event_id FROM registry_reports"
            f" WHERE report_id IN ({marks})",
            part,
        ):
            current[str(found[0])] = (found[1], str(found[2]))
    applied: list[tuple[Any, ...]] = []
    sensitive: list[tuple[str, tuple[Any, ...]]] = []
    for event, row in zip(events, rows, strict=True):
        report_id, version, event_id = str(row[0]), row[1], event.id
        if report_id in current:
            stored, stored_id = current[report_id]
            if stored is None or (version, event_id) < (stored, stored_id):
                continue  # an older version arriving late never overwrites a newer one
        current[report_id] = (version, event_id)
        applied.append(row)
        change = _sensitive_change(event.payload)
        if change is not None:
            sensitive.append(change)
    conn.executemany(_UPSERT_REPORT, applied)
    for op, group in groupby(sensitive, key=lambda item: item[0]):
        sql = _DELETE_SENSITIVE if op == "delete" else _INSERT_SENSITIVE
        conn.executemany(sql, [args for _, args in group])


_DELETE_SENSITIVE = "DELETE FROM registry_sensitive WHERE report_id = ?"
_INSERT_SENSITIVE = (
    "INSERT OR REPLACE INTO registry_sensitive (report_id, national_id, phone, "
    "witness_name, witness_contact, other, sealed, match_national_id, match_phone) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _released(conn: sqlite3.Connection, event: Event) -> None:
    r = Release.from_payload(event.payload)
    conn.execute(
        "INSERT OR REPLACE INTO registry_releases VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event.id, event.recorded_at, r.source_id, r.release, r.incident_id, r.file_name,
            r.file_sha256, r.rows, r.added, r.changed, r.unchanged, r.dropped,
            r.rejected,
        ),
    )  # fmt: skip


def _persons(conn: sqlite3.Connection, event: Event) -> None:
    """Hold one ``persons.assigned``; show it when it is the greatest held.

    Every step depends only on the set of assignments held, never on the order
    they arrived in: the links (which supersedes which), the heads (those no
    held assignment supersedes, each with its persons) and the one shown.
    """
    p = event.payload
    if not isinstance(p.get("assignments"), list):
        return
    held = conn.execute(
        "INSERT OR IGNORE INTO registry_assignments VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
        (
            event.id, str(p.get("run_id", "")), str(p.get("method", "")),
            generation_of(p), event.device, event.seq, event.author, event.recorded_at,
        ),
    )  # fmt: skip
    if held.rowcount == 0:
        return  # held already (a replay after the backfill): nothing changes
    # A device always saw its own earlier assignments: they are superseded too.
    same_device = conn.execute(
        "SELECT event_id, seq FROM registry_assignments"
        " WHERE device = ? AND event_id != ?",
        (event.device, event.id),
    ).fetchall()
    links = [(x, event.id) for x in superseded_by(p)]
    links += [(str(x), event.id) for x, seq in same_device if int(seq) < event.seq]
    links += [(event.id, str(y)) for y, seq in same_device if int(seq) > event.seq]
    conn.executemany(
        "INSERT OR IGNORE INTO registry_assignment_links VALUES (?, ?)", links
    )
    gone = [x for x, by in links if by == event.id]
    conn.executemany(
        "UPDATE registry_assignments SET head = 0 WHERE event_id = ?",
        [(x,) for x in gone],
    )
    conn.executemany(
        "DELETE FROM registry_head_persons WHERE event_id = ?", [(x,) for x in gone]
    )
    superseded = conn.execute(
        "SELECT 1 FROM registry_assignment_links WHERE superseded = ? LIMIT 1",
        (event.id,),
    ).fetchone()
    if superseded is not None:
        conn.execute(
            "UPDATE registry_assignments SET head = 0 WHERE event_id = ?", (event.id,)
        )
    else:
        conn.executemany(
            "INSERT OR REPLACE INTO registry_head_persons VALUES (?, ?, ?, ?)",
            [
                (event.id, r, a["person_id"], _cluster(a["report_ids"]))
                for a in p["assignments"]
                for r in a["report_ids"]
            ],
        )
    shown = conn.execute(
        "SELECT generation, recorded_at, event_id FROM registry_assignments"
        " ORDER BY generation DESC, recorded_at DESC, event_id DESC LIMIT 1"
    ).fetchone()
    if tuple(shown) != assignment_order(p, event.recorded_at, event.id):
        return  # a greater assignment is held: it stays shown
    conn.execute("DELETE FROM registry_persons")
    conn.execute("DELETE FROM registry_person_reports")
    conn.executemany(
        "INSERT INTO registry_persons VALUES (?, ?, ?, ?)",
        [
            (a["person_id"], p["run_id"], p["method"], len(a["report_ids"]))
            for a in p["assignments"]
        ],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO registry_person_reports VALUES (?, ?)",
        [(r, a["person_id"]) for a in p["assignments"] for r in a["report_ids"]],
    )


def _cluster(report_ids: list[str]) -> str:
    """A short digest of a person's reports: equal for the same group of reports."""
    joined = "\n".join(sorted(str(r) for r in report_ids))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return found is not None


def _erased(conn: sqlite3.Connection, event: Event) -> None:
    """An erased report keeps its public fields; its sealed row and match keys go."""
    conn.execute(_DELETE_SENSITIVE, (str(event.payload["subject"]),))


_HANDLERS = {
    SEALED_ERASED: _erased,
    INCIDENT_RECORDED: _incident,
    SOURCE_RECORDED: _source,
    SOURCE_RELEASED: _released,
    REPORT_RECORDED: _report,
    PERSONS_ASSIGNED: _persons,
}

PROJECTOR = RegistryProjector()
