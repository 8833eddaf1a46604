"""The simulation generator, and recovery of a known N by LCMCR (coverage)."""

from __future__ import annotations

import numpy as np
import pytest

from gawah.estimate.lcmcr import LCMCR
from gawah.testing.mse import ListDependence, simulate_captures

# Five lists, two latent classes: half the people are hard to document, half
# easy; about 9% of the 2,000 are on no list. The NPLCM is correctly specified.
_WEIGHTS = [0.5, 0.5]
_PROBS = [[0.25, 0.3, 0.2, 0.3, 0.25], [0.6, 0.7, 0.5, 0.6, 0.65]]
_N = 2000


def _coverage(replicates: int, estimator: dict[str, int]) -> float:
    hits = 0
    for r in range(replicates):
        sim = simulate_captures(
            _N, class_weights=_WEIGHTS, capture_probs=_PROBS, seed=1000 + r
        )
        result = LCMCR(seed=r, **estimator).fit(sim.captures)
        if result.lower is not None and result.upper is not None:
            hits += result.lower <= sim.n_total <= result.upper
    return hits / replicates


class TestGenerator:
    def test_truth_is_consistent(self) -> None:
        """Seen plus unseen is N, and class sizes add up to N."""
        sim = simulate_captures(
            _N, class_weights=_WEIGHTS, capture_probs=_PROBS, seed=1
        )
        assert sim.captures.n_observed + sim.n_unseen == _N
        assert sum(sim.class_sizes) == _N
        assert sim.captures.lists == ("L1", "L2", "L3", "L4", "L5")

    def test_capture_rates_follow_the_design(self) -> None:
        """Each list records about the share of people the design says."""
        n = 50_000
        sim = simulate_captures(n, class_weights=_WEIGHTS, capture_probs=_PROBS, seed=2)
        expected = np.asarray(_WEIGHTS) @ np.asarray(_PROBS)
        totals = np.array(list(sim.captures.list_totals().values())) / n
        np.testing.assert_allclose(totals, expected, atol=0.01)

    def test_dependence_raises_the_overlap(self) -> None:
        """A positive dependence of list 2 on list 1 makes their overlap larger."""
        kw = {"class_weights": [1.0], "capture_probs": [[0.3, 0.3, 0.3]], "seed": 3}
        plain = simulate_captures(20_000, **kw)
        linked = simulate_captures(20_000, dependence=[ListDependence(0, 1, 5.0)], **kw)

        def overlap(sim: object) -> int:
            cap = sim.captures  # type: ignore[attr-defined]
            both = (cap.patterns[:, 0] == 1) & (cap.patterns[:, 1] == 1)
            return int(cap.counts[both].sum())

        assert overlap(linked) > 1.5 * overlap(plain)

    def test_same_seed_same_population(self) -> None:
        """The generator is reproducible."""
        a = simulate_captures(500, class_weights=_WEIGHTS, capture_probs=_PROBS, seed=9)
        b = simulate_captures(500, class_weights=_WEIGHTS, capture_probs=_PROBS, seed=9)
        assert a == b

    def test_rejects_inconsistent_design(self) -> None:
        """Probabilities outside [0, 1] or mismatched shapes are refused."""
        with pytest.raises(ValueError, match="K x J"):
            simulate_captures(10, class_weights=[1.0], capture_probs=[[0.2], [0.3]])
        with pytest.raises(ValueError, match="probabilities"):
            simulate_captures(10, class_weights=[1.0], capture_probs=[[1.2, 0.3, 0.2]])


class TestRecovery:
    def test_intervals_cover_the_truth_ci(self) -> None:
        """20 replicates with short chains: the 95% interval covers N in >= 80%.

        Why the lower bar: with 20 replicates the coverage estimate itself has a
        standard error of about 5 points (a sampler with true 95% coverage falls
        below 85% in about 1 run in 20, below 80% in under 1 in 100), and short
        chains add Monte Carlo noise and occasional convergence refusals (R-hat,
        effective sample size), which count as misses here. The slow test below
        holds the issue's bar of 90%.
        """
        settings = {"burnin": 2000, "samples": 1000, "thinning": 10, "chains": 2}
        assert _coverage(20, settings) >= 0.80

    @pytest.mark.slow
    def test_intervals_cover_the_truth(self) -> None:
        """200 replicates: the 95% interval covers N in at least 90% of them."""
        settings = {"burnin": 5000, "samples": 2000, "thinning": 10, "chains": 2}
        assert _coverage(200, settings) >= 0.90
