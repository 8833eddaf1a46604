"""MSEResult: JSON round trip, refusals, summaries."""

from __future__ import annotations

import numpy as np
import pytest

from gawah.errors import NotEstimable
from gawah.estimate import CaptureHistories, MSEResult


def _caps() -> CaptureHistories:
    return CaptureHistories(
        ("a", "b"), np.array([[1, 0], [0, 1], [1, 1]]), np.array([5, 4, 2])
    )


class TestResult:
    def test_json_roundtrip_with_draws(self) -> None:
        """A result with posterior draws survives JSON when draws are included."""
        caps = _caps()
        result = MSEResult(
            estimate=20.0,
            lower=15.0,
            upper=30.0,
            level=0.95,
            method="x",
            model="m",
            n_observed=caps.n_observed,
            lists=caps.lists,
            seed=3,
            input_digest=caps.digest(),
            diagnostics={"k": np.int64(2), "v": (1.5, np.float64(2.5))},
            draws=np.array([18.0, 20.0, 22.0]),
        )
        assert MSEResult.from_json(result.to_json(draws=True)) == result
        assert MSEResult.from_json(result.to_json()) == result.without_draws()
        assert '"draws_summary"' in result.to_json()

    def test_refusal_has_no_numbers_and_a_reason(self) -> None:
        """A refusal carries nulls, the reason, and raises NotEstimable on demand."""
        refusal = MSEResult.refusal(_caps(), method="x", reason="no overlap")
        assert refusal.refused
        assert refusal.interval == (None, None)
        assert "No estimate: no overlap" in refusal.summary()
        with pytest.raises(NotEstimable, match="no overlap"):
            refusal.raise_if_refused()
        assert MSEResult.from_json(refusal.to_json()) == refusal

    def test_non_finite_numbers_become_none(self) -> None:
        """Infinite or NaN numbers are never reported as estimates."""
        caps = _caps()
        result = MSEResult(
            estimate=float("inf"),
            lower=float("nan"),
            upper=None,
            level=0.95,
            method="x",
            model=None,
            n_observed=caps.n_observed,
            lists=caps.lists,
            seed=None,
            input_digest=caps.digest(),
        )
        assert result.estimate is None
        assert result.lower is None
        assert "no finite estimate" in (result.reason or "")

    def test_a_refusal_without_a_reason_cannot_be_built(self) -> None:
        """No number and no reason is a programming error, caught at construction."""
        caps = _caps()
        with pytest.raises(ValueError, match="reason"):
            MSEResult.fitted(
                caps,
                estimate=None,
                lower=None,
                upper=None,
                method="x",
                model=None,
                level=0.95,
                seed=None,
            )

    def test_warnings_are_top_level_in_json(self) -> None:
        """Warnings sit in the JSON's top-level list as well as in the diagnostics."""
        caps = _caps()
        result = MSEResult.fitted(
            caps,
            estimate=float(caps.n_observed + 5),
            lower=float(caps.n_observed),
            upper=float(caps.n_observed + 9),
            method="x",
            model=None,
            level=0.95,
            seed=None,
            diagnostics={"warnings": ["sparse cells"]},
        )
        assert result.warnings == ("sparse cells",)
        assert result.to_dict()["warnings"] == ["sparse cells"]
