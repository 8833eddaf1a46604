"""A workspace made before the sync projector existed still verifies after upgrade."""

from __future__ import annotations

from pathlib import Path

from gawah.linkage import decide
from gawah.registry import assign_persons, import_rows, person_of_report
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


def test_tables_of_what_is_shown_are_filled_in_an_older_workspace(
    tmp_path: Path,
) -> None:
    """The assignment tables (registry) and the shown versions (web) came later:
    a workspace without them fills them from its events and still verifies."""
    home = tmp_path / "old"
    with Workspace.init(home, author="FICTIONAL") as ws:
        import_rows(
            ws, ["record_id", "full_name", "age"],
            [["1", "FICTIONAL Amna", "30"], ["2", "FICTIONAL Amna B", "31"]],
            source="FICTIONAL list",
        )  # fmt: skip
        import_rows(
            ws, ["record_id", "full_name", "age"], [["1", "FICTIONAL Amna", "32"]],
            source="FICTIONAL list",
        )  # fmt: skip
        ids = sorted(
            str(r[0]) for r in ws.conn.execute("SELECT report_id FROM registry_reports")
        )
        assign_persons(ws, {"p1": ids}, "run-1", "FICTIONAL")
        assign_persons(ws, {"p1": ids[:1], "p2": ids[1:]}, "run-2", "FICTIONAL")
        before = ws.projection_digests()
        later = (
            "registry_assignments",
            "registry_assignment_links",
            "registry_head_persons",
            "web_shown_reports",
            "web_shown_persons",
        )
        for table in later:
            ws.conn.execute(f"DROP TABLE {table}")
    with Workspace.open(home) as ws:
        assert ws.projection_digests() == before
        assert person_of_report(ws.conn) == {ids[0]: "p1", ids[1]: "p2"}
        report = ws.ledger.verify()
        assert report.ok, report.tables
        ws.ledger.rebuild()
        assert ws.projection_digests() == before
        assert ws.ledger.verify().ok
