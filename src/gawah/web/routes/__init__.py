"""The app's routers, one module per page (each page's JSON API sits beside it)."""

from __future__ import annotations

from fastapi import APIRouter

from gawah.web.routes import (
    auth,
    claims,
    dashboard,
    entry,
    estimates,
    person,
    publish,
    register,
    review,
    users,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    users.router,
    register.router,
    person.router,
    entry.router,
    dashboard.router,
    estimates.router,
    review.router,
    publish.router,
    claims.router,
)
