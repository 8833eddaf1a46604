"""The log-linear engine: model enumeration, batched IRLS, two-list methods."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from gawah.errors import UserInputError
from gawah.estimate import CaptureHistories, ChaoLowerBound, LogLinearMSE, PetersenMSE
from gawah.estimate._glm import fit_poisson, fit_poisson_batch
from gawah.estimate._hierarchical import HierarchicalSpace, parse_model_name


class TestEnumeration:
    @pytest.mark.parametrize(
        ("t", "order", "count"), [(3, 2, 8), (4, 3, 113), (5, 4, 6893), (6, 2, 32768)]
    )
    def test_model_counts_match_closedpMS(self, t: int, order: int, count: int) -> None:
        """The number of hierarchical models equals closedpMS.t's."""
        masks, names = HierarchicalSpace(t, order).masks()
        assert masks.shape[0] == count
        assert len(set(names)) == count

    def test_names_roundtrip(self) -> None:
        """Every model name parses back to the same column mask."""
        space = HierarchicalSpace(4, 3)
        masks, names = space.masks()
        for mask, name in zip(masks, names, strict=True):
            assert np.array_equal(space.mask_of(name), mask)

    def test_parse_closes_under_subsets(self) -> None:
        """[123,4] contains every pair inside 123 and every main effect."""
        terms = parse_model_name("[123,4]", 4)
        assert (0, 1) in terms
        assert (1, 2) in terms
        assert (3,) in terms
        assert (0, 3) not in terms


class TestIrls:
    def test_matches_statsmodels(self, simulate: Any) -> None:
        """Our Poisson fit agrees with statsmodels' GLM on coefficients and deviance."""
        caps = simulate()
        space = HierarchicalSpace(4, 3)
        design = space.design()[:, space.mask_of("[12,34]")]
        y = caps.cell_counts()[1:].astype(float)
        ours = fit_poisson(design, y)
        theirs = sm.GLM(y, design, family=sm.families.Poisson()).fit()
        assert np.allclose(ours.beta[0], theirs.params, rtol=1e-6, atol=1e-8)
        assert ours.deviance[0] == pytest.approx(theirs.deviance, rel=1e-8)
        assert np.allclose(ours.cov[0], theirs.cov_params(), rtol=1e-4, atol=1e-10)

    def test_batch_equals_one_by_one(self, simulate: Any) -> None:
        """Fitting models in a batch gives what fitting each alone gives."""
        caps = simulate()
        space = HierarchicalSpace(4, 3)
        masks, _ = space.masks()
        design = space.design()
        y = caps.cell_counts()[1:].astype(float)
        batch = fit_poisson_batch(design, y, masks[:20])
        for k in range(20):
            alone = fit_poisson(design[:, masks[k]], y)
            assert np.allclose(batch.beta[k, masks[k]], alone.beta[0], rtol=1e-9)

    def test_independent_lists_recover_truth(self, simulate: Any) -> None:
        """With truly independent lists the Mt interval covers the simulated total."""
        result = LogLinearMSE(model="Mt").fit(simulate(n_total=5000, seed=11))
        assert result.lower is not None
        assert result.upper is not None
        assert result.lower <= 5000 <= result.upper

    def test_near_complete_coverage_is_a_number(self, simulate: Any) -> None:
        """Lists that miss almost nobody give an estimate near n, not a refusal."""
        caps = simulate(n_total=400, probs=(0.8, 0.75, 0.85, 0.8), seed=3)
        result = LogLinearMSE(model="Mt").fit(caps)
        assert not result.refused
        assert result.estimate is not None
        assert result.estimate - caps.n_observed < 2

    def test_unknown_model_name(self, simulate: Any) -> None:
        """A model name that is neither standard nor hierarchical is a user error."""
        with pytest.raises(UserInputError, match="unknown log-linear model"):
            LogLinearMSE(model="Mbogus").fit(simulate())

    def test_full_interaction_is_rejected(self, simulate: Any) -> None:
        """The t-way interaction cannot be estimated and is refused as input."""
        with pytest.raises(UserInputError, match="cannot be estimated"):
            LogLinearMSE(model="[1234]").fit(simulate())


class TestTwoListMethods:
    def _two(self, both: int) -> CaptureHistories:
        return CaptureHistories(
            ("a", "b"), np.array([[1, 0], [0, 1], [1, 1]]), np.array([60, 40, both])
        )

    def test_chapman_formula(self) -> None:
        """Chapman's estimate is (n1+1)(n2+1)/(m+1) - 1 and the interval brackets it."""
        result = PetersenMSE().fit(self._two(20))
        assert result.estimate == pytest.approx(81 * 61 / 21 - 1)
        assert result.lower is not None
        assert result.upper is not None
        assert 120 <= result.lower < result.estimate < result.upper

    def test_petersen_refuses_without_overlap(self) -> None:
        """Two lists that share nobody give no number."""
        lone = CaptureHistories(
            ("a", "b"), np.array([[1, 0], [0, 1]]), np.array([6, 4])
        )
        assert PetersenMSE().fit(lone).refused

    def test_petersen_needs_two_lists(self, simulate: Any) -> None:
        """More than two lists is a user error that names the fix."""
        with pytest.raises(UserInputError, match="exactly 2 lists"):
            PetersenMSE().fit(simulate())

    def test_chao_is_below_heterogeneous_truth(self) -> None:
        """With strong heterogeneity Chao's bound stays at or below the truth."""
        rng = np.random.default_rng(5)
        n_total = 4000
        p = rng.beta(0.5, 3.0, size=n_total)
        caught = rng.random((n_total, 4)) < p[:, None]
        seen = caught[caught.any(axis=1)].astype(np.uint8)
        caps = CaptureHistories(
            ("a", "b", "c", "d"), seen, np.ones(len(seen), np.int64)
        )
        result = ChaoLowerBound().fit(caps)
        assert result.estimate is not None
        assert caps.n_observed < result.estimate <= n_total
        assert result.diagnostics["kind"] == "lower bound"


class TestProfileNearTheNumberSeen:
    """Four FICTIONAL lists that overlap so much that under one person is unseen."""

    PATTERNS = np.array(
        [
            [1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 1], [1, 1, 0, 0], [1, 0, 1, 1],
            [1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 1], [0, 1, 1, 0], [0, 1, 0, 1],
            [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0], [0, 0, 0, 1],
        ]
    )  # fmt: skip
    COUNTS = np.array([23, 9, 2, 5, 4, 3, 1, 22, 13, 7, 3, 3, 3, 2])

    def test_interval_holds_the_estimate(self) -> None:
        """Rcapture's Stirling constant diverges for 0 < n0 < 1; ours does not,
        so the profile interval of the independence model holds its estimate."""
        caps = CaptureHistories(("a", "b", "c", "d"), self.PATTERNS, self.COUNTS)
        result = LogLinearMSE(model="M0").fit(caps)
        assert result.estimate is not None
        assert result.lower is not None
        assert result.upper is not None
        assert result.lower <= result.estimate <= result.upper
        assert result.upper - result.lower > 1.0  # not a sliver at the number seen
