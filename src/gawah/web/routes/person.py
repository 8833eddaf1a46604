"""A person: every source's report side by side, conflicts marked, evidence, history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from gawah.errors import GawahError
from gawah.evidence import get_evidence, list_evidence, open_blob, record_custody
from gawah.registry import Report, SensitiveFields, get_report, get_sensitive
from gawah.sealing import Opener
from gawah.sync import Conflict
from gawah.sync import conflicts as sync_conflicts
from gawah.web._backend import Backend
from gawah.web._compare import conflict
from gawah.web._search import linked_by, person_of, person_reports
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web.auth import Right
from gawah.web.projection import history

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Right.READ))]
Id = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]

#: (label, attribute) rows of the side-by-side table, in reading order.
FIELDS: tuple[tuple[str, str], ...] = (
    ("Name", "full_name"), ("Name (Urdu)", "name_urdu"),
    ("Father / husband", "father_name"),
    ("Sex", "sex"), ("Age", "age"), ("Date of birth", "dob"), ("Status", "status"),
    ("Status as written", "status_as_written"), ("Date", "date"), ("Place", "place"),
    ("Village", "village"), ("Union council", "union_council"), ("Tehsil", "tehsil"),
    ("District", "district"), ("Occupation", "occupation"), ("Cause", "cause"),
    ("Circumstances", "circumstances"), ("Notes", "notes"),
)  # fmt: skip
SENSITIVE = (
    ("National id", "national_id"),
    ("Phone", "phone"),
    ("Witness", "witness_name"),
    ("Witness contact", "witness_contact"),
)


def _value(report: Report, attr: str) -> str:
    if attr == "age":
        if report.age is not None:
            return str(report.age) + (" (about)" if report.age_estimated else "")
        if report.age_min is not None or report.age_max is not None:
            return f"{report.age_min or '?'}-{report.age_max or '?'}"
        return ""
    value = getattr(report, attr, "")
    return "" if value is None else str(getattr(value, "value", value))


class Row(BaseModel):
    """One field across the reports; ``conflict`` when sources disagree."""

    label: str
    field: str
    values: list[str]
    conflict: bool


class EvidenceOut(BaseModel):
    """An evidence item attached to one of the reports."""

    digest: str
    media_type: str
    original_name: str
    received_at: str
    report_ids: list[str]


class HistoryOut(BaseModel):
    """A ledger event about the record."""

    event_id: str
    kind: str
    author: str
    recorded_at: str


class PersonOut(BaseModel):
    """A person (or a lone report before linkage) as every source described them."""

    person_id: str | None
    #: The name the sources give (Latin script first), the page's heading.
    name: str
    name_urdu: str
    report_ids: list[str]
    sources: list[str]
    rows: list[Row]
    evidence: list[EvidenceOut]
    history: list[HistoryOut]
    linked_by: str | None
    #: Where each report came from ("file, line N"), in the order of report_ids.
    provenance: list[str] = []


@dataclass(frozen=True)
class _View:
    person: PersonOut
    provenance: list[str]


def _open_sensitive(
    backend: Backend, report_ids: list[str]
) -> list[SensitiveFields | str | None]:
    """Each report's opened sensitive values, or a note when they cannot be opened.

    Only roles with the sensitive right get here; the values are opened with
    the server's unlocked workspace key and never leave this request.
    """
    ws = backend.workspace()
    try:
        opener = Opener(ws)
    except GawahError:
        return ["(sealed: the server's key is locked)" for _ in report_ids]
    with opener:
        out: list[SensitiveFields | str | None] = []
        for rid in report_ids:
            try:
                out.append(get_sensitive(ws.conn, rid, opener))
            except GawahError:
                out.append("(sealed: not readable with this key)")
        return out


def _build(
    backend: Backend, me: Principal, person_id: str | None, report_ids: list[str]
) -> _View:
    conn = backend.workspace().conn
    reports = [r for rid in report_ids if (r := get_report(conn, rid)) is not None]
    if not reports:
        raise HTTPException(404, "no such record")
    fields = list(FIELDS)
    values: dict[str, list[str]] = {
        a: [_value(r, a) for r in reports] for _, a in fields
    }
    # Columns a list had beyond the canonical ones (e.g. dob), as the sources wrote them.
    for key in sorted({k for r in reports for k in r.extra}):
        attr = f"extra.{key}"
        fields.append((key.replace("_", " ").capitalize(), attr))
        values[attr] = [str(r.extra.get(key, "")) for r in reports]
    if me.can(Right.SENSITIVE):
        sens = _open_sensitive(backend, [r.report_id for r in reports])
        for label, attr in SENSITIVE:
            fields.append((label, attr))
            values[attr] = [
                (s if isinstance(s, str) else str(getattr(s, attr, "") or ""))
                if s
                else ""
                for s in sens
            ]
    rows = [
        Row(
            label=label,
            field=attr,
            values=values[attr],
            conflict=conflict(attr.removeprefix("extra."), values[attr]),
        )
        for label, attr in fields
        if any(values[attr])
    ]
    evidence: dict[str, EvidenceOut] = {}
    for r in reports:
        for item in list_evidence(conn, report_id=r.report_id):
            evidence[item.digest] = EvidenceOut(
                digest=item.digest,
                media_type=item.media_type,
                original_name=item.original_name,
                received_at=item.received_at,
                report_ids=list(item.report_ids),
            )
    events = history(conn, [r.report_id for r in reports])
    linked = linked_by(conn, person_id) if person_id else None
    if linked is not None:  # the linkage run that made this person
        events.append((linked[0], "persons.assigned", linked[1], linked[2]))
        events.sort(key=lambda e: (e[3], e[0]))
    hist = [
        HistoryOut(event_id=e, kind=k, author=a, recorded_at=t) for e, k, a, t in events
    ]
    provenance = [
        f"{r.provenance.file_name}, line {r.provenance.line}" if r.provenance else ""
        for r in reports
    ]
    return _View(
        PersonOut(
            person_id=person_id,
            name=next((r.full_name for r in reports if r.full_name), "")
            or next((r.name_urdu for r in reports if r.name_urdu), ""),
            name_urdu=next((r.name_urdu for r in reports if r.name_urdu), ""),
            report_ids=[r.report_id for r in reports],
            sources=[r.source_id for r in reports],
            rows=rows,
            evidence=list(evidence.values()),
            history=hist,
            linked_by=linked[3] if linked else None,
            provenance=provenance,
        ),
        provenance,
    )


def _person_reports(backend: Backend, person_id: str) -> list[str]:
    """The person's report ids (from the register index: one indexed lookup)."""
    return person_reports(backend.workspace().conn, person_id)


