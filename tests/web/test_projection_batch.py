"""The web projector's batched path leaves the tables that one event at a time does."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from gawah.registry import assign_persons, import_list, list_reports, record_incident
from gawah.testing.signer import fixed_seed
from gawah.web import _search
from gawah.web.projection import PROJECTOR
from gawah.workspace import Workspace

TABLES = (*_search.DROP, "web_history", "web_role_grants")
HEADERS = ["id", "name", "father", "urdu", "sex", "age", "status", "date", "district"]


def _dump(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {
        table: sorted(
            (tuple(row) for row in conn.execute(f"SELECT * FROM {table}")), key=repr
        )
        for table in TABLES
    }


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADERS, *rows])
    return path


def test_batch_equals_per_event_with_versions_and_assignments(tmp_path: Path) -> None:
    """Report runs go in together, but an assignment still sees the reports
    before it and a later version of a report still wins, in any order."""
    ws = Workspace.init(
        tmp_path / "ws", author="FICTIONAL documenter", key_seed=fixed_seed("web-b")
    )
    try:
        record_incident(ws, "FICTIONAL incident", incident_id="inc", date="2031")
        rows = [
            ["1", "Muhammad Usman", "Tariq", "محمد عثمان", "M", "25", "killed",
             "2031-03-26", "Rwp"],
            ["2", "Ayesha Bibi", "Aslam", "عائشہ", "F", "40", "injured",
             "2031-03-26", "Pindi"],
            ["3", "Mohd Bilal", "", "", "M", "27", "detained", "2031-03-26", "DIK"],
        ]  # fmt: skip
        import_list(
            ws, _write(tmp_path / "a.csv", rows), source="party", incident="inc"
        )
        ids = sorted(r.report_id for r in list_reports(ws.conn))
        assign_persons(ws, {"p1": ids[:2], "p2": ids[2:]}, run_id="r1", method="test")
        rows[0][1] = "Muhammad Usman Khan"  # a new version after the assignment
        rows[2][6] = "missing"
        import_list(
            ws, _write(tmp_path / "b.csv", rows), source="party", incident="inc"
        )
        events = list(ws.ledger.events())
    finally:
        ws.close()
    kinds = [e.kind for e in events]
    assert "persons.assigned" in kinds
    assert kinds.count("report.recorded") > len(rows)  # versions are there
    for order in (events, events[::-1], events[1::2] + events[::2]):
        for cut in range(1, len(order) + 1):
            one, many = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
            PROJECTOR.create(one)
            PROJECTOR.create(many)
            for event in order[:cut]:
                PROJECTOR.apply(one, event)
            PROJECTOR.apply_many(many, order[:cut])
            assert _dump(many) == _dump(one)
    full = _dump(many)  # every event, so every table has rows that were compared
    assert all(full[t] for t in ("web_persons", "web_history", "web_search_reports"))
