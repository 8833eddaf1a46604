"""Log in and out, as a page and as the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from gawah.web._backend import Backend
from gawah.web._security import (
    Principal,
    end_session,
    ensure_session,
    principal,
    require,
    start_session,
)
from gawah.web._templates import render
from gawah.web.accounts import change_password
from gawah.web.auth import MAX_PASSWORD, Right, Role, verify_password
from gawah.web.totp import matching_step

router = APIRouter()
GENERIC_FAILURE = "Wrong account name, password or one-time code, or too many attempts: wait a minute."
NO_SECOND_FACTOR = (
    "An admin account needs a second factor: on the server, run "
    "`gawah users totp NAME` and add the code it prints to an authenticator app."
)


class _SecondFactorMissing(Exception):
    """The password was right, but an admin without a second factor may not log in."""


class SessionInfo(BaseModel):
    """Who the session belongs to and the CSRF token to send with changes."""

    user: str | None
    role: str | None
    csrf_token: str


class Credentials(BaseModel):
    """A login attempt."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    otp: str | None = Field(
        default=None, max_length=12, description="one-time code, if enrolled"
    )


class PasswordChange(BaseModel):
    """A password change by the account holder."""

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD)


def _attempt(request: Request, username: str, password: str, otp: str | None) -> bool:
    """Check credentials under the rate limit; on success start a fresh session."""
    backend: Backend = request.app.state.backend
    source = request.client.host if request.client else "?"
    name = username.strip().lower()
    if backend.limiter.blocked(name, source):
        return False
    account = backend.store.user(name)
    ok, rehash = verify_password(account.password_hash if account else None, password)
    role = backend.role(name) if ok else None
    if not ok or account is None or account.disabled or role is None:
        backend.limiter.failed(name, source)
        return False
    if account.totp_secret is None and role is Role.ADMIN and backend.admin_mfa:
        raise _SecondFactorMissing
    if account.totp_secret is not None:
        step = matching_step(
            account.totp_secret, otp or "", backend.clock(), account.totp_last_step
        )
        if step is None or not backend.store.use_totp_step(name, step):
            backend.limiter.failed(name, source)
            return False
    if rehash is not None:
        backend.store.set_password_hash(name, rehash)
    start_session(request, name)
    backend.store.touch_day(name, backend.today())
    return True


def _safe_next(target: str | None) -> str:
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_page(request: Request, next: str | None = None) -> Response:
    ensure_session(request)
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_form(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD)],
    next: Annotated[str, Form(max_length=500)] = "/",
    otp: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    try:
        if _attempt(request, username, password, otp or None):
            return RedirectResponse(_safe_next(next), status_code=303)
        status, error = 401, GENERIC_FAILURE
    except _SecondFactorMissing:
        status, error = 403, NO_SECOND_FACTOR
    ensure_session(request)
    return render(
        request, "login.html", status_code=status, next=_safe_next(next), error=error
    )


@router.post("/logout", include_in_schema=False)
async def logout_form(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/api/session", tags=["session"])
async def get_session(request: Request) -> SessionInfo:
    """The current session (an anonymous one is created to carry the CSRF token)."""
    csrf = ensure_session(request)
    p = principal(request)
    return SessionInfo(
        user=p.user, role=p.role.value if p.role else None, csrf_token=csrf
    )


@router.post(
    "/api/session",
    tags=["session"],
    responses={
        401: {"description": "refused"},
        403: {"description": "an admin account without a second factor"},
    },
)
async def login(request: Request, body: Credentials) -> SessionInfo:
    """Log in; the session token is replaced and a new CSRF token issued.

    An admin account must have a second factor enrolled (unless the server
    was started with ``--admin-without-mfa``).
    """
    try:
        ok = _attempt(request, body.username, body.password, body.otp)
    except _SecondFactorMissing:
        raise HTTPException(403, NO_SECOND_FACTOR) from None
    if not ok:
        raise HTTPException(401, GENERIC_FAILURE)
    p = principal(request)
    return SessionInfo(
        user=p.user, role=p.role.value if p.role else None, csrf_token=p.csrf or ""
    )


@router.delete("/api/session", tags=["session"], status_code=204)
async def logout(request: Request) -> Response:
    """Log out: the session is deleted on the server."""
    end_session(request)
    return Response(status_code=204)


@router.post("/api/me/password", tags=["session"], status_code=204)
async def new_password(
    request: Request,
    body: PasswordChange,
    me: Annotated[Principal, Depends(require(Right.READ))],
) -> Response:
    """Change one's own password; every session of the account ends."""
    backend: Backend = request.app.state.backend
    assert me.user is not None
    change_password(backend, me.user, body.current_password, body.new_password)
    end_session(request)
    return Response(status_code=204)
