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


@pytest.fixture
def three_feeds(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace holding 64 events of 3 devices, every feed checkpointed (S03 log)."""
    from gawah.testing.signer import (
        FixedSigner,
        enrol_signers,
        feed_checkpoint,
        signed_feed,
    )

    ws = Workspace.init(
        tmp_path / "three",
        author="FICTIONAL documenter",
        key_seed=fixed_seed("own"),
        projectors=[],
        clock=fixed_clock(),
    )
    enrol_signers(ws, FixedSigner("field-b"), FixedSigner("field-c"))
    ws.append_many(
        ("report.recorded", {"record_id": f"H-{i}", "status": "injured"})
        for i in range(18)
    )
    for i in range(10):
        ws.append("evidence.received", {"sha256": f"{i:064x}"})
    for name, count in (("field-b", 17), ("field-c", 17)):
        signer = FixedSigner(name)
        items = [
            ("report.recorded", {"record_id": f"{name}-{i}"}) for i in range(count)
        ]
        feed = signed_feed(signer, items)
        for raw, sig in feed[:8]:
            ws.ledger.receive(raw, sig)
        ws.ledger.add_checkpoint(feed_checkpoint(signer, [r for r, _ in feed[:8]]))
        for raw, sig in feed[8:]:
            ws.ledger.receive(raw, sig)
        ws.ledger.add_checkpoint(feed_checkpoint(signer, [r for r, _ in feed]))
    ws.ledger.checkpoint()
    assert ws.ledger.count() == 64
    yield ws
    ws.close()
