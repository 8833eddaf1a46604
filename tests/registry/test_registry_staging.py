"""An import holds its payloads until every row is checked, then writes them in
report-id order (:mod:`gawah.registry.staging`): every table keyed by report id
is then written from left to right, and the time per row no longer grows with
the workspace. All data is FICTIONAL."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest

from gawah.registry import counts, import_list
from gawah.registry import staging as staging_module
from gawah.registry.models import REPORT_RECORDED
from gawah.registry.staging import SortedStage
from gawah.testing.scenario import big_list_rows
from gawah.workspace import Workspace


def _write(path: Path, rows: int, *, first: int = 1) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for n, row in enumerate(big_list_rows(first + rows - 1, seed=7), 1):
            if n < first:
                continue
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path


def _imported_report_ids(ws: Workspace, after: int) -> list[str]:
    return [
        str(e.payload["report_id"])
        for e in ws.ledger.events(after, kind=REPORT_RECORDED)
    ]


@pytest.mark.parametrize("in_memory", [True, False])
def test_reports_are_written_in_report_id_order(
    ws: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    in_memory: bool,
) -> None:
    if not in_memory:  # a few hundred rows go through the scratch database
        monkeypatch.setattr(staging_module, "_IN_MEMORY", 50)
        monkeypatch.setattr(staging_module, "_BATCH", 16)
    start = ws.ledger.count()
    report = import_list(ws, _write(tmp_path / "list.csv", 300), source="party")
    ids = _imported_report_ids(ws, start)
    assert report.added == 300
    assert len(ids) == 300
    assert len(set(ids)) == 300
    assert ids == sorted(ids)
    assert counts(ws.conn).reports == 300
    assert not list(ws.home.glob(".import-stage-*"))
    assert ws.ledger.verify().ok


def test_a_later_release_is_written_in_order_and_updates_the_same_reports(
    ws: Workspace, tmp_path: Path
) -> None:
    import_list(ws, _write(tmp_path / "a.csv", 200), source="party")
    start = ws.ledger.count()
    second = _write(tmp_path / "b.csv", 250, first=101)  # 100 held, 150 new
    with second.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("village")] = "FICTIONAL new village"
    with second.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = import_list(ws, second, source="party")
    ids = _imported_report_ids(ws, start)
    assert (report.added, report.changed) == (150, 1)
    assert ids == sorted(ids)
    assert len(ids) == 151
    assert counts(ws.conn).reports == 350
    assert ws.ledger.verify().ok


def test_the_scratch_database_is_private_and_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging_module, "_IN_MEMORY", 4)
    monkeypatch.setattr(staging_module, "_BATCH", 2)
    with SortedStage(tmp_path) as stage:
        for n in (5, 3, 9, 1, 7, 2):
            stage.add(
                f"rep-{n}", {"report_id": f"rep-{n}", "n": n, "name": "FICTIONAL"}
            )
        (scratch,) = tmp_path.glob(".import-stage-*")
        assert stat.S_IMODE(scratch.stat().st_mode) == 0o600
        got = [p["n"] for p in stage.in_order()]
    assert got == [1, 2, 3, 5, 7, 9]
    assert not list(tmp_path.glob(".import-stage-*"))
