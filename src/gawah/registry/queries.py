"""Read functions over the registry tables; other domains call these, never the SQL.

Nothing here returns a sensitive value except :func:`get_sensitive`, which a
caller must ask for by name.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gawah.errors import UserInputError
from gawah.registry.models import (
    Incident,
    Provenance,
    Release,
    Report,
    SensitiveFields,
    Source,
)
from gawah.registry.projection import REPORT_COLUMNS
from gawah.registry.vocabularies import DatePrecision, Sex, Status

if TYPE_CHECKING:
    from gawah.sealing import Opener


class SealedError(UserInputError):
    """Sensitive values are sealed and were asked for without the key to open them."""


#: ``list_reports(status=UNRECOGNISED)``: reports whose status the vocabulary lacks.
UNRECOGNISED = "unrecognised"

_SELECT_REPORT = (
    f"SELECT {', '.join(REPORT_COLUMNS)}, extra, provenance FROM registry_reports"
)


def _report(row: tuple[object, ...]) -> Report:
    values = dict(zip(REPORT_COLUMNS, row, strict=False))
    prov = json.loads(str(row[-1])) if row[-1] is not None else None
    precision = values["date_precision"]
    return Report(
        report_id=str(values["report_id"]),
        version=int(str(values["version"])),
        source_id=str(values["source_id"]),
        incident_id=None
        if values["incident_id"] is None
        else str(values["incident_id"]),
        record_id=str(values["record_id"]),
        content_hash=str(values["content_hash"]),
        full_name=str(values["full_name"]),
        given_name=str(values["given_name"]),
        family_name=str(values["family_name"]),
        father_name=str(values["father_name"]),
        name_urdu=str(values["name_urdu"]),
        sex=Sex(str(values["sex"])),
        age=_int(values["age"]),
        age_min=_int(values["age_min"]),
        age_max=_int(values["age_max"]),
        age_estimated=bool(values["age_estimated"]),
        status=Status(str(values["status"])),
        status_as_written=str(values["status_as_written"]),
        status_recognised=bool(values["status_recognised"]),
        date=None if values["date"] is None else str(values["date"]),
        date_precision=DatePrecision(str(precision)) if precision else None,
        date_estimated=bool(values["date_estimated"]),
        dob=None if values["dob"] is None else str(values["dob"]),
        dob_precision=DatePrecision(str(values["dob_precision"]))
        if values["dob_precision"]
        else None,
        place=str(values["place"]),
        address=str(values["address"]),
        district=str(values["district"]),
        tehsil=str(values["tehsil"]),
        union_council=str(values["union_council"]),
        village=str(values["village"]),
        occupation=str(values["occupation"]),
        cause=str(values["cause"]),
        circumstances=str(values["circumstances"]),
        notes=str(values["notes"]),
        extra=json.loads(str(row[-2])),
        provenance=None
        if prov is None
        else Provenance(
            prov["file_name"],
            prov["file_sha256"],
            prov["line"],
            prov["columns"],
            str(prov.get("release", "")),
        ),
    )


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def iter_reports(
    conn: sqlite3.Connection,
    *,
    source: str | None = None,
    status: str | None = None,
    incident: str | None = None,
) -> Iterator[Report]:
    """Yield reports ordered by source and record id, optionally filtered.

    ``status`` is a :class:`Status` code or :data:`UNRECOGNISED`.
    """
    where: list[str] = []
    params: list[str] = []
    if source is not None:
        where.append("source_id = ?")
        params.append(source)
    if status == UNRECOGNISED:
        where.append("status_recognised = 0")
    elif status is not None:
        where.append("status = ?")
        params.append(Status(status).value)
    if incident is not None:
        where.append("incident_id = ?")
        params.append(incident)
    sql = _SELECT_REPORT + (" WHERE " + " AND ".join(where) if where else "")
    for row in conn.execute(sql + " ORDER BY source_id, record_id", params):
        yield _report(row)


def list_reports(
    conn: sqlite3.Connection,
    *,
    source: str | None = None,
    status: str | None = None,
    incident: str | None = None,
) -> list[Report]:
    """All reports (latest versions), optionally filtered; see :func:`iter_reports`."""
    return list(iter_reports(conn, source=source, status=status, incident=incident))


def get_report(conn: sqlite3.Connection, report_id: str) -> Report | None:
    """One report by id, or None."""
    row = conn.execute(_SELECT_REPORT + " WHERE report_id = ?", (report_id,)).fetchone()
    return None if row is None else _report(row)


def find_report(
    conn: sqlite3.Connection, key: str, source: str | None = None
) -> Report:
    """The report a user names: its report id, or its record id in its source.

    ``reports list`` shows both; a record id alone must be unique across
    sources (else ``source`` says which list).

    Raises:
        UserInputError: no such report, or the record id is in several sources.
    """
    report = get_report(conn, key)
    if report is not None and source in (None, report.source_id):
        return report
    sql = _SELECT_REPORT + " WHERE record_id = ?"
    params = [key]
    if source is not None:
        sql += " AND source_id = ?"
        params.append(source)
    found = [_report(row) for row in conn.execute(sql + " ORDER BY source_id", params)]
    if len(found) == 1:
        return found[0]
    if not found:
        where = f" in source {source!r}" if source is not None else ""
        raise UserInputError(
            f"no report with report id or record id {key!r}{where}: "
            "`gawah reports list` shows both"
        )
    sources = ", ".join(r.source_id for r in found)
    raise UserInputError(
        f"record id {key!r} is in several sources ({sources}): "
        "give --source, or the report id"
    )


def get_sensitive(
    conn: sqlite3.Connection, report_id: str, opener: Opener | None = None
) -> SensitiveFields | None:
    """The sensitive values of one report: only for a user who asked to see them.

    Sealed values are opened with ``opener`` (:class:`gawah.sealing.Opener`,
    which needs the unlocked device key). None when the report has no sensitive
    values, or they were erased.

    Raises:
        SealedError: the values are sealed and no opener was given.
    """
    row = conn.execute(
        "SELECT national_id, phone, witness_name, witness_contact, other, sealed "
        "FROM registry_sensitive "
        "WHERE report_id = ?",
        (report_id,),
    ).fetchone()
    if row is None:
        return None
    if row[5] is not None:
        if opener is None:
            raise SealedError(
                "sensitive values are sealed: open them with the workspace key "
                "(--include-sensitive and the passphrase)"
            )
        values = opener.open_json(report_id, json.loads(row[5]))
        return None if values is None else SensitiveFields.from_dict(values)
    return SensitiveFields(row[0], row[1], row[2], row[3], json.loads(row[4] or "{}"))


def get_sensitive_row_exists(conn: sqlite3.Connection, report_id: str) -> bool:
    """True when the report has sensitive values on record (sealed or not)."""
    row = conn.execute(
        "SELECT 1 FROM registry_sensitive WHERE report_id = ?", (report_id,)
    ).fetchone()
    return row is not None


def is_sealed(conn: sqlite3.Connection, report_id: str) -> bool:
    """True when the report's sensitive values are stored sealed."""
    row = conn.execute(
        "SELECT sealed IS NOT NULL FROM registry_sensitive WHERE report_id = ?",
        (report_id,),
    ).fetchone()
    return bool(row and row[0])


