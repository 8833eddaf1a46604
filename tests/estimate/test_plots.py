"""The estimate figure: every kind of result draws without error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gawah.estimate import ChaoLowerBound, MSEResult
from gawah.estimate.plots import plot_estimate

PNG = b"\x89PNG\r\n\x1a\n"


class TestPlot:
    def test_refusal_is_drawn_with_its_reason(self, tmp_path: Path) -> None:
        """A refusal still gives a figure (the reason and the overlaps)."""
        from gawah.estimate import CaptureHistories

        caps = CaptureHistories(("a", "b"), np.eye(2, dtype=np.uint8), np.array([3, 4]))
        result = MSEResult.refusal(caps, method="x", reason="no overlap")
        out = plot_estimate(caps, result, tmp_path / "r.png")
        assert out.read_bytes()[:8] == PNG

    def test_posterior_draws_are_drawn(self, tmp_path: Path, simulate: Any) -> None:
        """A result with draws shows their histogram."""
        caps = simulate()
        draws = np.random.default_rng(3).normal(3000, 100, size=500)
        result = MSEResult(
            estimate=3000.0,
            lower=2800.0,
            upper=3200.0,
            level=0.95,
            method="bayes",
            model=None,
            n_observed=caps.n_observed,
            lists=caps.lists,
            seed=1,
            input_digest=caps.digest(),
            draws=draws,
        )
        assert plot_estimate(caps, result, tmp_path / "d.png").read_bytes()[:8] == PNG

    def test_lognormal_fallback(self, tmp_path: Path, simulate: Any) -> None:
        """Methods without a likelihood curve draw the log-normal of their interval."""
        caps = simulate()
        result = ChaoLowerBound().fit(caps)
        assert plot_estimate(caps, result, tmp_path / "c.png").read_bytes()[:8] == PNG