def _person_of(backend: Backend, report_id: str) -> str | None:
    return person_of(backend.workspace().conn, report_id)


@router.get("/reports/{report_id}", include_in_schema=False)
async def report_page(request: Request, report_id: Id, me: Reader) -> Response:
    backend: Backend = request.app.state.backend
    person = _person_of(backend, report_id)
    if person is not None:
        return RedirectResponse(f"/persons/{person}", status_code=303)
    view = _build(backend, me, None, [report_id])
    return render(
        request,
        "person.html",
        view=view.person,
        provenance=view.provenance,
        merge_conflicts=_merge_conflicts(backend, view.person.report_ids),
    )


@router.get(
    "/persons/{person_id}", response_class=HTMLResponse, include_in_schema=False
)
async def person_page(request: Request, person_id: Id, me: Reader) -> Response:
    backend: Backend = request.app.state.backend
    view = _build(backend, me, person_id, _person_reports(backend, person_id))
    return render(
        request,
        "person.html",
        view=view.person,
        provenance=view.provenance,
        merge_conflicts=_merge_conflicts(backend, view.person.report_ids),
    )


def _merge_conflicts(backend: Backend, report_ids: list[str]) -> list[Conflict]:
    """Unresolved conflicts two teams left on these reports (gawah.sync), if any."""
    return list(sync_conflicts(backend.workspace().conn, report_ids))


@router.get("/api/reports/{report_id}", tags=["register"])
async def api_report(request: Request, report_id: Id, me: Reader) -> PersonOut:
    """A report, with the person it belongs to and all that person's reports."""
    backend: Backend = request.app.state.backend
    person = _person_of(backend, report_id)
    ids = _person_reports(backend, person) if person else [report_id]
    return _build(backend, me, person, ids).person


@router.get("/api/persons/{person_id}", tags=["register"])
async def api_person(request: Request, person_id: Id, me: Reader) -> PersonOut:
    """A person: their reports side by side, conflicts, evidence and ledger history."""
    backend: Backend = request.app.state.backend
    return _build(backend, me, person_id, _person_reports(backend, person_id)).person


Digest = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Evidence = Annotated[Principal, Depends(require(Right.EVIDENCE))]


@router.post(
    "/api/evidence/{digest}/view",
    tags=["evidence"],
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def view_evidence(request: Request, digest: Digest, me: Evidence) -> Response:
    """Download an evidence file; the opening is recorded in its chain of custody.

    A POST, not a GET: it writes an ``evidence.viewed`` event. The file is sent
    as an attachment with ``CSP: sandbox``, never rendered by the app.
    """
    backend: Backend = request.app.state.backend
    ws = backend.workspace()
    item = get_evidence(ws.conn, digest)
    if item is None:
        raise HTTPException(404, "no such evidence")
    assert me.user is not None
    record_custody(ws, digest, "viewed", note=f"opened in the web app by {me.user}")
    with open_blob(ws, digest) as fh:
        data = fh.read()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", item.original_name)[-80:] or "evidence"
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "content-disposition": f'attachment; filename="{safe}"',
            "content-security-policy": "sandbox; default-src 'none'",
        },
    )
