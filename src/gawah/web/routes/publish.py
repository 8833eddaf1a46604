"""The "Publish" page (admin only): what a release of an incident would state and withhold.

It previews with the default policy, from the same :func:`gawah.publish.gather`
that ``gawah publish`` writes from, so the page and the release agree. The
release itself is written (and signed) from the command line, where the
device key is unlocked: the page shows the command.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from gawah.errors import UserInputError
from gawah.web._backend import Backend
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web.auth import Right

router = APIRouter()
Admin = Annotated[Principal, Depends(require(Right.ADMIN))]
Incident = Annotated[str | None, Query(max_length=100)]


def _preview(backend: Backend, incident: str | None) -> dict[str, Any]:
    from gawah.publish import Policy, gather, ledger_checkpoints
    from gawah.registry import list_incidents

    ws = backend.workspace()
    incidents = list_incidents(ws.conn)
    chosen = incident or (incidents[0].incident_id if incidents else None)
    out: dict[str, Any] = {
        "incidents": [(i.incident_id, i.title) for i in incidents],
        "incident": chosen,
        "data": None,
        "error": None,
    }
    if chosen is None:
        out["error"] = "no incident is recorded yet"
        return out
    try:
        out["data"] = gather(
            ws, chosen, Policy(), ledger_checkpoints(ws, sign=False), sensitivity=False
        )
    except UserInputError as exc:
        out["error"] = str(exc)
    return out


@router.get("/publish", response_class=HTMLResponse, include_in_schema=False)
async def publish_page(
    request: Request, me: Admin, incident: Incident = None
) -> Response:
    preview = _preview(request.app.state.backend, incident)
    return render(request, "publish.html", **preview)


@router.get("/api/publish/preview", tags=["publish"])
async def publish_preview(
    request: Request, me: Admin, incident: Incident = None
) -> dict[str, Any]:
    """What a release with the default policy would state and withhold (no values)."""
    preview = _preview(request.app.state.backend, incident)
    data = preview["data"]
    if data is None:
        raise UserInputError(preview["error"] or "nothing to preview")
    return {
        "incident": preview["incident"],
        "fields": list(data.columns),
        "documented": data.documented,
        "persons": data.persons,
        "named": len(data.rows),
        "estimates": {s: e.to_dict() for s, e in data.estimates.items()},
        "withheld": data.receipt,
        "warnings": list(data.warnings),
    }
