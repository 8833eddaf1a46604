"""``gawah ledger rebuild`` over every domain's real projector."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gawah.workspace import Workspace


def _projection_tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Every non-ledger table's rows, sorted, as text (order-free comparison)."""
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'ledger_%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: sorted(
            repr(tuple(row)) for row in conn.execute(f'SELECT * FROM "{name}"')
        )
        for name in names
    }


class TestRebuildAllProjections:
    def test_rebuilt_tables_equal_incremental_ones(self, tmp_path: Path) -> None:
        """After importing FICTIONAL lists, a rebuild reproduces every projection."""
        registry = pytest.importorskip("gawah.registry")
        scenario = pytest.importorskip("gawah.testing.scenario")
        paths = scenario.write_csvs(scenario.generate(n_victims=60), tmp_path / "lists")
        with Workspace.init(tmp_path / "ws") as ws:
            assert ws.ledger.projectors, "no domain projector was discovered"
            for name, path in sorted(paths.items()):
                registry.import_list(ws, path, source=name)
            incremental = _projection_tables(ws.conn)
            replayed = ws.ledger.rebuild()
            rebuilt = _projection_tables(ws.conn)
            assert replayed == ws.ledger.count()
        filled = [name for name, rows in incremental.items() if rows]
        assert any(name.startswith("registry_") for name in filled)
        assert rebuilt == incremental
