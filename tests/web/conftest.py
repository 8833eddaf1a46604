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
from gawah.web._backend import Backend  # noqa: E402
from gawah.web.accounts import add_user  # noqa: E402
from gawah.workspace import Workspace  # noqa: E402

PASSWORDS = {role: f"correct horse {role.value} staple" for role in Role}
ROLES: tuple[Role | None, ...] = (
    None,
    Role.VIEWER,
    Role.DOCUMENTER,
    Role.REVIEWER,
    Role.ADMIN,
)


def make_workspace(home: Path) -> None:
    """A fresh workspace with one account per role (named after it) plus 'other'."""
    Workspace.init(home, author="tester").close()
    backend = Backend(home=home)
    try:
        for role in Role:
            add_user(backend, role.value, role, PASSWORDS[role], by="tester")
        add_user(
            backend, "other", Role.DOCUMENTER, "another long passphrase", by="tester"
        )
    finally:
        backend.close()


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
    home = tmp_path_factory.mktemp("web-template")
    make_workspace(home)
    return home


@pytest.fixture
def home(tmp_path: Path, template_home: Path) -> Path:
    """A private copy of the template workspace (hashing passwords once is slow)."""
    import shutil

    target = tmp_path / "ws"
    shutil.copytree(template_home, target)
    return target


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(home: Path, clock: Clock) -> Iterator[TestClient]:
    app = create_app(home, clock=clock)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def as_role(client: TestClient) -> Callable[[Role], str]:
    """Log ``client`` in as the account of a role; returns the CSRF token."""

    def go(role: Role) -> str:
        return login(client, role.value, PASSWORDS[role])

    return go
