"""Plausible clusterings from the review band, and the mixture over them (FICTIONAL)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gawah.cli import app
from gawah.estimate import CaptureHistories, MSEResult
from gawah.estimate.linkage_doubt import (
    clustering_draws,
    combine,
    with_linkage_doubt,
)
from gawah.linkage import DEFAULT_REVIEW_LOW, doubt_graph
from gawah.workspace import Workspace

from .conftest import LinkedDemo

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

    def test_a_split_moves_a_whole_core(self) -> None:
        """Cores {a, b} and {c} of one person, linked at 0.8: c leaves in about 20%."""
        persons = {"a": "P1", "b": "P1", "c": "P1", "d": "P2"}
        draws = clustering_draws(
            persons, [("b", "c", 0.8)], 2000, 5, cores=[["a", "b"], ["c"]]
        )
        assert all(d["a"] == d["b"] for d in draws)  # a core never breaks
        apart = np.mean([d["c"] != d["a"] for d in draws])
        assert apart == pytest.approx(0.2, abs=0.03)
        assert all(d["d"] not in (d["a"], d["c"]) for d in draws)

    def test_a_join_takes_both_whole_persons(self) -> None:
        """A pair below the band joins two persons of several reports, or neither."""
        persons = {"a": "P1", "b": "P1", "c": "P2", "d": "P2"}
        draws = clustering_draws(persons, [("b", "c", 0.1)], 3000, 9, cores=[])
        together = np.mean([len(set(d.values())) == 1 for d in draws])
        assert together == pytest.approx(0.1, abs=0.02)
        assert all(d["a"] == d["b"] and d["c"] == d["d"] for d in draws)

    def test_cores_no_pair_connects_stay_together(self) -> None:
        """Two cores of a person with no pair between them: joined on other grounds."""
        persons = {"a": "P1", "b": "P1", "c": "P1"}
        draws = clustering_draws(
            persons, [("a", "b", 0.0)], 50, 2, cores=[["a"], ["b"], ["c"]]
        )
        # a-b never drawn, but c holds to one of them: at most two persons.
        assert all(len(set(d.values())) == 2 for d in draws)


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

    def test_few_refusals_bound_the_interval_with_a_warning(self) -> None:
        """1 refusal in 60 (under 2.5%): bounded, wider than without, and said."""
        answers = [_result(90, 100, 92, 110)] * 59
        without = combine([*answers, answers[0]], answers[0], seed=1)
        parts = [*answers, _result(90, None, None, None)]
        combined = combine(parts, parts[0], seed=1)
        assert not combined.refused
        assert combined.upper is not None
        assert without.upper is not None
        assert combined.upper > without.upper
        assert any("1 of 60" in w for w in combined.warnings)

    def test_refused_clusterings_count_against(self) -> None:
        """Many refusals leave the upper end unbounded: a reasoned refusal."""
        parts = [_result(90, 100, 92, 110)] * 5 + [_result(90, None, None, None)] * 2
        combined = combine(parts, parts[0], seed=1)
        assert combined.refused
        assert "2 of 7" in (combined.reason or "")


class _RefusesOnce:
    """An estimator that refuses on its second fit (the first is the plain one)."""

    def __init__(self) -> None:
        self.calls = 0

    def fit(self, captures: CaptureHistories) -> MSEResult:
        self.calls += 1
        if self.calls == 2:
            return MSEResult.refusal(captures, method="stub", reason="test")
        n = captures.n_observed
        return MSEResult.fitted(
            captures,
            estimate=n + 5.0,
            lower=n + 1.0,
            upper=n + 15.0,
            method="stub",
            model=None,
            level=0.95,
            seed=None,
        )


@pytest.fixture(scope="module")
def linked_demo(
    linked_demo_once: LinkedDemo, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    home = linked_demo_once.copy(tmp_path_factory.mktemp("doubt"))
    return home, linked_demo_once.incident_id


def test_a_refusal_is_measured_on_more_clusterings(
    linked_demo: tuple[Path, str],
) -> None:
    """One refusal in the first 5 draws: up to 50 are drawn, and 1 in 50 is bounded."""
    home, incident = linked_demo
    with Workspace.open(home) as ws:
        graph = doubt_graph(ws)
        out = with_linkage_doubt(
            ws, _RefusesOnce(), incident=incident, n_draws=5, max_draws=50, seed=3
        )
    assert graph is not None
    assert graph.pairs
    assert all(p < DEFAULT_REVIEW_LOW for _, _, p in graph.pairs)
    assert out.draws == 50
    assert out.combined.diagnostics["linkage_refusals"] == 1
    assert not out.combined.refused
    assert any("1 of 50" in w for w in out.combined.warnings)


def test_cli_shows_both_intervals(linked_demo: tuple[Path, str]) -> None:
    """`--linkage-draws` adds the interval with linkage doubt to the JSON."""
    home, incident = linked_demo
    args = ["estimate", "--home", str(home), "--incident", incident]
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
