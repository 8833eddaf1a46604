"""A large import builds the projections' read-only indexes after its rows.

The threshold is lowered so that a few hundred FICTIONAL rows count as large.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from gawah.ledger import DeferredIndexes, Event
from gawah.ledger import log as log_module
from gawah.registry import RowsInvalidError, counts, import_list
from gawah.registry import importing as importing_module
from gawah.sync.projection import SyncProjector
from gawah.testing.scenario import big_list_rows
from gawah.workspace import Workspace


def _write(path: Path, rows: int, *, first: int = 1, bad_at: int | None = None) -> Path:
    """A FICTIONAL party-style list; ``bad_at`` (1-based) gets an impossible age."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for n, row in enumerate(big_list_rows(first + rows - 1, seed=5), 1):
            if n < first:
                continue
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row))
                writer.writeheader()
            if n - first + 1 == bad_at:
                row = {**row, "age": "-7 years old maybe"}
            writer.writerow(row)
    return path


def _indexes(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    return {(str(name), str(sql)) for name, sql in rows}


@pytest.fixture
def drops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lower the threshold to 100 events and count the drops."""
    monkeypatch.setattr(importing_module, "_DEFER_INDEXES_AFTER", 100)
    seen: list[int] = []
    original = DeferredIndexes.drop

    def drop(self: DeferredIndexes) -> int:
        dropped = original(self)
        seen.append(dropped)
        return dropped

    monkeypatch.setattr(DeferredIndexes, "drop", drop)
    return seen


def test_indexes_rebuilt_and_used_after_a_bulk_import(
    ws: Workspace, tmp_path: Path, drops: list[int]
) -> None:
    before = _indexes(ws.conn)
    report = import_list(ws, _write(tmp_path / "big.csv", 300), source="party")
    assert report.added == 300
    assert len(drops) == 1
    assert drops[0] >= 5  # registry, web and sync indexes
    assert _indexes(ws.conn) == before
    plan = " ".join(
        str(row[3])
        for row in ws.conn.execute(
            "EXPLAIN QUERY PLAN SELECT report_id FROM registry_reports"
            " WHERE source_id = ? AND record_id = ?",
            ("s", "r"),
        )
    )
    assert "registry_reports_source" in plan
    assert counts(ws.conn).reports == 300
    assert ws.ledger.verify().ok


def test_a_refused_bulk_import_signs_nothing_and_drops_nothing(
    ws: Workspace, tmp_path: Path, drops: list[int]
) -> None:
    before = _indexes(ws.conn)
    events = ws.ledger.count()
    path = _write(tmp_path / "bad.csv", 300, bad_at=250)
    with pytest.raises(RowsInvalidError):
        import_list(ws, path, source="party")
    assert drops == []  # every row is checked before any report is written
    assert _indexes(ws.conn) == before
    assert ws.ledger.count() == events
    assert counts(ws.conn).reports == 0
    assert not list(ws.home.glob(".import-stage-*"))
    assert ws.ledger.verify().ok


def test_a_bulk_import_failing_after_the_drop_leaves_nothing(
    ws: Workspace, tmp_path: Path, drops: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(ws.conn)
    events = ws.ledger.count()
    written: list[int] = []
    original = SyncProjector.apply_many

    def failing(
        self: SyncProjector, conn: sqlite3.Connection, chunk: list[Event]
    ) -> None:
        written.append(len(chunk))
        if sum(written) > 150:  # a disk full, a crash: after the drop, mid-write
            raise sqlite3.OperationalError("FICTIONAL failure")
        original(self, conn, chunk)

    monkeypatch.setattr(SyncProjector, "apply_many", failing)
    monkeypatch.setattr(log_module, "_CHUNK", 64)
    with pytest.raises(sqlite3.OperationalError):
        import_list(ws, _write(tmp_path / "big.csv", 300), source="party")
    assert drops
    assert drops[0] >= 5
    assert _indexes(ws.conn) == before
    assert ws.ledger.count() == events
    assert counts(ws.conn).reports == 0
    assert not list(ws.home.glob(".import-stage-*"))


def test_a_smaller_import_into_a_larger_workspace_keeps_its_indexes(
    ws: Workspace, tmp_path: Path, drops: list[int]
) -> None:
    import_list(ws, _write(tmp_path / "first.csv", 300), source="party")
    assert len(drops) == 1
    second = _write(tmp_path / "second.csv", 200, first=301)
    report = import_list(ws, second, source="party")
    assert report.added == 200
    assert len(drops) == 1  # 200 events < the 300 held: the indexes stay
    assert counts(ws.conn).reports == 500
    assert ws.ledger.verify().ok


def test_a_rebuild_builds_the_indexes_after_its_replay(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_list(ws, _write(tmp_path / "list.csv", 50), source="party")
    before = _indexes(ws.conn)
    seen: list[set[str]] = []
    original = DeferredIndexes.restore

    def restore(self: DeferredIndexes) -> None:
        seen.append({name for name, _ in _indexes(ws.conn)})  # before the rebuild
        original(self)

    monkeypatch.setattr(DeferredIndexes, "restore", restore)
    ws.ledger.rebuild()
    assert len(seen) == 1
    assert "registry_reports_source" not in seen[0]
    assert _indexes(ws.conn) == before
    assert counts(ws.conn).reports == 50
    assert ws.ledger.verify().ok


def test_a_bulk_import_deletes_searched_tokens_by_index(
    ws: Workspace, tmp_path: Path, drops: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """New versions of reports the register has tokenised lose their old tokens
    through an index even while the read-only indexes are dropped (a scan per
    report made a large import into a searched workspace quadratic)."""
    from gawah.web._search import _DELETE_TOKENS, pending, refresh

    import_list(ws, _write(tmp_path / "first.csv", 300), source="party")
    assert refresh(ws.conn) == 300
    tokens = ws.conn.execute("SELECT count(*) FROM web_search_tokens").fetchone()[0]
    assert tokens > 300
    plans: list[str] = []
    original = DeferredIndexes.drop

    def drop(self: DeferredIndexes) -> int:
        dropped = original(self)
        plan = ws.conn.execute(f"EXPLAIN QUERY PLAN {_DELETE_TOKENS}", ("x",))
        plans.append(" ".join(str(row[3]) for row in plan))
        return dropped

    monkeypatch.setattr(DeferredIndexes, "drop", drop)
    changed = tmp_path / "changed.csv"
    with (tmp_path / "first.csv").open(encoding="utf-8", newline="") as fh:
        rows = [{**row, "village": "FICTIONAL elsewhere"} for row in csv.DictReader(fh)]
    with _write(tmp_path / "more.csv", 100, first=301).open(encoding="utf-8") as fh:
        rows += list(csv.DictReader(fh))
    with changed.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = import_list(ws, changed, source="party")
    assert (report.changed, report.added) == (300, 100)
    assert len(plans) == 1  # 400 events > the ledger's 301: the indexes were dropped
    assert "USING" in plans[0]
    assert "SCAN" not in plans[0]
    assert pending(ws.conn) == 400  # old tokens gone, new versions to tokenise
    stale = ws.conn.execute(
        "SELECT count(*) FROM web_search_tokens t JOIN web_search_reports r"
        " USING (report_id) WHERE r.pending = 1"
    ).fetchone()[0]
    assert stale == 0


def _triggers(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    return {(str(name), str(sql)) for name, sql in rows}


def _totals(conn: sqlite3.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT view, n FROM web_register_totals")
    return {str(view): int(n) for view, n in rows}


def test_a_bulk_import_counts_the_register_totals_once_as_the_triggers_would(
    ws: Workspace, tmp_path: Path, drops: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The totals' triggers are dropped with the indexes (no statement journal
    per row) and the totals recounted before the commit: the same totals as an
    import that kept its triggers, and the triggers count again afterwards."""
    triggers = _triggers(ws.conn)
    assert len(triggers) >= 5
    big = _write(tmp_path / "big.csv", 300)
    import_list(ws, big, source="party")
    assert len(drops) == 1
    assert _triggers(ws.conn) == triggers
    bulk = _totals(ws.conn)
    assert bulk == {"reports": 300, "persons": 300}

    kept = Workspace.init(tmp_path / "kept", author="FICTIONAL documenter")
    try:
        monkeypatch.setattr(importing_module, "_DEFER_INDEXES_AFTER", 10**9)
        import_list(kept, big, source="party")
        assert len(drops) == 1  # this one wrote row by row, triggers and all
        assert _totals(kept.conn) == bulk
    finally:
        kept.close()

    import_list(ws, _write(tmp_path / "more.csv", 20, first=301), source="party")
    assert len(drops) == 1
    assert _totals(ws.conn) == {"reports": 320, "persons": 320}
    assert ws.ledger.verify().ok


def test_a_failed_bulk_import_brings_the_totals_triggers_back(
    ws: Workspace, tmp_path: Path, drops: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    triggers = _triggers(ws.conn)
    totals = _totals(ws.conn)
    original = SyncProjector.apply_many

    def failing(
        self: SyncProjector, conn: sqlite3.Connection, chunk: list[Event]
    ) -> None:
        raise sqlite3.OperationalError("FICTIONAL failure")

    monkeypatch.setattr(SyncProjector, "apply_many", failing)
    with pytest.raises(sqlite3.OperationalError):
        import_list(ws, _write(tmp_path / "big.csv", 300), source="party")
    assert drops
    assert _triggers(ws.conn) == triggers
    assert _totals(ws.conn) == totals
    monkeypatch.setattr(SyncProjector, "apply_many", original)
    import_list(ws, _write(tmp_path / "small.csv", 30), source="party")
    assert _totals(ws.conn)["reports"] == totals["reports"] + 30
