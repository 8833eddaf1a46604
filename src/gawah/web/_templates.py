"""Jinja2 rendering with the request's principal and CSRF token in every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gawah.web._security import CSRF_FIELD, principal
from gawah.web.auth import Right

TEMPLATES = Path(__file__).parent / "templates"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.globals["Right"] = Right
ENV.globals["CSRF_FIELD"] = CSRF_FIELD


def render(
    request: Request, name: str, *, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    """Render ``name`` with ``me`` (the principal) and ``csrf`` available."""
    me = principal(request)
    html = ENV.get_template(name).render(
        request=request, me=me, csrf=me.csrf or "", path=request.url.path, **ctx
    )
    return HTMLResponse(html, status_code=status_code)


def is_htmx(request: Request) -> bool:
    """Whether HTMX sent the request (then we answer with a fragment)."""
    return request.headers.get("hx-request") == "true"
