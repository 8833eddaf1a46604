"""Estimates: method, result table, posterior/profile and UpSet plot, stratified view."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from gawah.estimate import CaptureHistories
from gawah.web._backend import Backend
from gawah.web._numbers import CATEGORIES, METHODS, fitted, people, table
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web.auth import Right
from gawah.web.routes.dashboard import EstimateOut, _est, _incidents

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Right.READ))]
Filter = Annotated[str | None, Query(max_length=100)]
# "" is the form's "everyone" (no category): the page and its plot send it as such.
Category = Annotated[str | None, Query(pattern="^(killed|injured|detained|missing)?$")]
Method = Annotated[str, Query(pattern="^(" + "|".join(METHODS) + ")$")]


class StratumOut(BaseModel):
    """One stratum's documented count and estimate."""

    stratum: str
    documented: int
    estimate: EstimateOut | None


class EstimatesOut(BaseModel):
    """The estimate for a selection, its capture pattern counts and the strata."""

    incident_id: str | None
    category: str | None
    method: str
    linked: bool
    documented: int
    lists: list[str]
    patterns: list[dict[str, int]]
    estimate: EstimateOut | None
    strata: list[StratumOut]
    methods: list[EstimateOut] = []


def _incident(backend: Backend, incident: str | None) -> str | None:
    if incident:
        return incident
    known = _incidents(backend)
    return known[0].incident_id if known else None


def _patterns(caps: CaptureHistories | None) -> list[dict[str, int]]:
    if caps is None:
        return []
    rows = []
    for pattern, count in zip(
        caps.patterns.tolist(), caps.counts.tolist(), strict=True
    ):
        row = {name: int(v) for name, v in zip(caps.lists, pattern, strict=True)}
        row["count"] = int(count)
        rows.append(row)
    return sorted(rows, key=lambda r: -r["count"])


def _estimates(
    backend: Backend, incident: str | None, category: str | None, method: str
) -> EstimatesOut:
    category = category or None
    return backend.page(
        ("estimates", incident, category, method),
        EstimatesOut,
        lambda: _compute(backend, incident, category, method),
    )


def estimates_data(
    backend: Backend, incident: str | None, category: str | None, method: str
) -> EstimatesOut:
    """What the estimates page shows (computed once per ledger state)."""
    return _estimates(backend, incident, category, method)


def preload_estimates(
    backend: Backend, incident: str | None, category: str | None, method: str
) -> bool:
    """Hold the estimates page stored for this ledger state in memory (if stored)."""
    return backend.preload(
        ("estimates", incident, category or None, method), EstimatesOut
    )


def check_estimates(
    backend: Backend, incident: str | None, category: str | None, method: str
) -> bool:
    """Compute the estimates page from the ledger; replace a stored copy that differs."""
    category = category or None
    return backend.check_page(
        ("estimates", incident, category, method),
        lambda: _compute(backend, incident, category, method),
    )


def _compute(
    backend: Backend, incident: str | None, category: str | None, method: str
) -> EstimatesOut:
    incident_id = _incident(backend, incident)
    doc = people(backend, incident_id)
    caps = table(backend, incident_id, category)
    view, _ = fitted(backend, incident_id, category, method)
    side_by_side = [
        e
        for m in METHODS
        if (e := _est(fitted(backend, incident_id, category, m)[0])) is not None
    ]
    strata = []
    for c in CATEGORIES:
        sv, _ = fitted(backend, incident_id, c, method)
        strata.append(StratumOut(stratum=c, documented=doc.count(c), estimate=_est(sv)))
    return EstimatesOut(
        incident_id=incident_id,
        category=category,
        method=method,
        linked=doc.linked,
        documented=doc.count(category),
        lists=list(caps.lists) if caps is not None else [],
        patterns=_patterns(caps),
        estimate=_est(view),
        strata=strata,
        methods=side_by_side,
    )


@router.get("/estimates", response_class=HTMLResponse, include_in_schema=False)
async def estimates_page(
    request: Request,
    me: Reader,
    incident: Filter = None,
    category: Category = None,
    method: Method = "loglinear",
) -> Response:
    backend: Backend = request.app.state.backend
    chosen = category or None
    # At once: an earlier state's figures, marked, while these are computed.
    e, lag = backend.page_soon(
        ("estimates", incident, chosen, method),
        EstimatesOut,
        lambda: _compute(backend, incident, chosen, method),
    )
    return render(
        request,
        "estimates.html",
        e=e,
        methods=METHODS,
        categories=list(CATEGORIES),
        incidents=_incidents(backend),
        lag=lag,
    )


@router.get("/api/estimates", tags=["estimates"])
async def api_estimates(
    request: Request,
    me: Reader,
    incident: Filter = None,
    category: Category = None,
    method: Method = "loglinear",
) -> EstimatesOut:
    """The estimate (or refusal), the overlap counts it rests on, and the strata."""
    return _estimates(request.app.state.backend, incident, category, method)


@router.get(
    "/api/estimates/plot.png",
    tags=["estimates"],
    responses={200: {"content": {"image/png": {}}}, 404: {"description": "no data"}},
)
async def api_plot(
    request: Request,
    me: Reader,
    incident: Filter = None,
    category: Category = None,
    method: Method = "loglinear",
) -> Response:
    """Profile likelihood or posterior of N beside the UpSet plot of the lists."""
    backend: Backend = request.app.state.backend
    from gawah.estimate import (
        plot_estimate,
    )  # matplotlib: only when a plot is asked for

    incident_id = _incident(backend, incident)
    caps = table(backend, incident_id, category or None)
    _, result = fitted(backend, incident_id, category or None, method)
    if caps is None or result is None or result.estimate is None:
        raise HTTPException(404, "no estimate to plot")
    key = (caps.digest(), method)
    data = _plots.get(key)
    if data is None:
        with tempfile.TemporaryDirectory(prefix="gawah-plot-") as tmp:
            path = plot_estimate(caps, result, Path(tmp) / "plot.png")
            data = Path(path).read_bytes()
        _plots[key] = data
        while len(_plots) > 16:
            _plots.pop(next(iter(_plots)))
    return Response(data, media_type="image/png")


#: Rendered plots by (capture digest, method): matplotlib takes a second each.
_plots: dict[tuple[str, str], bytes] = {}
