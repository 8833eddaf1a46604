"""Recording incidents, sources and person assignments: each one ledger event.

These are the only ways the registry changes besides :func:`import_list`; each
function checks its input, appends one event and lets the projection update the
tables in the same transaction.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from gawah.errors import UserInputError
from gawah.registry.models import (
    INCIDENT_RECORDED,
    PERSONS_ASSIGNED,
    SOURCE_CONNECTIONS,
    SOURCE_KINDS,
    SOURCE_RECORDED,
    SOURCE_RELIABILITY,
    Incident,
    PersonAssignment,
    PersonsAssigned,
    Source,
)
from gawah.registry.parsing import parse_date

if TYPE_CHECKING:
    from gawah.workspace import Workspace


def source_id_for(name: str) -> str:
    """The id of a source named ``name``: lower case, words joined by hyphens.

    Two devices that import lists from "Hospital A" agree on the id ``hospital-a``.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    slug = "-".join(re.sub(r"[^\w]+", " ", folded).replace("_", " ").split())
    if not slug:
        raise UserInputError(f"source name {name!r} has no letters or digits")
    return slug


def record_source(
    ws: Workspace,
    name: str,
    *,
    kind: str = "other",
    description: str = "",
    connection: str = "unknown",
    reliability: str = "unknown",
    independence_group: str = "",
) -> Source:
    """Record a source (or update what is known about it); returns it.

    ``connection`` is a HURIDOCS MT19 term, ``reliability`` an MT42 term (see
    docs/reference/vocabularies.md).
    """
    for value, allowed, what in (
        (kind, SOURCE_KINDS, "kind"),
        (connection, SOURCE_CONNECTIONS, "connection"),
        (reliability, SOURCE_RELIABILITY, "reliability"),
    ):
        if value not in allowed:
            raise UserInputError(
                f"source {what} {value!r} is not one of: {', '.join(allowed)}"
            )
    group = source_id_for(independence_group) if independence_group else ""
    source = Source(
        source_id_for(name), name, kind, description, connection, reliability, group
    )
    ws.append(SOURCE_RECORDED, source.to_payload())
    return source


def record_incident(
    ws: Workspace,
    title: str,
    *,
    incident_id: str | None = None,
    date: str = "",
    place: str = "",
    district: str = "",
    description: str = "",
) -> Incident:
    """Record an incident; ``incident_id`` defaults to the title's slug."""
    if not title.strip():
        raise UserInputError("an incident needs a title")
    try:
        when = parse_date(date)
    except ValueError as exc:
        raise UserInputError(f"incident date: {exc}") from None
    incident = Incident(
        incident_id=incident_id or source_id_for(title),
        title=title.strip(),
        date=when.iso if when else None,
        date_precision=when.precision if when else None,
        place=place,
        district=district,
        description=description,
    )
    ws.append(INCIDENT_RECORDED, incident.to_payload())
    return incident


def assign_persons(
    ws: Workspace,
    assignments: Mapping[str, Iterable[str]] | Iterable[PersonAssignment],
    run_id: str,
    method: str,
) -> PersonsAssigned:
    """Record which reports describe the same person, replacing any earlier assignment.

    ``assignments`` maps person id -> report ids (or is a sequence of
    :class:`PersonAssignment`). Every report id must exist, and a report may
    belong to one person only. Reports left out belong to no person.

    The new assignment supersedes every assignment held here that no other
    supersedes (the one shown, and any another team made apart that arrived by
    sync): it was made with them in view, so it settles their conflict.
    """
    event = persons_assigned(ws.conn, assignments, run_id, method)
    ws.append(PERSONS_ASSIGNED, event.to_payload())
    return event


def persons_assigned(
    conn: sqlite3.Connection,
    assignments: Mapping[str, Iterable[str]] | Iterable[PersonAssignment],
    run_id: str,
    method: str,
) -> PersonsAssigned:
    """The checked ``persons.assigned`` :func:`assign_persons` records, not recorded.

    For a caller that records it with other events in one transaction
    (``gawah sync resolve``); it supersedes every head held now.

    Raises:
        UserInputError: a report does not exist, or is given to two persons, or a
            person is named twice.
    """
    if isinstance(assignments, Mapping):
        items = tuple(
            PersonAssignment(str(p), tuple(sorted(str(r) for r in rs)))
            for p, rs in sorted(assignments.items())
        )
    else:
        items = tuple(assignments)
    known = {str(r) for (r,) in conn.execute("SELECT report_id FROM registry_reports")}
    seen: dict[str, str] = {}
    person_ids: set[str] = set()
    for item in items:
        if item.person_id in person_ids:
            raise UserInputError(f"person {item.person_id!r} is assigned twice")
        person_ids.add(item.person_id)
        for report_id in item.report_ids:
            if report_id not in known:
                raise UserInputError(f"report {report_id!r} does not exist")
            if report_id in seen:
                raise UserInputError(
                    f"report {report_id!r} is assigned to {seen[report_id]!r} "
                    f"and {item.person_id!r}"
                )
            seen[report_id] = item.person_id
    heads = conn.execute(
        "SELECT event_id FROM registry_assignments WHERE head = 1"
    ).fetchall()
    top = conn.execute(
        "SELECT coalesce(max(generation), 0) FROM registry_assignments"
    ).fetchone()[0]
    return PersonsAssigned(
        run_id,
        method,
        items,
        supersedes=tuple(sorted(str(h[0]) for h in heads)),
        generation=int(top) + 1,
    )