def match_keys(conn: sqlite3.Connection) -> dict[str, tuple[str | None, str | None]]:
    """report id -> keyed hashes of (national id, phone), for linkage.

    Reports recorded before sealing have no keyed hash; their national id is
    given in the clear (as it is stored) so that linkage still compares them.
    """
    return {
        str(r[0]): (r[1] if r[1] is not None else r[3], r[2])
        for r in conn.execute(
            "SELECT report_id, match_national_id, match_phone, "
            "CASE WHEN sealed IS NULL THEN national_id END FROM registry_sensitive"
        )
    }


def report_versions(
    conn: sqlite3.Connection, source_id: str, incident_id: str | None = None
) -> dict[str, tuple[int, str]]:
    """record_id -> (version, content_hash) of one source's list for one incident.

    Import uses it to record only new and changed rows.
    """
    return {
        str(r): (int(v), str(h))
        for r, v, h in conn.execute(
            "SELECT record_id, version, content_hash FROM registry_reports "
            "WHERE source_id = ? AND incident_id IS ?",
            (source_id, incident_id),
        )
    }


def list_sources(conn: sqlite3.Connection) -> list[Source]:
    """Every source, by id."""
    rows = conn.execute(
        "SELECT source_id, name, kind, description, connection, reliability, "
        "independence_group FROM registry_sources ORDER BY source_id"
    )
    return [Source(*(str(v) for v in row)) for row in rows]


