"""Public claims: list them, record one, correct one, withdraw one (page and API).

Each change is a ledger event through :mod:`gawah.claims` (``claim.recorded``,
``claim.withdrawn``); a correction is both, in one transaction, so the first
version stays readable in the ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from gawah.claims import (
    Category,
    Claim,
    Claimant,
    ClaimantKind,
    Publication,
    RecordedClaim,
    Stance,
    correct_claim,
    get_claim,
    list_recorded,
    record_claim,
    withdraw_claim,
)
from gawah.errors import UserInputError
from gawah.registry import list_incidents
from gawah.web._backend import Backend
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web.auth import Right

router = APIRouter()
_M = TypeVar("_M", bound="ClaimIn")
Reader = Annotated[Principal, Depends(require(Right.READ))]
Recorder = Annotated[Principal, Depends(require(Right.RECORD))]


class ClaimIn(BaseModel):
    """A public figure as a documenter types it in."""

    incident: str = Field(min_length=1, max_length=100)
    claimant: str = Field(min_length=1, max_length=200, description="who said it")
    claimant_kind: ClaimantKind = ClaimantKind.OTHER
    category: Category
    low: int = Field(ge=0, le=100_000_000)
    high: int | None = Field(
        default=None, ge=0, le=100_000_000, description="empty: open-ended"
    )
    stance: Stance = Stance.ASSERTS
    quote: str = Field(default="", max_length=4000)
    outlet: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=2000)
    said_on: dt.date | None = None

    def to_claim(self, user: str | None = None) -> Claim:
        """The claim to record (bounds checked by the claims domain), entered by
        the web account ``user``."""
        try:
            return Claim(
                incident_id=self.incident,
                claimant=Claimant(name=self.claimant.strip(), kind=self.claimant_kind),
                category=self.category,
                low=self.low,
                high=self.high,
                stance=self.stance,
                quote=self.quote.strip(),
                publication=Publication(outlet=self.outlet.strip(), url=self.url),
                said_on=self.said_on,
                entered_by=user or "",
            )
        except ValidationError as exc:
            raise UserInputError("the upper bound is below the lower bound") from exc


class Correction(ClaimIn):
    """A corrected claim and what was wrong with the recorded one."""

    reason: str = Field(min_length=1, max_length=500)


class Withdrawal(BaseModel):
    """Why a recorded claim is withdrawn (a recording mistake, not a retraction)."""

    reason: str = Field(min_length=1, max_length=500)


class ClaimOut(BaseModel):
    """A recorded claim with who recorded it, and its withdrawal if any."""

    id: str
    incident: str
    claimant: str
    claimant_kind: str
    category: str
    low: int
    high: int | None
    bounds: str
    stance: str
    quote: str
    outlet: str
    url: str
    said_on: str | None
    recorded_by: str
    recorded_at: str
    withdrawn: bool
    withdrawn_reason: str


def _out(r: RecordedClaim) -> ClaimOut:
    c = r.claim
    return ClaimOut(
        id=c.id,
        incident=c.incident_id,
        claimant=c.claimant.name,
        claimant_kind=c.claimant.kind.value,
        category=c.category.value,
        low=c.low,
        high=c.high,
        bounds=c.bounds,
        stance=c.stance.value,
        quote=c.quote,
        outlet=c.publication.outlet,
        url=c.publication.url,
        said_on=c.said_on.isoformat() if c.said_on else None,
        recorded_by=_recorder(r),
        recorded_at=r.recorded_at,
        withdrawn=r.withdrawn_by is not None,
        withdrawn_reason=r.withdrawn_reason,
    )


def _recorder(r: RecordedClaim) -> str:
    """Who recorded a claim: the web account that typed it, on whose server.

    The event is signed by the server's device (its author is the workspace's
    owner, not the person at the browser), so a claim typed into the web app
    names its account and the server's author apart.
    """
    if r.claim.entered_by:
        return f"{r.claim.entered_by} (web account on {r.author}'s server)"
    return r.author


def _ws(request: Request) -> Any:
    backend: Backend = request.app.state.backend
    return backend.workspace()


def _recorded(request: Request, claim_id: str) -> RecordedClaim:
    """The claim an URL names; 404 when there is none."""
    found = get_claim(_ws(request).conn, claim_id)
    if found is None:
        raise HTTPException(404, "no such claim")
    return found


@router.get("/api/claims", tags=["claims"])
async def api_claims(
    request: Request,
    me: Reader,
    incident: Annotated[str | None, Query(max_length=100)] = None,
    include_withdrawn: bool = False,
) -> list[ClaimOut]:
    """Recorded claims, oldest statement first (withdrawn ones only when asked)."""
    rows = list_recorded(
        _ws(request).conn, incident, include_withdrawn=include_withdrawn
    )
    return [_out(r) for r in rows]


@router.post("/api/claims", tags=["claims"], status_code=201)
async def api_record(request: Request, me: Recorder, body: ClaimIn) -> ClaimOut:
    """Record a claim (a ``claim.recorded`` event signed by this server's device)."""
    claim_id = record_claim(_ws(request), body.to_claim(me.user))
    return _out(_recorded(request, claim_id))


@router.put("/api/claims/{claim_id}", tags=["claims"])
async def api_correct(
    request: Request, me: Recorder, claim_id: str, body: Correction
) -> ClaimOut:
    """Correct a claim: the corrected one is recorded and the old one withdrawn."""
    _recorded(request, claim_id)
    new_id = correct_claim(_ws(request), claim_id, body.to_claim(me.user), body.reason)
    return _out(_recorded(request, new_id))


@router.post("/api/claims/{claim_id}/withdrawal", tags=["claims"], status_code=204)
async def api_withdraw(
    request: Request, me: Recorder, claim_id: str, body: Withdrawal
) -> Response:
    """Withdraw a claim recorded by mistake (the event stays in the ledger)."""
    _recorded(request, claim_id)
    withdraw_claim(_ws(request), claim_id, body.reason)
    return Response(status_code=204)


def _page(request: Request, **ctx: Any) -> HTMLResponse:
    conn = _ws(request).conn
    incidents = list_incidents(conn)
    chosen = request.query_params.get("incident") or (
        incidents[0].incident_id if incidents else None
    )
    rows = list_recorded(conn, chosen, include_withdrawn=True) if chosen else []
    ctx.setdefault("values", {})
    ctx.setdefault("error", None)
    return render(
        request,
        "claims.html",
        status_code=ctx.pop("status_code", 200),
        incidents=incidents,
        incident=chosen,
        claims=[_out(r) for r in rows],
        kinds=[k.value for k in ClaimantKind],
        categories=[c.value for c in Category if c is not Category.OTHER],
        stances=[s.value for s in Stance],
        **ctx,
    )


@router.get("/claims", response_class=HTMLResponse, include_in_schema=False)
async def claims_page(request: Request, me: Reader) -> Response:
    return _page(request)


@router.get(
    "/claims/{claim_id}/edit", response_class=HTMLResponse, include_in_schema=False
)
async def edit_page(request: Request, me: Recorder, claim_id: str) -> Response:
    out = _out(_recorded(request, claim_id))
    values = {k: "" if v is None else str(v) for k, v in out.model_dump().items()}
    return _page(request, editing=out, values=values)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _claim_from(values: dict[str, str], model: type[_M]) -> _M:
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        raise UserInputError(f"{field}: {first.get('msg', 'invalid')}") from None


def _back(incident: str) -> RedirectResponse:
    return RedirectResponse(f"/claims?incident={quote(incident)}", status_code=303)


@router.post("/claims", response_class=HTMLResponse, include_in_schema=False)
async def record_form(request: Request, me: Recorder) -> Response:
    values = await _form(request)
    try:
        body = _claim_from(values, ClaimIn)
        record_claim(_ws(request), body.to_claim(me.user))
    except UserInputError as exc:
        return _page(request, values=values, error=str(exc), status_code=400)
    return _back(body.incident)


@router.post(
    "/claims/{claim_id}/edit", response_class=HTMLResponse, include_in_schema=False
)
async def correct_form(request: Request, me: Recorder, claim_id: str) -> Response:
    _recorded(request, claim_id)
    values = await _form(request)
    try:
        body = _claim_from(values, Correction)
        correct_claim(_ws(request), claim_id, body.to_claim(me.user), body.reason)
    except UserInputError as exc:
        editing = get_claim(_ws(request).conn, claim_id)
        return _page(
            request,
            values=values,
            error=str(exc),
            editing=_out(editing) if editing else None,
            status_code=400,
        )
    return _back(body.incident)


@router.post(
    "/claims/{claim_id}/withdraw", response_class=HTMLResponse, include_in_schema=False
)
async def withdraw_form(request: Request, me: Recorder, claim_id: str) -> Response:
    values = await _form(request)
    recorded = _recorded(request, claim_id)
    try:
        withdraw_claim(_ws(request), claim_id, values.get("reason", ""))
    except UserInputError as exc:
        return _page(request, error=str(exc), status_code=400)
    return _back(recorded.claim.incident_id)
