"""Log-linear intervals cover a known total when the model is right (simulation).

FICTIONAL populations from ``gawah.testing.mse``: independent lists (Mt is the
true model) and a direct dependence of list 2 on list 1 (``[12,3,4]`` is the
true model). CI runs a few dozen replicates; ``-m slow`` runs 200.
"""

from __future__ import annotations

import pytest

from gawah.estimate import LogLinearMSE
from gawah.testing.mse import ListDependence, simulate_captures

PROBS = [[0.25, 0.2, 0.3, 0.15]]


def _coverage(model: str, replicates: int, dependent: bool) -> float:
    deps = [ListDependence(source=0, target=1, odds_ratio=3.0)] if dependent else []
    hits = 0
    for seed in range(replicates):
        sim = simulate_captures(
            2000, class_weights=[1.0], capture_probs=PROBS, dependence=deps, seed=seed
        )
        result = LogLinearMSE(model=model).fit(sim.captures)
        assert result.lower is not None
        assert result.upper is not None
        hits += result.lower <= sim.n_total <= result.upper
    return hits / replicates


class TestCoverage:
    @pytest.mark.parametrize(
        ("model", "dependent"), [("Mt", False), ("[12,3,4]", True)]
    )
    def test_small_study(self, model: str, dependent: bool) -> None:
        """In 30 replicates the 95% interval covers the truth at least 80% of the time."""
        assert _coverage(model, 30, dependent) >= 0.8

    @pytest.mark.slow
    @pytest.mark.parametrize(
        ("model", "dependent"), [("Mt", False), ("[12,3,4]", True)]
    )
    def test_full_study(self, model: str, dependent: bool) -> None:
        """In 200 replicates the 95% interval covers the truth at least 90% of the time."""
        assert _coverage(model, 200, dependent) >= 0.9

    def test_ignoring_dependence_misses(self) -> None:
        """Fitting Mt when list 2 copies list 1 gives intervals that mostly miss."""
        assert _coverage("Mt", 20, dependent=True) < 0.5
