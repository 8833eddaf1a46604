"""Fixtures for the ledger tests: small workspaces with a fixed device key."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from gawah.core import fixed_clock
from gawah.ledger import Event
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace


class CountingProjector:
    """A toy projector: counts events per kind in its own table."""

    name = "toy"

    def create(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS toy_counts (kind TEXT PRIMARY KEY, n INTEGER)"
        )

    def drop(self, conn: sqlite3.Connection) -> None:
        conn.execute("DROP TABLE IF EXISTS toy_counts")

    def apply(self, conn: sqlite3.Connection, event: Event) -> None:
        if not event.kind.startswith("toy."):
            return
        conn.execute(
            "INSERT INTO toy_counts (kind, n) VALUES (?, 1)"
            " ON CONFLICT (kind) DO UPDATE SET n = n + 1",
            (event.kind,),
        )


@pytest.fixture
def toy() -> CountingProjector:
    return CountingProjector()


@pytest.fixture
def workspace(tmp_path: Path, toy: CountingProjector) -> Iterator[Workspace]:
    ws = Workspace.init(
        tmp_path / "ws",
        author="FICTIONAL documenter",
        key_seed=fixed_seed("ledger-tests"),
        projectors=[toy],
        clock=fixed_clock(),
    )
    yield ws
    ws.close()
