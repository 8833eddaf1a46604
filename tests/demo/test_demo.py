"""``gawah demo`` builds the fictional workspace through the real import, once."""

from __future__ import annotations

import csv
from pathlib import Path

from gawah.demo import build_demo_workspace
from gawah.registry import counts, list_reports
from gawah.testing.scenario import generate
from gawah.workspace import Workspace


class TestDemo:
    def test_builds_and_is_idempotent(self, tmp_path: Path) -> None:
        """Every generated row becomes a report; building again adds nothing."""
        home = tmp_path / "demo"
        first = build_demo_workspace(home)
        scenario = generate()
        expected = sum(len(x.rows) for x in scenario.lists)
        assert first.created
        assert first.reports == expected
        assert sum(x.added for x in first.lists) == expected
        second = build_demo_workspace(home)
        assert not second.created
        assert sum(x.added for x in second.lists) == 0
        assert (second.events, second.state_digest) == (
            first.events,
            first.state_digest,
        )
        with Workspace.open(home) as ws:
            c = counts(ws.conn)
            assert (c.incidents, c.sources) == (1, 4)
            reports = list_reports(ws.conn)
            assert all(r.incident_id == "qaumi-chowk" for r in reports)
            assert all(r.extra.get("fictional") == "FICTIONAL" for r in reports)
        with first.ground_truth.open(encoding="utf-8", newline="") as fh:
            truth = list(csv.DictReader(fh))
        assert len(truth) == expected
