"""Conflicts left by a merge, and their resolution (see :mod:`gawah.sync.projection`).

A conflict's *subject* is ``report:<report id>``, ``pair:<report id>|<report
id>`` or ``persons`` (two teams assigned reports to persons apart: the registry's
head assignments, :func:`gawah.registry.assignment_heads`, group some reports
differently). Resolving records, in one transaction, the version, decision or
assignment a reviewer keeps (a new ``report.recorded`` version copying the kept
one, a new ``link.decided``, or a new ``persons.assigned`` copying the kept one
and superseding every head) and a ``sync.resolved`` event naming every competing
event it settles. Events a resolution names no longer count as competing;
nothing is deleted. A new linkage run on a device holding both assignments also
settles a ``persons`` conflict: its assignment supersedes them.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gawah.errors import UserInputError
from gawah.registry import (
    PersonsAssigned,
    assigned_apart,
    assignment_heads,
    persons_assigned,
)
from gawah.sync.projection import DECISION_KIND, REPORT_KIND, SYNC_RESOLVED

if TYPE_CHECKING:
    from gawah.ledger import Event
    from gawah.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Version:
    """One competing version of a report or decision on a pair."""

    event_id: str
    value: str  # content hash of a report version, the decision, or the run id
    version: int | None  # a report's version, or an assignment's generation
    device: str
    author: str
    recorded_at: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two or more competing versions of one subject, not yet resolved."""

    subject: str
    kind: str  # "report", "decision" or "persons"
    report_ids: tuple[str, ...]
    versions: tuple[Version, ...]


