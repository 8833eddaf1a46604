"""The app factory: one FastAPI app per workspace folder."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.routing import NoMatchFound

from gawah.errors import GawahError, IntegrityError, UserInputError, WorkspaceError
from gawah.web._backend import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, Backend
from gawah.web._security import SecurityHeadersMiddleware, session_guard
from gawah.web._templates import compile_all, render
from gawah.web._uploads import UploadLimits
from gawah.web.routes import ROUTERS
from gawah.web.routes.imports import stop_jobs

STATIC = Path(__file__).parent / "static"


class ErrorOut(BaseModel):
    """Every refusal: ``detail`` says why (never a stack trace, never data)."""

    detail: Any


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "bad input"},
    401: {"model": ErrorOut, "description": "log in first"},
    403: {"model": ErrorOut, "description": "role or CSRF token does not allow this"},
    404: {"model": ErrorOut, "description": "not found, or not available yet"},
    413: {"model": ErrorOut, "description": "upload too large"},
    503: {"model": ErrorOut, "description": "the workspace is not available"},
}
_log = logging.getLogger("gawah.web")


def create_app(
    home: Path,
    *,
    clock: Callable[[], float] = time.time,
    idle_timeout: float = IDLE_TIMEOUT,
    absolute_timeout: float = ABSOLUTE_TIMEOUT,
    passphrase: str | None = None,
    admin_mfa: bool = True,
    warm: bool = False,
    upload_limits: UploadLimits | None = None,
) -> FastAPI:
    """Build the web app over the workspace at ``home``.

    ``clock`` and the timeouts are parameters so tests can freeze and advance
    time; ``passphrase`` unlocks a passphrase-protected workspace key. Admin
    accounts need a second factor to log in unless ``admin_mfa`` is False.
    ``warm`` (``gawah serve``) completes the register index and fills the
    dashboard's and estimates' caches in the background as the server starts.
    ``upload_limits`` bound uploads (default: :meth:`UploadLimits.from_env`).
    """
    backend = Backend(
        home=home,
        clock=clock,
        idle_timeout=idle_timeout,
        absolute_timeout=absolute_timeout,
        passphrase=passphrase,
        admin_mfa=admin_mfa,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _prepare(app)
        if warm:
            from gawah.web.routes import warm_up

            backend.start_warming(lambda: warm_up(backend))
        yield
        stop_jobs(app)  # the running import ends before the workspace closes
        backend.close()

    app = FastAPI(
        title="gawah",
        summary="Record, preserve, reconcile and count the victims of a crackdown.",
        version="0.1.0",
        docs_url=None,  # the interactive docs load scripts from a CDN: not here
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=[Depends(session_guard)],
        lifespan=lifespan,
    )
    app.state.backend = backend
    app.state.upload_limits = upload_limits or UploadLimits.from_env()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router, responses=COMMON_RESPONSES)
    _install_error_handlers(app)
    app.add_middleware(
        SecurityHeadersMiddleware,
        backend=backend,
        max_upload=app.state.upload_limits.max_bytes,
    )
    return app


def _prepare(app: FastAPI) -> None:
    """Prepare the routes and the templates as the server starts, not in a page.

    FastAPI prepares a route (its parameters' and answer's models) on the first
    request that reaches it, and every route before it; Jinja compiles a
    template on its first use. Together ~0.2 s of CPU that the first page a
    user opens would pay (the dashboard, at any size). Looking up a route name
    that no route has walks, and so prepares, every route.
    """
    with suppress(NoMatchFound):
        app.url_path_for("(a name no route has)")
    compile_all()


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        if exc.status_code == 401:
            target = "/login?next=" + quote(request.url.path, safe="/")
            if request.headers.get("hx-request") == "true":
                return Response(status_code=401, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        return render(
            request, "error.html", status_code=exc.status_code, message=str(exc.detail)
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse({"detail": errors}, status_code=422)
        msg = "; ".join(f"{'.'.join(e['loc'][1:])}: {e['msg']}" for e in errors)
        return render(request, "error.html", status_code=422, message=msg)

    @app.exception_handler(GawahError)
    async def gawah_error(request: Request, exc: GawahError) -> Response:
        if isinstance(exc, WorkspaceError | IntegrityError):
            # A workspace failing its quick check is not served (say why).
            status, message = 503, "The workspace is not available: " + str(exc)
        elif isinstance(exc, UserInputError):
            status, message = 400, str(exc)
        else:
            status, message = 500, str(exc)
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=status)
        return render(request, "error.html", status_code=status, message=message)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # The exception type only: messages may quote data, and logs must not.
        _log.error("internal error on %s: %s", request.url.path, type(exc).__name__)
        message = "internal error"
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=500)
        return render(request, "error.html", status_code=500, message=message)
