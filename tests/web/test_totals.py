"""The register's totals, kept by the web projector, equal a fresh count.

The first register page shows how many reports and persons there are; at a
million reports counting them took seconds, so the projector keeps the totals
as rows come and go. Whatever wrote the rows, in whatever order, they must be
what counting the rows now gives.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from gawah.ledger import Event
from gawah.registry import assign_persons, import_list, list_reports
from gawah.web import _search
from gawah.web.projection import PERSONS_ASSIGNED, PROJECTOR, REPORT_RECORDED
from gawah.workspace import Workspace


def _counted(conn: sqlite3.Connection) -> tuple[int, int]:
    """(reports, persons) counted row by row, as the register once did."""
    reports = conn.execute("SELECT count(*) FROM web_search_reports").fetchone()[0]
    persons = conn.execute(
        "SELECT count(*) FROM web_person_keys WHERE lead = 1"
    ).fetchone()[0]
    return int(reports), int(persons)


def _kept(conn: sqlite3.Connection) -> tuple[int, int]:
    return _search.view_total(conn, "reports"), _search.view_total(conn, "persons")


def _shown(conn: sqlite3.Connection) -> tuple[int, int]:
    """The totals the unfiltered register pages show."""
    return _search.search(conn).total, _search.search_persons(conn).total


def test_totals_equal_a_fresh_count_whatever_the_order_of_events(
    template_home: Path,
) -> None:
    """New reports, later versions (edits), versions arriving late, and
    assignments that regroup persons: one event at a time or in chunks, in
    several orders, the kept totals are the counted ones."""
    with Workspace.open(template_home, checkpoint_on_close=False) as ws:
        events = list(ws.ledger.events())
    reports = [e for e in events if e.kind == REPORT_RECORDED]
    assigned = [e for e in events if e.kind == PERSONS_ASSIGNED]
    assert len(reports) > 10
    assert assigned
    # Edits: later versions of some reports; one more assignment that puts the
    # first reports together as one person (the others each alone).
    edits = [_version(e, 2, "edited") for e in reports[:5]]
    regroup = _assignment(
        assigned[-1], [e.payload["report_id"] for e in reports[:4]], generation=9
    )
    extended = [*events, *edits, regroup]
    orders = (extended, extended[::-1], extended[1::2] + extended[::2])
    seen_linked = False
    for order in orders:
        for cut in sorted({1, 7, len(order) // 3, len(order) // 2, len(order)}):
            for batched in (False, True):
                conn = sqlite3.connect(":memory:", isolation_level=None)
                PROJECTOR.create(conn)
                if batched:
                    PROJECTOR.apply_many(conn, list(order[:cut]))
                else:
                    for event in order[:cut]:
                        PROJECTOR.apply(conn, event)
                counted = _counted(conn)
                assert _kept(conn) == counted
                assert _shown(conn) == counted
                seen_linked = seen_linked or counted[1] < counted[0]
                conn.close()
    assert seen_linked  # some cut grouped reports into fewer persons


def _version(event: Event, version: int, note: str) -> Event:
    payload = {**event.payload, "version": version}
    payload["full_name"] = f"{payload.get('full_name') or ''} {note}".strip()
    return _with(event, payload, f"{event.id[:-8]}{version:08d}")


def _assignment(event: Event, together: list[str], generation: int) -> Event:
    payload = {
        **event.payload,
        "generation": generation,
        "run_id": "FICTIONAL regroup",
        "assignments": [{"person_id": "per-together", "report_ids": together}],
    }
    return _with(event, payload, event.id[:-8] + "ffffffff")


def _with(event: Event, payload: dict[str, object], event_id: str) -> Event:
    import dataclasses

    return dataclasses.replace(event, payload=payload, id=event_id)


def _write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["record_id", "full_name", "status"])
        out.writerows(rows)
    return path


def test_totals_follow_imports_releases_linkage_and_a_rebuild(tmp_path: Path) -> None:
    """Through the registry: two lists, a second release that changes and adds
    reports, linkage, a rebuild of every projection, and a workspace indexed
    before the totals existed (counted once as it opens)."""
    home = tmp_path / "ws"
    first = [(f"a{i}", f"FICTIONAL Person {i}", "killed") for i in range(12)]
    second = [(f"b{i}", f"FICTIONAL Other {i}", "injured") for i in range(5)]
    release = [(r, f"{n} Khan", s) for r, n, s in first[:6]] + [
        ("a99", "FICTIONAL Newcomer", "killed")
    ]
    with Workspace.init(home, author="FICTIONAL tester") as ws:
        import_list(
            ws, _write(tmp_path / "a1.csv", first), source="list a", release="r1"
        )
        assert _kept(ws.conn) == _counted(ws.conn) == _shown(ws.conn) == (12, 12)
        import_list(ws, _write(tmp_path / "b.csv", second), source="list b")
        assert _kept(ws.conn) == _counted(ws.conn) == (17, 17)
        import_list(
            ws, _write(tmp_path / "a2.csv", release), source="list a", release="r2"
        )
        versions = [r.version for r in list_reports(ws.conn)]
        assert versions.count(2) == 6  # six edited in place, not added again
        assert _kept(ws.conn) == _counted(ws.conn) == _shown(ws.conn) == (18, 18)
        ids = sorted(r.report_id for r in list_reports(ws.conn))
        assign_persons(ws, {"per-1": ids[:3], "per-2": ids[3:5]}, "run-1", "truth")
        assert _kept(ws.conn) == _counted(ws.conn) == _shown(ws.conn) == (18, 15)
        assign_persons(ws, {"per-3": ids[:2]}, "run-2", "truth")
        assert _kept(ws.conn) == _counted(ws.conn) == _shown(ws.conn) == (18, 17)
        ws.ledger.rebuild()
        assert _kept(ws.conn) == _counted(ws.conn) == (18, 17)
        # As a workspace indexed by an earlier version: no totals kept yet.
        ws.conn.execute(f"DROP TABLE {_search.TOTALS}")
        for trigger in _search._TOTAL_TRIGGERS:
            ws.conn.execute(f"DROP TRIGGER {trigger}")
    with Workspace.open(home, check=False) as ws:
        assert _kept(ws.conn) == _counted(ws.conn) == _shown(ws.conn) == (18, 17)