def get_source(conn: sqlite3.Connection, source_id: str) -> Source | None:
    """One source by id, or None."""
    return next((s for s in list_sources(conn) if s.source_id == source_id), None)


def list_incidents(conn: sqlite3.Connection) -> list[Incident]:
    """Every incident, by id."""
    rows = conn.execute(
        "SELECT incident_id, title, date, date_precision, place, district, description "
        "FROM registry_incidents ORDER BY incident_id"
    )
    return [
        Incident(
            str(i),
            str(t),
            d,
            DatePrecision(p) if p else None,
            str(pl),
            str(di),
            str(de),
        )
        for i, t, d, p, pl, di, de in rows
    ]


def get_incident(conn: sqlite3.Connection, incident_id: str) -> Incident | None:
    """One incident by id, or None."""
    return next((i for i in list_incidents(conn) if i.incident_id == incident_id), None)


def require_incident(conn: sqlite3.Connection, incident_id: str) -> Incident:
    """One incident by id, or a user error saying how to list them."""
    incident = get_incident(conn, incident_id)
    if incident is None:
        raise UserInputError(
            f"no incident with id {incident_id!r} (see `gawah incidents list`)"
        )
    return incident


@dataclass(frozen=True)
class RegistryCounts:
    """How much the registry holds; ``by_status`` and ``by_source`` count reports."""

    incidents: int
    sources: int
    reports: int
    persons: int
    unrecognised_status: int
    by_status: dict[str, int]
    by_source: dict[str, int]


def report_count(conn: sqlite3.Connection) -> int:
    """How many reports the registry holds: one count, not :func:`counts`' seven."""
    return int(conn.execute("SELECT count(*) FROM registry_reports").fetchone()[0])


