"""The dashboard of an incident: documented, estimated, and what was publicly claimed."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from gawah.claims import Category as ClaimCategory
from gawah.claims import list_claims
from gawah.registry import Incident, list_incidents
from gawah.web._backend import Backend
from gawah.web._charts import ClaimPoint, chart_pair
from gawah.web._numbers import (
    CATEGORIES,
    CLAIM_CATEGORY,
    EstimateView,
    fitted,
    people,
)
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web.auth import Right

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Right.READ))]
Filter = Annotated[str | None, Query(max_length=100)]
Category = Annotated[str, Query(pattern="^(killed|injured|detained|missing)$")]
_STATE = {"government", "police", "military"}


class ClaimOut(BaseModel):
    """A public figure about the incident."""

    speaker: str
    kind: str
    stance: str
    low: int
    high: int | None
    said_on: dt.date | None
    quote: str
    note: str


class EstimateOut(BaseModel):
    """An estimate, or a refusal with its reason."""

    method: str
    estimate: float | None
    lower: float | None
    upper: float | None
    level: float
    n_observed: int
    lists: list[str]
    reason: str | None
    model: str | None
    warnings: list[str] = []


class DashboardOut(BaseModel):
    """The three numbers for one incident and category."""

    incident_id: str | None
    incident_title: str
    linked: bool
    counts: dict[str, int]
    category: str
    documented: int
    estimate: EstimateOut | None
    claims: list[ClaimOut]
    #: The workspace is labelled FICTIONAL (the demo's): the page says so.
    fictional: bool = False


def _label(low: int, high: int | None, stance: str, note: str = "") -> str:
    """A figure in words: "none (denial)", "at least 6", "12–40"; a note is quoted."""
    if stance == "denies" and low == 0:
        words = "none (denial)"
    elif high is None:
        words = f"at least {low:,}"
    else:
        words = f"{low:,}" if high == low else f"{low:,}–{high:,}"
    # A note is what else was said ("we fear over 200"), not part of the figure.
    return f"{words}; also said: “{note}”" if note else words


def _claims(
    conn: sqlite3.Connection, incident: str | None, category: str
) -> list[ClaimOut]:
    if incident is None:
        return []
    out = []
    wanted = ClaimCategory(CLAIM_CATEGORY[category])
    for c in list_claims(conn, incident, category=wanted):
        who = c.claimant.name or c.claimant.organisation or c.claimant.role or "unnamed"
        out.append(
            ClaimOut(
                speaker=who,
                kind=str(c.claimant.kind),
                stance=str(c.stance),
                low=c.low,
                high=c.high,
                said_on=c.said_on or c.publication.date,
                quote=c.quote,
                note=c.note,
            )
        )
    return sorted(out, key=lambda c: (c.said_on or dt.date.max, c.low))


def _dashboard(backend: Backend, incident: str | None, category: str) -> DashboardOut:
    return backend.page(
        ("dashboard", incident, category),
        DashboardOut,
        lambda: _compute(backend, incident, category),
    )


dashboard_data = _dashboard


def preload_dashboard(backend: Backend, incident: str | None, category: str) -> bool:
    """Hold the dashboard stored for this ledger state in memory (if stored)."""
    return backend.preload(("dashboard", incident, category), DashboardOut)


def check_dashboard(backend: Backend, incident: str | None, category: str) -> bool:
    """Compute the dashboard from the ledger; replace a stored copy that differs."""
    return backend.check_page(
        ("dashboard", incident, category), lambda: _compute(backend, incident, category)
    )


def _incidents(backend: Backend) -> list[Incident]:
    return backend.cached("incidents", lambda: list_incidents(backend.workspace().conn))


def _compute(backend: Backend, incident: str | None, category: str) -> DashboardOut:
    conn = backend.workspace().conn
    known = _incidents(backend)
    chosen = next((i for i in known if i.incident_id == incident), None)
    if chosen is None and incident is None and known:
        chosen = known[0]
    incident_id = chosen.incident_id if chosen else incident
    doc = people(backend, incident_id)
    view, _ = fitted(backend, incident_id, category, None)
    return DashboardOut(
        incident_id=incident_id,
        incident_title=chosen.title if chosen else "(no incident recorded yet)",
        linked=doc.linked,
        counts={c: doc.count(c) for c in CATEGORIES},
        category=category,
        documented=doc.count(category),
        estimate=_est(view),
        claims=_claims(conn, incident_id, category),
        fictional=backend.fictional(),
    )


def _est(view: EstimateView | None) -> EstimateOut | None:
    if view is None:
        return None
    return EstimateOut(
        **{**view.__dict__, "lists": list(view.lists), "warnings": list(view.warnings)}
    )


@router.get("/", include_in_schema=False)
async def home(request: Request, me: Reader) -> Response:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def dashboard_page(
    request: Request, me: Reader, incident: Filter = None, category: Category = "killed"
) -> Response:
    backend: Backend = request.app.state.backend
    # At once: an earlier state's figures, marked, while these are computed.
    d, lag = backend.page_soon(
        ("dashboard", incident, category),
        DashboardOut,
        lambda: _compute(backend, incident, category),
    )
    points = [
        ClaimPoint(
            when=c.said_on,
            low=c.low,
            high=c.high,
            speaker=c.speaker,
            kind=(
                "state"
                if c.kind in _STATE
                else "doctor"
                if c.kind == "medical"
                else "party"
                if c.kind == "party"
                else "other"
            ),
            label=_label(c.low, c.high, c.stance, c.note),
        )
        for c in d.claims
        if c.said_on is not None
    ]
    est = d.estimate
    band = (
        (est.estimate, est.lower, est.upper)
        if est and est.estimate is not None
        else None
    )
    chart = chart_pair(
        points,
        d.documented,
        band,
        f"Public claims about the {category} over time, beside the "
        f"documented count and the estimate",
    )
    return render(
        request,
        "dashboard.html",
        d=d,
        chart=chart,
        categories=list(CATEGORIES),
        label=_label,
        incidents=_incidents(backend),
        lag=lag,
    )


@router.get("/api/dashboard", tags=["dashboard"])
async def api_dashboard(
    request: Request, me: Reader, incident: Filter = None, category: Category = "killed"
) -> DashboardOut:
    """Documented counts by status, the estimate with its interval, and public claims."""
    return _dashboard(request.app.state.backend, incident, category)
