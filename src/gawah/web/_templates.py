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
# Letters only Urdu writes, and letters only Arabic writes (Urdu has its own
# yeh, kaf and heh, and no teh marbuta or hamza seats on alef).
_URDU_ONLY = frozenset("ٹڈڑںےیکہھگپچژ")
_ARABIC_ONLY = frozenset("ةىيكأإؤ")


def native_lang(text: object) -> str:
    """``ar`` for a name written in Arabic, ``ur`` otherwise (Urdu, or unknown).

    Arabic names are set in a Naskh face, Urdu ones in Nastaliq; a name shows
    which it is by letters the other script does not use.
    """
    letters = set(str(text or ""))
    if letters & _URDU_ONLY:
        return "ur"
    return "ar" if letters & _ARABIC_ONLY else "ur"


def number(value: object) -> str:
    """A count or an estimate with thousands separators ("28,490"); blank for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float):
        return f"{value:,.0f}"
    return str(value)


ENV.filters["native_lang"] = native_lang
ENV.filters["num"] = number
ENV.globals["Right"] = Right
ENV.globals["CSRF_FIELD"] = CSRF_FIELD


def compile_all() -> None:
    """Compile every template now (Jinja keeps them), not on a page's first view."""
    for name in ENV.list_templates(filter_func=lambda n: n.endswith(".html")):
        ENV.get_template(name)


def render(
    request: Request, name: str, *, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    """Render ``name`` with ``me`` (the principal) and ``csrf`` available."""
    me = principal(request)
    backend = getattr(request.app.state, "backend", None)
    html = ENV.get_template(name).render(
        request=request,
        me=me,
        csrf=me.csrf or "",
        path=request.url.path,
        fictional=backend is not None and backend.fictional(),
        **ctx,
    )
    return HTMLResponse(html, status_code=status_code)


def is_htmx(request: Request) -> bool:
    """Whether HTMX sent the request (then we answer with a fragment)."""
    return request.headers.get("hx-request") == "true"
