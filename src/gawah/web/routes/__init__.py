"""The app's routers, one module per page (each page's JSON API sits beside it)."""

from __future__ import annotations

from collections.abc import Callable

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
    """Compute the pages a user opens first: the dashboard and the estimates.

    Each is computed from the ledger even when a copy was stored at this state
    (a request meanwhile is answered from that copy), and a copy that differs
    is replaced: a stored page is never trusted beyond a server's start. The
    stored copies are held in memory first, so that a request during the check
    (which holds the interpreter most of the time) only renders.
    """
    steps: tuple[Callable[[], object], ...] = (
        lambda: dashboard.preload_dashboard(backend, None, "killed"),
        lambda: estimates.preload_estimates(backend, None, None, "loglinear"),
        lambda: dashboard.check_dashboard(backend, None, "killed"),
        lambda: estimates.check_estimates(backend, None, None, "loglinear"),
    )
    for step in steps:
        if backend.stopping():  # the server is closing: the rest is not needed
            return
        step()


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
