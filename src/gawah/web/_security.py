"""Sessions, CSRF and security headers, applied to every route without exception.

The session and CSRF check is a *global* FastAPI dependency, so no route can
forget it; the headers and cookies are set by an ASGI middleware around the
whole app, so even static files and error pages carry them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gawah.web._backend import Backend
from gawah.web.auth import Right, Role, allows

COOKIE = "gawah_session"
SECURE_COOKIE = "__Host-gawah_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY = 21 * 1024 * 1024  # the default largest upload (20 MB) plus form overhead
# What a multipart form adds around the file itself.
_FORM_OVERHEAD = 1024 * 1024
TOUCH_EVERY = 10.0  # seconds; idle timeouts are minutes, so fewer writes lose nothing

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'; object-src 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


@dataclass(frozen=True)
class Principal:
    """Who is asking: the account (None when anonymous), its role and CSRF token."""

    user: str | None
    role: Role | None
    csrf: str | None

    def can(self, right: Right) -> bool:
        """Whether this principal holds ``right``."""
        return allows(self.role, right)


def is_https(scope: Scope) -> bool:
    """Whether the request reached us over TLS (directly or via a trusted proxy)."""
    return scope.get("scheme") == "https"


def cookie_name(scope: Scope) -> str:
    """``__Host-`` cookies need Secure, which browsers only keep over https."""
    return SECURE_COOKIE if is_https(scope) else COOKIE


class SecurityHeadersMiddleware:
    """Adds the security headers and any session cookie change to every response."""

    def __init__(
        self, app: ASGIApp, backend: Backend, max_upload: int | None = None
    ) -> None:
        self.app = app
        self.backend = backend
        # The body limit follows the upload setting (GAWAH_UPLOAD_MAX_MB).
        self.max_body = MAX_BODY if max_upload is None else max_upload + _FORM_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await _too_large(
                scope, send_with_headers_factory(scope, send, self.backend)
            )
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLargeError
            return message

        started = False

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = message.get("headers", [])
                csp = b"content-security-policy"
                keep_csp = any(k.lower() == csp for k, _ in own)  # e.g. sandbox
                headers = [
                    (k, v)
                    for k, v in own
                    if k.lower() not in _OURS or (keep_csp and k.lower() == csp)
                ]
                headers.extend(h for h in HEADERS if not (keep_csp and h[0] == csp))
                path = scope.get("path", "")
                if not path.startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                if is_https(scope):
                    headers.append(
                        (
                            b"strict-transport-security",
                            b"max-age=31536000; includeSubDomains",
                        )
                    )
                cookie = _cookie_header(scope, self.backend)
                if cookie is not None:
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
                nonlocal started
                started = True
            await send(message)

        try:
            await self.app(scope, counted, send_with_headers)
        except _BodyTooLargeError:
            if started:
                raise
            await _too_large(scope, send_with_headers)
        finally:
            self.backend.served()


class _BodyTooLargeError(Exception):
    """The request body grew past MAX_BODY while streaming."""


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def send_with_headers_factory(scope: Scope, send: Send, backend: Backend) -> Send:
    """A ``send`` that adds the security headers (for answers made before the app)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *HEADERS]
        await send(message)

    return wrapped


async def _too_large(scope: Scope, send: Send) -> None:
    body = b'{"detail":"the request is too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_OURS = frozenset(
    {k for k, _ in HEADERS} | {b"cache-control", b"strict-transport-security"}
)


def _cookie_header(scope: Scope, backend: Backend) -> str | None:
    state: dict[str, Any] = scope.get("state", {})
    name = cookie_name(scope)
    secure = "; Secure" if is_https(scope) else ""
    if "set_session" in state:
        token = state["set_session"]
        max_age = int(backend.absolute_timeout)
        attrs = f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        return f"{name}={token}; {attrs}"
    if state.get("clear_session"):
        return f"{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
    return None


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


async def session_guard(request: Request) -> None:
    """Resolve the session cookie and refuse any state change without its CSRF token.

    Runs before every route. Expired, disabled or role-less sessions are
    deleted server-side and their cookie cleared.
    """
    backend = _backend(request)
    now = backend.clock()
    token = request.cookies.get(cookie_name(request.scope))
    principal = Principal(user=None, role=None, csrf=None)
    if token:
        rec = backend.store.session(token)
        if rec is None:
            request.state.clear_session = True
        elif (
            now - rec.last_seen > backend.idle_timeout
            or now - rec.created_at > backend.absolute_timeout
        ):
            backend.store.kill_session(rec.token_hash)
            request.state.clear_session = True
        else:
            role: Role | None = None
            user = rec.user_name
            alive = True
            if user is not None:
                account = backend.store.user(user)
                role = backend.role(user) if account and not account.disabled else None
                if role is None:
                    backend.store.kill_session(rec.token_hash)
                    request.state.clear_session = True
                    alive = False
            if alive:
                if now - rec.last_seen > TOUCH_EVERY:
                    backend.store.touch_session(rec.token_hash, now)
                request.state.session_hash = rec.token_hash
                principal = Principal(user=user, role=role, csrf=rec.csrf)
    request.state.principal = principal
    if request.method not in SAFE_METHODS:
        await _check_csrf(request, principal)


async def _check_csrf(request: Request, principal: Principal) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            try:
                form = await request.form()
            except Exception as exc:  # a malformed body is the client's problem
                raise HTTPException(400, "malformed form") from exc
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if (
        principal.csrf is None
        or sent is None
        or not secrets.compare_digest(sent.encode(), principal.csrf.encode())
    ):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page")


def principal(request: Request) -> Principal:
    """The principal :func:`session_guard` resolved for this request."""
    p: Principal | None = getattr(request.state, "principal", None)
    return p if p is not None else Principal(user=None, role=None, csrf=None)


def start_session(request: Request, user: str | None) -> str:
    """Replace the current session with a fresh token; return its CSRF token."""
    backend = _backend(request)
    old = getattr(request.state, "session_hash", None)
    if old is not None:
        backend.store.kill_session(old)
    now = backend.clock()
    # Expired sessions are refused when used; here they are also deleted, so the
    # table holds only live sessions (one sweep whenever a session starts).
    backend.store.purge_expired(
        idle_before=now - backend.idle_timeout,
        created_before=now - backend.absolute_timeout,
    )
    token, rec = backend.store.new_session(user, now)
    request.state.set_session = token
    request.state.session_hash = rec.token_hash
    request.state.principal = Principal(
        user=user, role=backend.role(user) if user else None, csrf=rec.csrf
    )
    return rec.csrf


def ensure_session(request: Request) -> str:
    """The CSRF token of the current session, creating an anonymous one if needed."""
    p = principal(request)
    if p.csrf is not None:
        return p.csrf
    return start_session(request, None)


def end_session(request: Request) -> None:
    """Log out: delete the session server-side and clear the cookie."""
    old = getattr(request.state, "session_hash", None)
    if old is not None:
        _backend(request).store.kill_session(old)
    request.state.clear_session = True
    request.state.principal = Principal(user=None, role=None, csrf=None)


def require(right: Right) -> Any:
    """A dependency that lets the request through only with ``right``."""

    def check(request: Request) -> Principal:
        p = principal(request)
        if p.user is None:
            raise HTTPException(401, "log in first")
        if not p.can(right):
            raise HTTPException(403, "your role does not allow this")
        return p

    return check
