"""The review queue: an uncertain pair side by side, why the model thinks they match."""

from __future__ import annotations

import sqlite3
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from gawah.errors import UserInputError
from gawah.linkage import decide, link_workspace, review_queue
from gawah.web._backend import Backend
from gawah.web._plain import reason
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web.auth import Right
from gawah.web.routes.person import PersonOut, _build

router = APIRouter()
Reviewer = Annotated[Principal, Depends(require(Right.REVIEW))]
Decision = Annotated[str, Form(pattern="^(match|non_match|skip)$")]
ReportId = Annotated[str, Form(min_length=1, max_length=100)]


class WeightOut(BaseModel):
    """One comparison's contribution to the match weight (log2 Bayes factor)."""

    comparison: str
    level: str
    weight: float
    #: The same in plain words, beside the two values compared.
    words: str = ""


class PairOut(BaseModel):
    """A pair waiting for a decision."""

    report_l: str
    report_r: str
    match_probability: float
    match_weight: float
    explanation: list[WeightOut]
    skipped: bool
    #: The two reports side by side, as the page shows them.
    reports: PersonOut | None = None


class QueueOut(BaseModel):
    """The review queue (first ``limit`` pairs) and its length."""

    total: int
    pairs: list[PairOut]


class DecisionIn(BaseModel):
    """A reviewer's decision on a pair."""

    report_l: str = Field(min_length=1, max_length=100)
    report_r: str = Field(min_length=1, max_length=100)
    decision: str = Field(pattern="^(match|non_match|skip)$")


class RelinkOut(BaseModel):
    """What a linkage run did."""

    run_id: str
    n_reports: int
    n_persons: int
    n_review: int
    seconds: float


def _queue(backend: Backend) -> list[PairOut]:
    try:
        pairs = review_queue(backend.workspace())
    except (sqlite3.OperationalError, UserInputError):  # before the first linkage run
        return []
    return [
        PairOut(
            report_l=p.report_l,
            report_r=p.report_r,
            match_probability=p.match_probability,
            match_weight=p.match_weight,
            explanation=[
                WeightOut(comparison=w.comparison, level=w.level, weight=w.weight)
                for w in p.explanation
            ],
            skipped=p.skipped,
        )
        for p in pairs
    ]


def _decide(
    backend: Backend, me: Principal, left: str, right: str, decision: str
) -> None:
    assert me.user is not None
    decide(backend.workspace(), (left, right), decision, me.user)


def _relink(backend: Backend) -> RelinkOut:
    run = link_workspace(backend.workspace())
    return RelinkOut(
        run_id=run.run_id,
        n_reports=run.n_reports,
        n_persons=run.n_persons,
        n_review=run.n_review,
        seconds=run.seconds,
    )


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
async def review_page(
    request: Request, me: Reviewer, n: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> Response:
    backend: Backend = request.app.state.backend
    queue = _queue(backend)
    pair = queue[n] if n < len(queue) else (queue[0] if queue else None)
    view = _build(backend, me, None, [pair.report_l, pair.report_r]) if pair else None
    if pair is not None and view is not None:
        pair = _in_words(pair, view.person)
    return render(
        request,
        "review.html",
        queue=queue,
        pair=pair,
        view=view and view.person,
        relinked=request.query_params.get("relinked"),
    )


def _in_words(pair: PairOut, person: PersonOut) -> PairOut:
    values = {row.field: row.values for row in person.rows}
    return pair.model_copy(
        update={
            "reports": person,
            "explanation": [
                w.model_copy(
                    update={"words": reason(w.comparison, w.level, w.weight, values)}
                )
                for w in pair.explanation
            ],
        }
    )


@router.post("/review/decide", include_in_schema=False)
async def review_decide(
    request: Request,
    me: Reviewer,
    report_l: ReportId,
    report_r: ReportId,
    decision: Decision,
) -> Response:
    _decide(request.app.state.backend, me, report_l, report_r, decision)
    return RedirectResponse("/review", status_code=303)


@router.post("/review/relink", include_in_schema=False)
async def review_relink(request: Request, me: Reviewer) -> Response:
    run = _relink(request.app.state.backend)
    return RedirectResponse(f"/review?relinked={run.n_persons}", status_code=303)


@router.get("/api/review", tags=["review"])
async def api_queue(
    request: Request, me: Reviewer, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> QueueOut:
    """Pairs the model is unsure about, most probable first (skipped ones last)."""
    backend: Backend = request.app.state.backend
    queue = _queue(backend)
    pairs = [
        _in_words(p, _build(backend, me, None, [p.report_l, p.report_r]).person)
        for p in queue[:limit]
    ]
    return QueueOut(total=len(queue), pairs=pairs)


@router.post("/api/review/decisions", tags=["review"], status_code=204)
async def api_decide(request: Request, body: DecisionIn, me: Reviewer) -> Response:
    """Record match / non_match / skip as a ledger event; it binds every later run."""
    _decide(request.app.state.backend, me, body.report_l, body.report_r, body.decision)
    return Response(status_code=204)


@router.post("/api/linkage/runs", tags=["review"], status_code=201)
async def api_relink(request: Request, me: Reviewer) -> RelinkOut:
    """Link the lists again (decisions already made are applied)."""
    return _relink(request.app.state.backend)
