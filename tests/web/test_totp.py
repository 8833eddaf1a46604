"""The second factor: RFC 6238 vectors, one use per code, 30-second life (S24)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gawah.web import create_app
from gawah.web._backend import Backend
from gawah.web.accounts import enrol_totp
from gawah.web.totp import code_at, matching_step, step_of

from ._data import PASSWORDS, Role
from .conftest import Clock, TestClient, login

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("t", "code"),
    [
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
        (20000000000, "353130"),
    ],
)
def test_rfc6238_vectors(t: int, code: str) -> None:
    """The SHA-1 test vectors of RFC 6238 appendix B (last six digits)."""
    assert code_at(RFC_SECRET, step_of(t)) == code


class TestMatching:
    def test_only_current_step_and_only_once(self) -> None:
        """A code works in its 30 s step, not before, not after, not twice."""
        now = 1_800_000_015.0
        code = code_at(RFC_SECRET, step_of(now))
        assert matching_step(RFC_SECRET, code, now, None) == step_of(now)
        assert matching_step(RFC_SECRET, code, now, step_of(now)) is None  # replay
        assert matching_step(RFC_SECRET, code, now + 30, None) is None  # expired
        assert matching_step(RFC_SECRET, code, now - 30, None) is None  # not yet
        for bad in ("", "12345", "1234567", "abcdef", "000000"):
            if bad != code:
                assert matching_step(RFC_SECRET, bad, now, None) is None


def _login(client: TestClient, otp: str | None) -> int:
    anon = client.get("/api/session").json()["csrf_token"]
    body = {"username": "admin", "password": PASSWORDS[Role.ADMIN]}
    if otp is not None:
        body["otp"] = otp
    return client.post(
        "/api/session", json=body, headers={"X-CSRF-Token": anon}
    ).status_code


def test_enrolled_account_needs_a_fresh_code(home: Path, clock: Clock) -> None:
    """After enrolment, login needs the current code; a replayed code is refused."""
    backend = Backend(home=home)
    try:
        uri = enrol_totp(backend, "admin")
    finally:
        backend.close()
    secret = uri.split("secret=")[1].split("&")[0]
    with TestClient(create_app(home, clock=clock)) as client:
        assert _login(client, None) == 401
        assert (
            _login(
                client,
                "000000"
                if code_at(secret, step_of(clock.now)) != "000000"
                else "111111",
            )
            == 401
        )
        code = code_at(secret, step_of(clock.now))
        assert _login(client, code) == 200
        assert _login(client, code) == 401  # the same code twice
        clock.now += 30
        assert _login(client, code_at(secret, step_of(clock.now))) == 200


class TestAdminsNeedASecondFactor:
    def test_admin_without_a_second_factor_is_told_how_to_enrol(
        self, home: Path, clock: Clock
    ) -> None:
        """By default an admin with the right password but no code enrolled is refused."""
        with TestClient(create_app(home, clock=clock)) as client:
            anon = client.get("/api/session").json()["csrf_token"]
            r = client.post(
                "/api/session",
                json={"username": "admin", "password": PASSWORDS[Role.ADMIN]},
                headers={"X-CSRF-Token": anon},
            )
            assert r.status_code == 403
            assert "gawah users totp" in r.json()["detail"]
            assert client.get("/api/session").json()["user"] is None
            # the login page says the same, instead of "wrong password"
            page = client.post(
                "/login",
                data={
                    "username": "admin",
                    "password": PASSWORDS[Role.ADMIN],
                    "csrf_token": client.get("/api/session").json()["csrf_token"],
                },
                follow_redirects=False,
            )
            assert page.status_code == 403
            assert "second factor" in page.text
            # a wrong password still gets the generic answer (nothing revealed)
            anon = client.get("/api/session").json()["csrf_token"]
            wrong = client.post(
                "/api/session",
                json={"username": "admin", "password": "not the password"},
                headers={"X-CSRF-Token": anon},
            )
            assert wrong.status_code == 401

    def test_other_roles_and_the_relaxed_setting_need_no_code(
        self, home: Path, clock: Clock
    ) -> None:
        """Viewers log in by password; with admin_mfa=False so do admins."""
        with TestClient(create_app(home, clock=clock)) as client:
            login(client, "viewer", PASSWORDS[Role.VIEWER])
        with TestClient(create_app(home, clock=clock, admin_mfa=False)) as client:
            login(client, "admin", PASSWORDS[Role.ADMIN])

    def test_users_add_enrols_admins(self, home: Path) -> None:
        """`gawah users add --role admin` prints an authenticator URI; viewers get none."""
        from typer.testing import CliRunner

        from gawah.cli import app

        admin = CliRunner().invoke(
            app, ["users", "add", "boss", "--role", "admin", "--home", str(home)]
        )
        assert admin.exit_code == 0, admin.output
        assert "otpauth://" in admin.output
        viewer = CliRunner().invoke(
            app, ["users", "add", "reader", "--role", "viewer", "--home", str(home)]
        )
        assert viewer.exit_code == 0, viewer.output
        assert "otpauth://" not in viewer.output
