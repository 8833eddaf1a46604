"""Plausible clusterings from the review band, and the mixture over them (FICTIONAL)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gawah.cli import app
from gawah.demo import build_demo_workspace
from gawah.estimate import CaptureHistories, MSEResult
from gawah.estimate.linkage_doubt import clustering_draws, combine
from gawah.linkage import link_workspace
from gawah.workspace import Workspace

PERSONS = {"a": "P1", "b": "P1", "c": "P2", "d": "P3"}


class TestClusteringDraws:
    def test_certain_pairs_keep_or_join(self) -> None:
        """p = 1 keeps a link and joins two persons; p = 0 splits a link, never joins."""
        sure = clustering_draws(PERSONS, [("a", "b", 1.0), ("c", "d", 1.0)], 20, 1)
        assert all(d["a"] == d["b"] and d["c"] == d["d"] for d in sure)
        never = clustering_draws(PERSONS, [("a", "b", 0.0), ("c", "d", 0.0)], 20, 1)
        assert all(d["a"] != d["b"] and d["c"] != d["d"] for d in never)

    def test_frequency_follows_the_probability(self) -> None:
        """A pair at p = 0.3 is one person in about 30% of the draws."""
        draws = clustering_draws(PERSONS, [("c", "d", 0.3)], 2000, 7)
        share = np.mean([d["c"] == d["d"] for d in draws])
        assert share == pytest.approx(0.3, abs=0.04)
        assert all(d["a"] == d["b"] for d in draws)  # not in doubt, untouched


def _result(n: int, est: float | None, lo: float | None, hi: float | None) -> MSEResult:
    caps = CaptureHistories(
        ("A", "B"), np.array([[1, 0], [0, 1], [1, 1]]), np.array([n - 20, 10, 10])
    )
    if est is None:
        return MSEResult.refusal(caps, method="x", reason="test")
    return MSEResult.fitted(
        caps,
        estimate=est,
        lower=lo,
        upper=hi,
        method="x",
        model=None,
        level=0.95,
        seed=None,
    )


class TestCombine:
    def test_mixture_is_at_least_as_wide_as_its_parts(self) -> None:
        """Clusterings that disagree give an interval spanning them."""
        parts = [_result(90, 100, 92, 110), _result(100, 112, 102, 125)]
        combined = combine(parts, parts[0], seed=1)
        assert combined.lower is not None
        assert combined.upper is not None
        assert combined.lower < 95
        assert combined.upper > 115

    def test_one_clustering_keeps_its_own_interval(self) -> None:
        """A lopsided interval is reproduced, not given a heavier upper tail."""
        part = _result(90, 95, 92, 189)
        combined = combine([part] * 30, part, seed=3)
        assert combined.lower == pytest.approx(92, abs=1.0)
        assert combined.upper == pytest.approx(189, rel=0.08)

    def test_refused_clusterings_count_against(self) -> None:
        """Many refusals leave the upper end unbounded: a reasoned refusal."""
        parts = [_result(90, 100, 92, 110)] * 5 + [_result(90, None, None, None)] * 2
        combined = combine(parts, parts[0], seed=1)
        assert combined.refused
        assert "2 of 7" in (combined.reason or "")


def test_cli_shows_both_intervals(tmp_path: Path) -> None:
    """`--linkage-draws` adds the interval with linkage doubt to the JSON."""
    home = tmp_path / "demo"
    summary = build_demo_workspace(home)
    with Workspace.open(home) as ws:
        link_workspace(ws)
    args = ["estimate", "--home", str(home), "--incident", summary.incident_id]
    result = CliRunner().invoke(
        app,
        [
            *args,
            "--status",
            "killed",
            "--method",
            "chao",
            "--linkage-draws",
            "5",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    doubt = payload["with_linkage_doubt"]
    assert doubt["diagnostics"]["linkage_draws"] == 5
    assert len(doubt["diagnostics"]["draw_estimates"]) == 5
    if doubt["estimate"] is not None:
        assert doubt["lower"] <= doubt["estimate"] <= doubt["upper"]
    else:
        assert doubt["diagnostics"]["reason"]
