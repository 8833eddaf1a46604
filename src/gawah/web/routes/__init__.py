"""The app's routers, one module per page (each page's JSON API sits beside it)."""

from __future__ import annotations

from fastapi import APIRouter

from gawah.web.routes import (
    auth,
    dashboard,
    entry,
    estimates,
    imports,
    person,
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
    imports.router,
    dashboard.router,
    estimates.router,
    review.router,
)