def _resolved(conn: sqlite3.Connection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for subject, resolved in conn.execute(
        "SELECT subject, resolved FROM sync_resolutions"
    ):
        out[str(subject)].update(json.loads(resolved))
    return out


def conflicts(
    conn: sqlite3.Connection, report_ids: Collection[str] | None = None
) -> list[Conflict]:
    """Every unresolved conflict (of these reports only, when given), sorted by subject."""
    resolved = _resolved(conn)
    wanted = None if report_ids is None else set(report_ids)
    found: list[Conflict] = []
    where, args = "", tuple[str, ...]()
    if wanted is not None:
        where = f" WHERE report_id IN ({', '.join('?' * len(wanted))})"
        args = tuple(sorted(wanted))
    groups = conn.execute(
        f"SELECT report_id, version FROM sync_report_versions{where}"
        " GROUP BY report_id, version HAVING count(DISTINCT content_hash) > 1"
        " ORDER BY report_id, version",
        args,
    ).fetchall()
    by_report: dict[str, list[Version]] = defaultdict(list)
    for report_id, version in groups:
        if wanted is not None and report_id not in wanted:
            continue
        subject = f"report:{report_id}"
        rows = conn.execute(
            "SELECT event_id, content_hash, version, device, author, recorded_at"
            " FROM sync_report_versions WHERE report_id = ? AND version = ?"
            " ORDER BY event_id",
            (report_id, version),
        ).fetchall()
        live = [Version(*map(_plain, row)) for row in rows]
        live = [v for v in live if v.event_id not in resolved.get(subject, set())]
        if len({v.value for v in live}) > 1:
            by_report[str(report_id)].extend(live)
    for report_id, versions in sorted(by_report.items()):
        found.append(
            Conflict(f"report:{report_id}", "report", (report_id,), tuple(versions))
        )
    latest: dict[tuple[str, str], dict[str, Version]] = defaultdict(dict)
    pairs = ""
    if wanted is not None:
        marks = ", ".join("?" * len(wanted))
        pairs = f" AND (report_l IN ({marks}) OR report_r IN ({marks}))"
    for row in conn.execute(
        "SELECT report_l, report_r, event_id, decision, device, author, recorded_at"
        f" FROM sync_decisions WHERE decision != 'skip'{pairs}"
        " ORDER BY recorded_at, event_id",
        args + args,
    ):
        left, right = str(row[0]), str(row[1])
        if wanted is not None and not {left, right} & wanted:
            continue
        if str(row[2]) in resolved.get(f"pair:{left}|{right}", set()):
            continue
        version = Version(str(row[2]), str(row[3]), None, *map(str, row[4:]))
        latest[(left, right)][version.device] = version
    for (left, right), per_device in sorted(latest.items()):
        if len({v.value for v in per_device.values()}) > 1:
            found.append(
                Conflict(
                    f"pair:{left}|{right}",
                    "decision",
                    (left, right),
                    tuple(sorted(per_device.values(), key=lambda v: v.event_id)),
                )
            )
    found.extend(_persons_conflict(conn, resolved, wanted))
    return sorted(found, key=lambda c: c.subject)


PERSONS_SUBJECT = "persons"
PERSONS_ASSIGNED = "persons.assigned"


def _persons_conflict(
    conn: sqlite3.Connection, resolved: dict[str, set[str]], wanted: set[str] | None
) -> list[Conflict]:
    """The head assignments that group reports differently (of these reports only)."""
    settled = resolved.get(PERSONS_SUBJECT, set())
    heads = [h for h in assignment_heads(conn) if h.event_id not in settled]
    if len(heads) < 2:
        return []
    apart = assigned_apart(conn, [h.event_id for h in heads], wanted)
    if not apart:
        return []
    versions = tuple(
        Version(h.event_id, h.run_id, h.generation, h.device, h.author, h.recorded_at)
        for h in sorted(heads, key=lambda h: h.event_id)
    )
    return [Conflict(PERSONS_SUBJECT, "persons", tuple(sorted(apart)), versions)]


def _plain(value: Any) -> Any:
    return value if isinstance(value, int) else str(value)


def conflicted_reports(conn: sqlite3.Connection) -> set[str]:
    """Report ids with an unresolved conflict (for the register and person pages)."""
    return {r for c in conflicts(conn) for r in c.report_ids}


def resolve(ws: Workspace, subject: str, keep: str) -> list[Event]:
    """Keep the version (or decision) of event ``keep`` for ``subject``; record it.

    Raises:
        UserInputError: the subject has no unresolved conflict, or ``keep`` is
            not one of its competing events.
    """
    match = [c for c in conflicts(ws.conn) if c.subject == subject]
    if not match:
        raise UserInputError(
            f"{subject[:80]!r} has no unresolved conflict (see `gawah sync conflicts`)"
        )
    conflict = match[0]
    chosen = [v for v in conflict.versions if v.event_id.startswith(keep)]
    if len(keep) < 8 or len(chosen) != 1:
        raise UserInputError(
            "--keep must be (a prefix of at least 8 characters of) one of the "
            "competing event ids `gawah sync conflicts` lists"
        )
    kept = ws.ledger.event(chosen[0].event_id)
    if conflict.kind == "report":
        (report_id,) = conflict.report_ids
        top = ws.conn.execute(
            "SELECT max(version) FROM sync_report_versions WHERE report_id = ?",
            (report_id,),
        ).fetchone()[0]
        settled = [
            str(r[0])
            for r in ws.conn.execute(
                "SELECT event_id FROM sync_report_versions WHERE report_id = ?",
                (report_id,),
            )
        ]
        copy = dict(kept.payload, version=int(top) + 1)
        first = (REPORT_KIND, copy)
    elif conflict.kind == "persons":
        settled = [v.event_id for v in conflict.versions]
        again = PersonsAssigned.from_payload(kept.payload)
        made = persons_assigned(ws.conn, again.assignments, again.run_id, again.method)
        first = (PERSONS_ASSIGNED, made.to_payload())
    else:
        left, right = conflict.report_ids
        settled = [
            str(r[0])
            for r in ws.conn.execute(
                "SELECT event_id FROM sync_decisions WHERE report_l = ? AND report_r = ?",
                (left, right),
            )
        ]
        first = (DECISION_KIND, dict(kept.payload, reviewer=ws.author))
    return ws.append_many(
        [
            first,
            (
                SYNC_RESOLVED,
                {"subject": subject, "chosen": kept.id, "resolved": sorted(settled)},
            ),
        ]
    )


__all__ = [
    "PERSONS_SUBJECT",
    "Conflict",
    "Version",
    "conflicted_reports",
    "conflicts",
    "resolve",
]
