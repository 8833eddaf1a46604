"""Fixtures: a workspace with one account per role, and a logged-in client per role."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Starlette 1.x warns that its test client will move to httpx2; the warning is
# about the future of the test tool, not about gawah, and pytest turns it into an error.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from gawah.web import Role, create_app  # noqa: E402
from gawah.web._security import COOKIE  # noqa: E402

from ._data import PASSWORDS, build  # noqa: E402

ROLES: tuple[Role | None, ...] = (
    None,
    Role.VIEWER,
    Role.DOCUMENTER,
    Role.REVIEWER,
    Role.ADMIN,
)


def login(client: TestClient, name: str, password: str) -> str:
    """Log in through the JSON API; return the CSRF token of the new session."""
    anon = client.get("/api/session").json()["csrf_token"]
    r = client.post(
        "/api/session",
        json={"username": name, "password": password},
        headers={"X-CSRF-Token": anon},
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["csrf_token"]
    return token


@dataclass
class Clock:
    """A clock the tests move by hand."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("web-template") / "ws", n_victims=60)


@pytest.fixture
def home(tmp_path: Path, template_home: Path) -> Path:
    """A private copy of the template workspace (hashing passwords once is slow)."""
    import shutil

    target = tmp_path / "ws"
    shutil.copytree(template_home, target)
    return target


@pytest.fixture(autouse=True)
def _uploads_answer_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """An upload's request waits for its import to end, however loaded the machine.

    The app answers 202 with a job when an import outlasts ``INLINE_WAIT`` (5 s);
    a one-row upload that a busy CI machine took longer over then answered 202
    where the test expected the import's own 422. Tests of the worker path set
    the wait to 0 themselves.
    """
    from gawah.web.routes import imports

    monkeypatch.setattr(imports, "INLINE_WAIT", 300.0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(home: Path, clock: Clock) -> Iterator[TestClient]:
    # Admins log in with a password only here: these tests are about everything
    # but the second factor, which test_totp.py tests under the default.
    app = create_app(home, clock=clock, admin_mfa=False)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def as_role(client: TestClient) -> Callable[[Role], str]:
    """Log ``client`` in as the account of a role; returns the CSRF token."""

    def go(role: Role) -> str:
        return login(client, role.value, PASSWORDS[role])

    return go


def mint(client: TestClient, user: str | None) -> dict[str, str]:
    """Give ``client`` a session for ``user`` without a password (fast, for matrices).

    Returns the headers a browser would send with a state change.
    """
    backend = client.app.state.backend  # type: ignore[attr-defined]
    client.cookies.clear()
    if user is None:
        return {}
    token, rec = backend.store.new_session(user, backend.clock())
    client.cookies.set(COOKIE, token)
    return {"X-CSRF-Token": rec.csrf}
