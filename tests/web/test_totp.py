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
from .conftest import Clock, TestClient

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
