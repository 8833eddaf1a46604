"""The workspace and the append path of decision 0001."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from gawah.errors import UserInputError, WorkspaceError
from gawah.ledger import Event
from gawah.workspace import Workspace


class TestAppend:
    def test_first_event_starts_the_feed(self, workspace: Workspace) -> None:
        """The first event of a device has seq 1 and no prev."""
        event = workspace.append("toy.recorded", {"n": 1})
        assert (event.seq, event.prev, event.rowid) == (1, None, 1)
        assert event.device == workspace.device

    def test_events_chain_by_prev(self, workspace: Workspace) -> None:
        """Each event's prev is the id of the same device's previous event."""
        first = workspace.append("toy.recorded", {"n": 1})
        second = workspace.append("toy.recorded", {"n": 2})
        assert (second.seq, second.prev) == (2, first.id)

    def test_raw_is_canonical_json_and_id_its_hash(self, workspace: Workspace) -> None:
        """The id is the SHA-256 of the canonical bytes, which round-trip to the event."""
        import hashlib

        event = workspace.append("toy.recorded", {"b": 2, "a": "زخمی"})
        assert event.id == hashlib.sha256(event.raw).hexdigest()
        assert event.raw.startswith(b'{"author":"FICTIONAL documenter","device":')
        assert Event.from_stored(event.raw, event.signature) == event
        assert workspace.ledger.event(event.id).payload == {"a": "زخمی", "b": 2}

    def test_append_many_without_keeping_events(self, workspace: Workspace) -> None:
        """``keep=False`` consumes a generator, stores and checkpoints, returns none."""

        def made() -> Iterator[tuple[str, dict[str, int]]]:
            for n in range(3000):  # more than one chunk
                yield "toy.recorded", {"n": n}

        assert workspace.append_many(made(), keep=False) == []
        assert workspace.ledger.count() == 3000
        assert workspace.ledger.feed_size(workspace.device) == 3000

    def test_append_many_is_one_transaction(
        self, workspace: Workspace, toy: object
    ) -> None:
        """A failing item in a batch leaves neither events nor projections behind."""

        def items() -> object:
            yield ("toy.recorded", {"n": 1})
            yield ("toy.recorded", {"bad": b"bytes are not JSON"})

        with pytest.raises(TypeError):
            workspace.append_many(items())  # type: ignore[arg-type]
        assert workspace.ledger.count() == 0
        assert (
            workspace.conn.execute("SELECT count(*) FROM toy_counts").fetchone()[0] == 0
        )

    def test_projector_runs_with_the_append(self, workspace: Workspace) -> None:
        """Projections are updated in the same transaction as the append."""
        workspace.append_many([("toy.a", {}), ("toy.a", {}), ("other.kind", {})])
        rows = workspace.conn.execute("SELECT kind, n FROM toy_counts").fetchall()
        assert [tuple(r) for r in rows] == [("toy.a", 2)]

    def test_events_pages_by_rowid(self, workspace: Workspace) -> None:
        """events(after_rowid) yields only events that arrived later, in order."""
        evs = workspace.append_many([("toy.a", {"i": i}) for i in range(5)])
        later = list(workspace.ledger.events(after_rowid=evs[1].rowid))
        assert [e.payload["i"] for e in later] == [2, 3, 4]

    def test_unknown_event_id_is_a_user_error(self, workspace: Workspace) -> None:
        """Asking for an id that is not stored raises UserInputError."""
        with pytest.raises(UserInputError):
            workspace.ledger.event("0" * 64)


class TestOpen:
    def test_reopen_continues_the_feed(self, tmp_path: Path) -> None:
        """A reopened workspace continues seq from the stored feed."""
        with Workspace.init(tmp_path / "w", projectors=[]) as ws:
            ws.append("toy.a", {})
        with Workspace.open(tmp_path / "w", projectors=[]) as ws:
            assert ws.append("toy.a", {}).seq == 2
            assert ws.ledger.verify().ok

    def test_missing_workspace_is_refused(self, tmp_path: Path) -> None:
        """Opening a folder without a workspace raises WorkspaceError."""
        with pytest.raises(WorkspaceError, match="gawah init"):
            Workspace.open(tmp_path / "nothing")

    def test_init_twice_is_refused(self, tmp_path: Path) -> None:
        """init refuses a folder that already holds a workspace."""
        Workspace.init(tmp_path / "w", projectors=[]).close()
        with pytest.raises(WorkspaceError, match="already"):
            Workspace.init(tmp_path / "w", projectors=[])

    def test_database_is_wal_and_full(self, workspace: Workspace) -> None:
        """The connection runs WAL with synchronous=FULL (S08b)."""
        conn = workspace.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2

    def test_key_file_is_private(self, workspace: Workspace) -> None:
        """The device key file is readable by its owner only (0600)."""
        mode = (workspace.home / "keys" / "device.key").stat().st_mode
        assert stat.S_IMODE(mode) == 0o600


class _FailingProjector:
    name = "failing"

    def create(self, conn: object) -> None:
        return None

    def drop(self, conn: object) -> None:
        return None

    def apply(self, conn: object, event: Event) -> None:
        if event.payload.get("explode"):
            raise RuntimeError("projection bug")


class TestProjectors:
    def test_projector_failure_rolls_back_the_append(self, tmp_path: Path) -> None:
        """If a projector raises, the event is not stored either."""
        with Workspace.init(tmp_path / "w", projectors=[_FailingProjector()]) as ws:
            ws.append("toy.a", {})
            with pytest.raises(RuntimeError):
                ws.append_many([("toy.a", {}), ("toy.a", {"explode": True})])
            assert ws.ledger.count() == 1
            assert ws.append("toy.a", {}).seq == 2

    def test_discovery_finds_domain_projectors(self) -> None:
        """Every discovered PROJECTOR has a unique name and the protocol's methods."""
        from gawah.workspace import discover_projectors

        found = discover_projectors()
        names = [p.name for p in found]
        assert len(names) == len(set(names))
        for projector in found:
            assert callable(projector.create)
            assert callable(projector.drop)
            assert callable(projector.apply)


class TestDurableSettings:
    def test_refuses_a_database_without_wal(self) -> None:
        """A database that cannot run WAL + synchronous=FULL is refused (S08b)."""
        from gawah.ledger.store import connect

        with pytest.raises(WorkspaceError, match="WAL"):
            connect(":memory:")


class TestStoredEvents:
    def test_kinds_in_arrival_order_damaged_rows_skipped(
        self, workspace: Workspace
    ) -> None:
        """A projector's backfill gets the chosen kinds in order, never a damaged row."""
        import sqlite3

        from gawah.ledger import stored_events

        a = workspace.append("toy.a", {"n": 1})
        workspace.append("toy.b", {"n": 2})
        damaged = workspace.append("toy.a", {"n": 3})
        c = workspace.append("toy.c", {"n": 4})
        d = workspace.append("toy.a", {"n": 5})
        workspace.conn.execute(
            "UPDATE ledger_events SET raw = ? WHERE id = ?", (b"{not json", damaged.id)
        )
        got = list(stored_events(workspace.conn, ["toy.a", "toy.c"]))
        assert [e.id for e in got] == [a.id, c.id, d.id]
        assert [e.rowid for e in got] == [a.rowid, c.rowid, d.rowid]
        assert list(stored_events(workspace.conn, [])) == []
        assert list(stored_events(sqlite3.connect(":memory:"), ["toy.a"])) == []
