"""A workspace made before the sync projector existed still verifies after upgrade."""

from __future__ import annotations

from pathlib import Path

from gawah.linkage import decide
from gawah.registry import import_rows
from gawah.sync import conflicts
from gawah.workspace import Workspace, discover_projectors


def test_sync_tables_are_filled_from_the_events_held(tmp_path: Path) -> None:
    before_sync = [p for p in discover_projectors() if p.name != "sync"]
    home = tmp_path / "old"
    with Workspace.init(home, author="FICTIONAL", projectors=before_sync) as ws:
        import_rows(
            ws, ["record_id", "full_name", "status"],
            [["1", "FICTIONAL Amna", "killed"], ["2", "FICTIONAL Amna B", "killed"]],
            source="FICTIONAL list",
        )  # fmt: skip
        ids = sorted(
            str(r[0]) for r in ws.conn.execute("SELECT report_id FROM registry_reports")
        )
        decide(ws, (ids[0], ids[1]), "match", "FICTIONAL reviewer")
    with Workspace.open(home) as ws:
        assert (
            ws.conn.execute("SELECT count(*) FROM sync_report_versions").fetchone()[0]
            == 2
        )
        assert ws.conn.execute("SELECT count(*) FROM sync_decisions").fetchone()[0] == 1
        report = ws.ledger.verify()
        assert report.ok, report.tables
        assert conflicts(ws.conn) == []
        ws.ledger.rebuild()
        assert ws.ledger.verify().ok
