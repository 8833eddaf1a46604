"""Sessions, CSRF, headers, rate limit, password policy (SECURITY.md S19, S24-S26)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gawah.web import Role, create_app
from gawah.web._backend import Backend
from gawah.web.auth import (
    ACCOUNT_FAILURES,
    FAILURE_WINDOW,
    MAX_FAILURES,
    SOURCE_FAILURES,
    LoginRateLimiter,
    PasswordRejectedError,
    check_password_policy,
)
from gawah.web.projection import ROLE_GRANTED
from gawah.workspace import Workspace

from ._data import PASSWORDS
from .conftest import Clock, login


class TestHeaders:
    def test_every_response_has_the_security_headers(self, client: TestClient) -> None:
        """Pages, API, static files and 404s all carry CSP, nosniff, no-referrer."""
        for url in ("/login", "/api/session", "/static/app.css", "/nope", "/api/nope"):
            r = client.get(url, follow_redirects=False)
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp, url
            assert "unsafe-inline" not in csp, url
            assert "frame-ancestors 'none'" in csp
            assert "object-src 'none'" in csp
            assert "base-uri 'none'" in csp
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "no-referrer"

    def test_pages_have_no_inline_script_or_style(self, client: TestClient) -> None:
        """The login page loads scripts only from files and has no style attributes."""
        html = client.get("/login").text
        assert "<script>" not in html
        assert "style=" not in html
        assert "<style" not in html
        assert '<script src="/static/vendor/htmx.min.js"' in html

    def test_hsts_and_host_cookie_over_https(self, home: Path) -> None:
        """Behind https the cookie is __Host-, Secure, and HSTS is sent."""
        app = create_app(home)
        with TestClient(app, base_url="https://testserver") as c:
            r = c.get("/api/session")
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")
            cookie = r.headers["set-cookie"]
            assert cookie.startswith("__Host-gawah_session=")
            assert "Secure" in cookie
            assert "HttpOnly" in cookie
            assert "SameSite=Strict" in cookie


class TestSessions:
    def test_cookie_flags(self, client: TestClient) -> None:
        """The session cookie is HttpOnly and SameSite=Strict."""
        cookie = client.get("/api/session").headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Path=/" in cookie

    def test_login_issues_a_new_token_and_kills_the_old(
        self, client: TestClient
    ) -> None:
        """The pre-login session token is dead after login (no fixation)."""
        client.get("/api/session")
        before = client.cookies["gawah_session"]
        login(client, "viewer", PASSWORDS[Role.VIEWER])
        after = client.cookies["gawah_session"]
        assert before != after
        client.cookies.set("gawah_session", before)
        assert client.get("/api/session").json()["user"] is None

    def test_logout_kills_the_session_server_side(self, client: TestClient) -> None:
        """An old cookie replayed after logout is refused."""
        csrf = login(client, "viewer", PASSWORDS[Role.VIEWER])
        token = client.cookies["gawah_session"]
        assert (
            client.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code
            == 204
        )
        client.cookies.set("gawah_session", token)
        assert client.get("/api/users").status_code == 401

    @pytest.mark.parametrize(("advance", "alive"), [(29 * 60, True), (31 * 60, False)])
    def test_idle_timeout(
        self, client: TestClient, clock: Clock, advance: int, alive: bool
    ) -> None:
        """A session idle for more than 30 minutes is dead; less is fine."""
        login(client, "admin", PASSWORDS[Role.ADMIN])
        clock.now += advance
        assert (client.get("/api/users").status_code == 200) is alive

    def test_absolute_timeout(self, client: TestClient, clock: Clock) -> None:
        """Even an active session dies 12 hours after login."""
        login(client, "admin", PASSWORDS[Role.ADMIN])
        for _ in range(12 * 3 + 1):
            clock.now += 20 * 60
            r = client.get("/api/users")
        assert r.status_code == 401

    def test_expired_sessions_are_deleted_when_a_session_starts(
        self, client: TestClient, clock: Clock
    ) -> None:
        """A session left idle past its timeout is removed from the store at the next login."""
        login(client, "viewer", PASSWORDS[Role.VIEWER])
        old = client.cookies["gawah_session"]
        backend = client.app.state.backend  # type: ignore[attr-defined]
        assert backend.store.session(old) is not None
        clock.now += 31 * 60
        other = TestClient(client.app)
        login(other, "reviewer", PASSWORDS[Role.REVIEWER])
        assert backend.store.session(old) is None  # gone, not merely refused
        assert backend.store.session(other.cookies["gawah_session"]) is not None

    def test_disable_kills_sessions(self, client: TestClient, home: Path) -> None:
        """Disabling an account ends its live sessions at once."""
        login(client, "viewer", PASSWORDS[Role.VIEWER])
        other = TestClient(client.app)
        csrf = login(other, "admin", PASSWORDS[Role.ADMIN])
        r = other.post("/api/users/viewer/disable", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 204
        assert client.get("/api/session").json()["user"] is None

    def test_role_grant_is_a_ledger_event(self, client: TestClient, home: Path) -> None:
        """Changing a role appends a user.role_granted event naming who did it."""
        csrf = login(client, "admin", PASSWORDS[Role.ADMIN])
        r = client.put(
            "/api/users/viewer/role",
            json={"role": "reviewer"},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.status_code == 204
        with Workspace.open(home) as ws:
            events = [e for e in ws.ledger.events() if e.kind == ROLE_GRANTED]
        assert events[-1].payload["user"] == "viewer"
        assert events[-1].payload["role"] == "reviewer"
        assert events[-1].payload["by"] == "admin"


class TestCsrf:
    def test_state_change_without_token_is_refused(self, client: TestClient) -> None:
        """A logged-in POST without the CSRF token gets 403 and changes nothing."""
        login(client, "admin", PASSWORDS[Role.ADMIN])
        r = client.post("/api/users", json={"name": "mallory", "role": "admin"})
        assert r.status_code == 403
        r = client.post(
            "/api/users",
            json={"name": "mallory", "role": "admin"},
            headers={"X-CSRF-Token": "forged"},
        )
        assert r.status_code == 403
        assert "mallory" not in [u["name"] for u in client.get("/api/users").json()]

    def test_login_itself_needs_the_token(self, client: TestClient) -> None:
        """Login CSRF: a cross-site login form post without the token is refused."""
        r = client.post(
            "/api/session",
            json={"username": "admin", "password": PASSWORDS[Role.ADMIN]},
        )
        assert r.status_code == 403

    def test_form_field_token_is_accepted(self, client: TestClient) -> None:
        """Plain HTML forms carry the token in a hidden field."""
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        r = client.post(
            "/login",
            data={
                "username": "viewer",
                "password": PASSWORDS[Role.VIEWER],
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303


class TestRateLimit:
    def test_ten_failures_lock_the_account_for_a_minute(
        self, client: TestClient, clock: Clock
    ) -> None:
        """After 10 failures even the right password fails until the minute passes."""
        for _ in range(10):
            anon = client.get("/api/session").json()["csrf_token"]
            r = client.post(
                "/api/session",
                json={"username": "admin", "password": "wrong!!!!"},
                headers={"X-CSRF-Token": anon},
            )
            assert r.status_code == 401
        anon = client.get("/api/session").json()["csrf_token"]
        r = client.post(
            "/api/session",
            json={"username": "admin", "password": PASSWORDS[Role.ADMIN]},
            headers={"X-CSRF-Token": anon},
        )
        assert r.status_code == 401
        clock.now += 61
        login(client, "admin", PASSWORDS[Role.ADMIN])

    def test_one_accounts_failures_do_not_lock_out_the_others(
        self, client: TestClient
    ) -> None:
        """Ten failures for one account from an address leave other accounts free."""
        for _ in range(10):
            anon = client.get("/api/session").json()["csrf_token"]
            r = client.post(
                "/api/session",
                json={"username": "admin", "password": "wrong!!!!"},
                headers={"X-CSRF-Token": anon},
            )
            assert r.status_code == 401
        login(client, "viewer", PASSWORDS[Role.VIEWER])  # same address, other account


class TestLimiter:
    def test_pair_account_and_address_limits(self) -> None:
        """Per account+address at 10, per account at 30, per address at 50."""
        now = [0.0]
        limiter = LoginRateLimiter(clock=lambda: now[0])
        for _ in range(MAX_FAILURES):
            limiter.failed("ali", "10.0.0.1")
        assert limiter.blocked("ali", "10.0.0.1")
        assert not limiter.blocked("ali", "10.0.0.2")  # the owner elsewhere
        assert not limiter.blocked("sara", "10.0.0.1")  # a colleague on the address
        for i in range(ACCOUNT_FAILURES - MAX_FAILURES):
            limiter.failed("ali", f"10.0.1.{i}")
        assert limiter.blocked("ali", "10.9.9.9")  # a distributed guesser
        now[0] += FAILURE_WINDOW + 1
        assert not limiter.blocked("ali", "10.0.0.1")  # a minute later

    def test_spraying_many_accounts_from_one_address_is_stopped(self) -> None:
        """Failures over many accounts from one address block that address."""
        limiter = LoginRateLimiter(clock=lambda: 0.0)
        for i in range(SOURCE_FAILURES):
            limiter.failed(f"user{i}", "10.0.0.7")
        assert limiter.blocked("someone-new", "10.0.0.7")
        assert not limiter.blocked("someone-new", "10.0.0.8")

    def test_unknown_account_looks_the_same(self, client: TestClient) -> None:
        """A missing account and a wrong password get the same answer."""
        anon = client.get("/api/session").json()["csrf_token"]
        a = client.post(
            "/api/session",
            json={"username": "nobody", "password": "x" * 12},
            headers={"X-CSRF-Token": anon},
        )
        b = client.post(
            "/api/session",
            json={"username": "admin", "password": "x" * 12},
            headers={"X-CSRF-Token": anon},
        )
        assert a.status_code == b.status_code == 401
        assert a.json() == b.json()


class TestPasswordPolicy:
    @pytest.mark.parametrize(
        "password",
        [
            "short",
            "1234567",
            "password",
            "qwerty123",
            "iloveyou",
            "PASSWORD1",
            "admin",
            "x" * 1025,
            "football",
            "sunshine",
            "P@ssw0rd",
            "islamabad123",
            "Pakistan@123",
            "eight ch",
            "x" * 1024,
            "a7" * 100,
        ],
    )
    def test_rejected(self, password: str) -> None:
        """Too short, too long, common, the name, or guessable (zxcvbn < 3) is refused."""
        with pytest.raises(PasswordRejectedError):
            check_password_policy("admin", password)

    @pytest.mark.parametrize(
        "password",
        [
            "tr0ub4dor&3x",
            "گواہ کی آواز سنو",
            "correct horse battery",
            hashlib.sha512(b"FICTIONAL").hexdigest() * 8,  # 1,024 characters
        ],
    )
    def test_accepted(self, password: str) -> None:
        """No composition rules: long, spaced or Urdu passphrases are fine."""
        check_password_policy("admin", password)

    def test_long_password_is_not_truncated(self, home: Path) -> None:
        """A 200-character password differs from its 72-character prefix."""
        backend = Backend(home=home)
        try:
            from gawah.web.accounts import add_user

            long = hashlib.sha512(b"FICTIONAL long").hexdigest() * 2  # 256 chars
            add_user(backend, "longpw", Role.VIEWER, long, by="t")
        finally:
            backend.close()
        app = create_app(home)
        with TestClient(app) as c:
            anon = c.get("/api/session").json()["csrf_token"]
            r = c.post(
                "/api/session",
                json={"username": "longpw", "password": long[:72]},
                headers={"X-CSRF-Token": anon},
            )
            assert r.status_code == 401
            login(c, "longpw", long)


def test_users_cli_prints_generated_password_once(home: Path) -> None:
    """`gawah users add` generates a password and the account can log in with it."""
    from typer.testing import CliRunner

    from gawah.cli import app

    result = CliRunner().invoke(
        app, ["users", "add", "newbie", "--role", "viewer", "--home", str(home)]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("store it now): ")[1].split()[0]
    with TestClient(create_app(home)) as c:
        login(c, "newbie", password)