def counts(conn: sqlite3.Connection) -> RegistryCounts:
    """Counts of everything in the registry (a person may have many reports)."""

    def one(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    return RegistryCounts(
        incidents=one("SELECT count(*) FROM registry_incidents"),
        sources=one("SELECT count(*) FROM registry_sources"),
        reports=report_count(conn),
        persons=one("SELECT count(*) FROM registry_persons"),
        unrecognised_status=one(
            "SELECT count(*) FROM registry_reports WHERE status_recognised = 0"
        ),
        by_status=dict(
            conn.execute(
                "SELECT status, count(*) FROM registry_reports "
                "GROUP BY status ORDER BY status"
            ).fetchall()
        ),
        by_source=dict(
            conn.execute(
                "SELECT source_id, count(*) FROM registry_reports GROUP BY source_id "
                "ORDER BY source_id"
            ).fetchall()
        ),
    )


@dataclass(frozen=True)
class PersonReports:
    """A person (a linkage cluster) and the ids of the reports assigned to them."""

    person_id: str
    run_id: str
    method: str
    report_ids: tuple[str, ...]


def persons_with_reports(conn: sqlite3.Connection) -> list[PersonReports]:
    """The current assignment of reports to persons (empty before linkage)."""
    members: dict[str, list[str]] = {}
    for report_id, person_id in conn.execute(
        "SELECT report_id, person_id FROM registry_person_reports "
        "ORDER BY person_id, report_id"
    ):
        members.setdefault(str(person_id), []).append(str(report_id))
    return [
        PersonReports(str(p), str(r), str(m), tuple(members.get(str(p), ())))
        for p, r, m in conn.execute(
            "SELECT person_id, run_id, method FROM registry_persons ORDER BY person_id"
        )
    ]


def person_of_report(conn: sqlite3.Connection) -> dict[str, str]:
    """report_id -> person_id for every assigned report."""
    return {
        str(r): str(p)
        for r, p in conn.execute(
            "SELECT report_id, person_id FROM registry_person_reports"
        )
    }


def source_releases(
    conn: sqlite3.Connection, source_id: str, incident_id: str | None = None
) -> list[Release]:
    """The releases of one source's list imported so far, oldest first.

    With ``incident_id`` only that incident's; without, every incident's.
    """
    sql = (
        "SELECT source_id, release, incident_id, file_name, file_sha256, rows, added, "
        "changed, unchanged, dropped, rejected FROM registry_releases WHERE source_id = ?"
    )
    params: list[str] = [source_id]
    if incident_id is not None:
        sql += " AND incident_id = ?"
        params.append(incident_id)
    rows = conn.execute(sql + " ORDER BY recorded_at, event_id", params).fetchall()
    return [
        Release(
            str(r[0]), str(r[1]), None if r[2] is None else str(r[2]), str(r[3]),
            str(r[4]), *(int(v) for v in r[5:]),
        )
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class AssignmentHead:
    """A ``persons.assigned`` no other held assignment supersedes.

    Two or more heads were made apart (teams that had not seen each other's);
    the one shown is the greatest by :func:`gawah.registry.assignment_order`.
    """

    event_id: str
    run_id: str
    method: str
    generation: int
    device: str
    author: str
    recorded_at: str
    shown: bool


def assignment_heads(conn: sqlite3.Connection) -> list[AssignmentHead]:
    """Every head assignment, the shown one first (then by the same order)."""
    rows = conn.execute(
        "SELECT event_id, run_id, method, generation, device, author, recorded_at"
        " FROM registry_assignments WHERE head = 1"
        " ORDER BY generation DESC, recorded_at DESC, event_id DESC"
    ).fetchall()
    shown = conn.execute(
        "SELECT event_id FROM registry_assignments"
        " ORDER BY generation DESC, recorded_at DESC, event_id DESC LIMIT 1"
    ).fetchone()
    return [
        AssignmentHead(
            str(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4]), str(r[5]),
            str(r[6]), shown is not None and str(r[0]) == str(shown[0]),
        )
        for r in rows
    ]  # fmt: skip


def assigned_apart(
    conn: sqlite3.Connection,
    event_ids: Collection[str],
    report_ids: Collection[str] | None = None,
) -> set[str]:
    """Reports that the head assignments ``event_ids`` put with different reports.

    A report grouped with the same reports by every one of them (or assigned by
    none) is not counted; one assigned by some and not others is. Only
    ``report_ids`` are looked at, when given.
    """
    heads = sorted(set(event_ids))
    if len(heads) < 2:
        return set()
    marks = ", ".join("?" * len(heads))
    found: set[str] = set()
    parts: list[list[str] | None] = [None]
    if report_ids is not None:
        wanted = sorted(set(report_ids))
        parts = [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
    for part in parts:
        where = ""
        if part is not None:
            where = f" AND report_id IN ({', '.join('?' * len(part))})"
        found.update(
            str(r[0])
            for r in conn.execute(
                "SELECT report_id FROM registry_head_persons"
                f" WHERE event_id IN ({marks}){where} GROUP BY report_id"
                " HAVING count(DISTINCT cluster) > 1 OR count(*) < ?",
                (*heads, *(part or ()), len(heads)),
            )
        )
    return found
