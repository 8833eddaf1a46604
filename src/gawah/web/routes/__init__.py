"""The app's routers, one module per page (each page's JSON API sits beside it)."""

from __future__ import annotations

from fastapi import APIRouter

from gawah.web._backend import Backend
from gawah.web.routes import (
    auth,
    claims,
    dashboard,
    entry,
    estimates,
    imports,
    person,
    publish,
    register,
    review,
    users,
)


def warm_up(backend: Backend) -> None:
    """Compute the pages a user opens first: the dashboard and the estimates."""
    dashboard.dashboard_data(backend, None, "killed")
    estimates.estimates_data(backend, None, None, "loglinear")


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
    publish.router,
    claims.router,
)
