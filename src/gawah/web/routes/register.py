"""The register: search (Latin or Urdu script, spelling-tolerant), filter, paginate."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from gawah.web._backend import Backend
from gawah.web._domains import domain_attr
from gawah.web._search import PAGE_SIZE, SearchPage, search
from gawah.web._security import Principal, require
from gawah.web._templates import is_htmx, render
from gawah.web.auth import Right

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Right.READ))]
Q = Annotated[str, Query(max_length=200, description="Name in Latin or Urdu script")]
Filter = Annotated[str | None, Query(max_length=80)]
Page = Annotated[int, Query(ge=1, le=100_000)]


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


def _options(backend: Backend) -> dict[str, Any]:
    conn = backend.workspace().conn
    incidents = domain_attr("registry", "list_incidents")
    sources = domain_attr("registry", "list_sources")
    status = domain_attr("registry", "Status")
    return {
        "incidents": incidents(conn) if incidents else [],
        "sources": sources(conn) if sources else [],
        "statuses": [s.value for s in status] if status else [],
    }


def _search(
    request: Request,
    q: str,
    status: str | None,
    incident: str | None,
    source: str | None,
    page: int,
) -> SearchPage:
    backend: Backend = request.app.state.backend
    return search(
        backend.workspace().conn,
        q,
        status=status or None,
        incident=incident or None,
        source=source or None,
        page=page,
        page_size=PAGE_SIZE,
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
) -> Response:
    result = _search(request, q, status, incident, source, page)
    conflicts = domain_attr("sync", "conflicts")
    edited_apart = (
        set()
        if conflicts is None
        else {
            r
            for c in conflicts(
                request.app.state.backend.workspace().conn,
                [h.report_id for h in result.hits],
            )
            for r in c.report_ids
        }
    )
    ctx: dict[str, Any] = {
        "result": result,
        "edited_apart": edited_apart,
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
    """Search the register: every query word must match a name by prefix or sound."""
    r = _search(request, q, status, incident, source, page)
    return RegisterPage(
        query=r.query,
        total=r.total,
        page=r.page,
        pages=r.pages,
        page_size=r.page_size,
        hits=[HitOut(**asdict(h)) for h in r.hits],
    )
