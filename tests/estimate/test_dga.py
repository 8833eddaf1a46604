"""DGA: model averaging over decomposable graphs, checked against dga 2.0.2."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from gawah.estimate import CaptureHistories
from gawah.estimate.dga import DGA, decomposable_graphs

# Every dataset with 3 to 5 lists in REFERENCE.json. The two with the largest
# grids (N_missing up to 110k and 659k) take 4 s and 25 s: slow only.
_FAST = [
    "kosovo",
    "rcapture_hiv",
    "rcapture_lesbian",
    "new_orleans_5",
    "us_western",
    "artificial_3",
    "madigan_york_5list",
    "madigan_york_3list",
]
_SLOW = ["uk_dat_5", "netherlands_5"]
_PRIORS = [("dga_delta_2pow_minus_p", None), ("dga_delta_1", 1.0)]


def _has_chordless_cycle(p: int, edges: tuple[tuple[int, int], ...]) -> bool:
    """Brute force: some 4+ vertex subset induces exactly a cycle."""
    es = set(edges)
    for size in range(4, p + 1):
        for sub in itertools.combinations(range(p), size):
            induced = [
                (a, b) for a, b in itertools.combinations(sub, 2) if (a, b) in es
            ]
            degrees = [sum(v in e for e in induced) for v in sub]
            if len(induced) == size and all(d == 2 for d in degrees):
                # a 2-regular graph on `size` vertices is one cycle or several;
                # for size <= 5 several cycles would need >= 6 vertices
                return True
    return False


def _check(result: Any, ref: dict[str, Any]) -> None:
    for ours, theirs in (
        (result.estimate, ref["estimate"]),
        (result.lower, ref["lower"]),
        (result.upper, ref["upper"]),
    ):
        assert ours == pytest.approx(theirs, rel=0.03)


class TestGraphs:
    def test_counts_match_the_package(self) -> None:
        """There are 8, 61 and 822 decomposable graphs on 3, 4 and 5 lists."""
        assert [len(decomposable_graphs(p)) for p in (3, 4, 5)] == [8, 61, 822]

    @pytest.mark.parametrize("p", [4, 5])
    def test_kept_graphs_are_exactly_the_chordal_ones(self, p: int) -> None:
        """A graph is kept if and only if it has no chordless cycle of 4 or more."""
        kept = set(decomposable_graphs(p))
        pairs = list(itertools.combinations(range(p), 2))
        for size in range(len(pairs) + 1):
            for edges in itertools.combinations(pairs, size):
                assert (edges in kept) != _has_chordless_cycle(p, edges)


class TestAgainstR:
    @pytest.mark.parametrize(("key", "delta"), _PRIORS)
    @pytest.mark.parametrize("name", _FAST)
    def test_matches_dga(
        self,
        name: str,
        key: str,
        delta: float | None,
        reference: Any,
        load_dataset: Any,
    ) -> None:
        """Median and interval ends are within 3% of dga on the same grid rule."""
        ref = reference[name][key]
        result = DGA(prior_delta=delta).fit(load_dataset(name))
        _check(result, ref)
        assert result.diagnostics["max_missing"] == ref["max_Nmissing"]
        top = result.diagnostics["top_graphs"][0]["posterior"]
        assert top == pytest.approx(ref["top_model_posterior_probs"][0], abs=1e-6)

    @pytest.mark.slow
    @pytest.mark.parametrize(("key", "delta"), _PRIORS)
    @pytest.mark.parametrize("name", _SLOW)
    def test_matches_dga_large_grids(
        self,
        name: str,
        key: str,
        delta: float | None,
        reference: Any,
        load_dataset: Any,
    ) -> None:
        """The heavy-tailed five-list sets agree with dga as well."""
        ref = reference[name][key]
        _check(DGA(prior_delta=delta).fit(load_dataset(name)), ref)


class TestBehaviour:
    def test_list_order_does_not_matter(self, load_dataset: Any) -> None:
        """Permuting the lists gives the same posterior summaries and draws."""
        data = load_dataset("madigan_york_5list")
        a = DGA().fit(data)
        b = DGA().fit(data.reorder(reversed(data.lists)))
        assert (a.estimate, a.lower, a.upper) == (b.estimate, b.lower, b.upper)
        assert a.draws is not None
        assert b.draws is not None
        assert np.array_equal(a.draws, b.draws)

    def test_default_prior_reports_delta_one_sensitivity(
        self, load_dataset: Any
    ) -> None:
        """With the default prior the delta = 1 answer is shown beside it."""
        result = DGA().fit(load_dataset("kosovo"))
        alt = result.diagnostics["prior_sensitivity"]["delta_1"]
        assert alt["estimate"] == 4616
        assert result.estimate == 12595

    def test_heavy_tail_warns(self, load_dataset: Any) -> None:
        """Lists that never overlap leave mass at the grid's end, and the result says so."""
        result = DGA().fit(load_dataset("artificial_3"))
        assert any("grid" in w for w in result.diagnostics["warnings"])

    @pytest.mark.parametrize("t", [2, 6])
    def test_refuses_outside_three_to_five_lists(self, t: int) -> None:
        """Two lists or six lists give a reasoned refusal, not a number."""
        rng = np.random.default_rng(t)
        patterns = np.array(
            [row for row in itertools.product([0, 1], repeat=t) if any(row)]
        )
        counts = rng.integers(1, 20, size=len(patterns))
        data = CaptureHistories(tuple(f"L{j}" for j in range(t)), patterns, counts)
        result = DGA().fit(data)
        assert result.refused
        assert "lists" in (result.reason or "")

    def test_draws_follow_the_posterior(self, load_dataset: Any) -> None:
        """The attached draws have the exact posterior median within sampling error."""
        result = DGA(n_draws=20_000).fit(load_dataset("madigan_york_3list"))
        assert result.draws is not None
        assert np.median(result.draws) == pytest.approx(result.estimate, abs=3)
