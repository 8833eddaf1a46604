"""The register: persons (or reports), searched in Latin or Urdu script, filtered, paged."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from gawah.registry import Status, list_incidents, list_sources
from gawah.sync import conflicts as sync_conflicts
from gawah.web._backend import Backend
from gawah.web._search import (
    PAGE_SIZE,
    PersonPage,
    SearchPage,
    pending,
    search,
    search_persons,
)
from gawah.web._security import Principal, require
from gawah.web._templates import is_htmx, render
from gawah.web.auth import Right

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Right.READ))]
Q = Annotated[str, Query(max_length=200, description="Name in Latin or Urdu script")]
Filter = Annotated[str | None, Query(max_length=80)]
Page = Annotated[int, Query(ge=1, le=100_000)]
View = Annotated[
    str,
    Query(
        pattern="^(persons|reports)$",
        description="persons (each once, their reports inside) or reports",
    ),
]


class HitOut(BaseModel):
    """One report in the register (never a sensitive field)."""

    report_id: str
    incident_id: str | None
    source_id: str
    status: str
    sex: str
    age: int | None
    name: str
    name_urdu: str
    father_name: str
    village: str
    district: str


class RegisterPage(BaseModel):
    """A page of the register."""

    query: str
    total: int
    page: int
    pages: int
    page_size: int
    hits: list[HitOut]
    #: Reports whose names are still being indexed (a server just started).
    still_indexing: int = 0
    #: False when more than ``total`` match: a query every row matches stops
    #: counting there (``pages`` then grows while pages are full).
    total_exact: bool = True


class PersonHitOut(BaseModel):
    """One person in the register and every report about them."""

    person_id: str | None
    href: str
    name: str
    name_urdu: str
    father_name: str
    statuses: list[str]
    age: int | None
    village: str
    district: str
    sources: list[str]
    reports: list[HitOut]


class PersonsPage(BaseModel):
    """A page of the register by person."""

    query: str
    total: int
    page: int
    pages: int
    page_size: int
    persons: list[PersonHitOut]
    #: Reports whose names are still being indexed (a server just started).
    still_indexing: int = 0
    #: False when more than ``total`` match: a query every row matches stops
    #: counting there (``pages`` then grows while pages are full).
    total_exact: bool = True


def _options(backend: Backend) -> dict[str, Any]:
    conn = backend.workspace().conn
    return {
        "incidents": list_incidents(conn),
        "sources": list_sources(conn),
        "statuses": [s.value for s in Status],
    }


def _search(
    request: Request,
    q: str,
    status: str | None,
    incident: str | None,
    source: str | None,
    page: int,
    view: str = "reports",
) -> SearchPage | PersonPage:
    backend: Backend = request.app.state.backend
    find = search_persons if view == "persons" else search
    # A server just started may still be tokenising names (see
    # Backend.start_warming): a query waits a moment for it, then answers from
    # the names ready and says how many are not (a first page needs no tokens).
    ready = backend.searchable(wait=1.0 if q.strip() else 0.0)
    return find(
        backend.workspace().conn,
        q,
        status=status or None,
        incident=incident or None,
        source=source or None,
        page=page,
        page_size=PAGE_SIZE,
        complete=ready,
    )


def _indexing(request: Request) -> int:
    """Reports whose names cannot be searched yet (0 once the index is complete)."""
    backend: Backend = request.app.state.backend
    return (
        0
        if backend.indexed.is_set() or backend.searchable(0)
        else pending(backend.workspace().conn)
    )


@router.get("/register", response_class=HTMLResponse, include_in_schema=False)
async def register_page(
    request: Request,
    me: Reader,
    q: Q = "",
    status: Filter = None,
    incident: Filter = None,
    source: Filter = None,
    page: Page = 1,
    view: View = "persons",
) -> Response:
    result = _search(request, q, status, incident, source, page, view)
    ctx: dict[str, Any] = {
        "result": result,
        "edited_apart": _edited_apart(request, result),
        "indexing": _indexing(request) if q.strip() else 0,
        "view": view,
        "q": q,
        "status": status or "",
        "incident": incident or "",
        "source": source or "",
    }
    if is_htmx(request):
        return render(request, "_register_results.html", **ctx)
    return render(
        request, "register.html", **ctx, **_options(request.app.state.backend)
    )


def _edited_apart(request: Request, result: SearchPage | PersonPage) -> set[str]:
    """The reports on this page that two teams edited apart (gawah.sync)."""
    if isinstance(result, PersonPage):
        ids = [h.report_id for p in result.hits for h in p.reports]
    else:
        ids = [h.report_id for h in result.hits]
    conn = request.app.state.backend.workspace().conn
    return {r for c in sync_conflicts(conn, ids) for r in c.report_ids}


def _paging(request: Request, q: str, r: SearchPage | PersonPage) -> dict[str, Any]:
    """The fields both register APIs share: what matched, and where in it."""
    return {
        "still_indexing": _indexing(request) if q.strip() else 0,
        "query": r.query,
        "total": r.total,
        "total_exact": r.exact,
        "page": r.page,
        "pages": r.pages,
        "page_size": r.page_size,
    }


@router.get("/api/reports", tags=["register"])
async def api_register(
    request: Request,
    me: Reader,
    q: Q = "",
    status: Filter = None,
    incident: Filter = None,
    source: Filter = None,
    page: Page = 1,
) -> RegisterPage:
    """Search the reports: every query word must match a name by prefix or sound."""
    r = _search(request, q, status, incident, source, page, "reports")
    assert isinstance(r, SearchPage)
    return RegisterPage(
        **_paging(request, q, r),
        hits=[HitOut(**asdict(h)) for h in r.hits],
    )


@router.get("/api/persons", tags=["register"])
async def api_persons(
    request: Request,
    me: Reader,
    q: Q = "",
    status: Filter = None,
    incident: Filter = None,
    source: Filter = None,
    page: Page = 1,
) -> PersonsPage:
    """The register by person: a person matches when one of their reports does."""
    r = _search(request, q, status, incident, source, page, "persons")
    assert isinstance(r, PersonPage)
    return PersonsPage(
        **_paging(request, q, r),
        persons=[
            PersonHitOut(
                person_id=p.person_id,
                href=p.href,
                name=p.name,
                name_urdu=p.name_urdu,
                father_name=p.father_name,
                statuses=list(p.statuses),
                age=p.age,
                village=p.village,
                district=p.district,
                sources=list(p.sources),
                reports=[HitOut(**asdict(h)) for h in p.reports],
            )
            for p in r.hits
        ],
    )
