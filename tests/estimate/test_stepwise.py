"""Stepwise log-linear MSE against SparseMSE 2.0.1, and its existence check."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gawah.estimate import StepwiseMSE
from gawah.estimate._hierarchical import cell_patterns
from gawah.estimate.stepwise import exists_and_identifiable

DATASETS = [
    "kosovo",
    "rcapture_hiv",
    "rcapture_lesbian",
    "rcapture_hare",
    "uk_dat",
    "uk_dat_5",
    "netherlands",
    "netherlands_5",
    "new_orleans",
    "new_orleans_5",
    "us_western",
    "artificial_3",
    "madigan_york_5list",
    "madigan_york_3list",
]


class TestAgainstSparseMSE:
    @pytest.mark.parametrize("name", DATASETS)
    def test_estimate_and_interval(
        self, name: str, reference: dict[str, Any], load_dataset: Any
    ) -> None:
        """Stepwise selection and the log-normal interval match estimatepopulation.0."""
        ref = reference[name]["sparsemse_stepwise"]
        result = StepwiseMSE().fit(load_dataset(name))
        assert result.estimate == pytest.approx(ref["estimate"], rel=0.005)
        assert result.lower == pytest.approx(ref["lower"], rel=0.01)
        assert result.upper == pytest.approx(ref["upper"], rel=0.01)

    def test_uk_modern_slavery_figure(self, load_dataset: Any) -> None:
        """UKdat_5 gives 11,313 [9,884, 13,027], the Home Office 2014 analysis."""
        result = StepwiseMSE().fit(load_dataset("uk_dat_5"))
        assert round(result.estimate or 0) == 11313
        assert round(result.lower or 0) == 9884
        assert round(result.upper or 0) == 13027
        assert len(result.diagnostics["steps"]) == 6


class TestExistenceCheck:
    def test_independence_model_exists_on_full_data(self) -> None:
        """With every cell positive the main-effects MLE exists and is identifiable."""
        y = np.arange(1.0, 8.0)
        assert exists_and_identifiable(cell_patterns(3), y, []) == 0

    def test_saturated_pairs_with_an_empty_cell_is_infinite(self) -> None:
        """All three pairs on three lists with an empty cell: the MLE is infinite."""
        y = np.array([5.0, 4.0, 3.0, 2.0, 0.0, 6.0, 1.0])  # cell 101 empty
        pairs = [(0, 1), (0, 2), (1, 2)]
        assert exists_and_identifiable(cell_patterns(3), y, pairs) & 1

    def test_pair_on_two_lists_is_not_identifiable(self) -> None:
        """Two lists and their interaction: four parameters for three cells."""
        y = np.array([5.0, 4.0, 3.0])
        assert exists_and_identifiable(cell_patterns(2), y, [(0, 1)]) & 2

    def test_sixteen_lists_refused(self) -> None:
        """More than fifteen lists are refused with a reason."""
        from gawah.estimate import CaptureHistories

        t = 16
        caps = CaptureHistories(
            tuple(f"L{j}" for j in range(t)),
            np.vstack([np.eye(t, dtype=np.uint8), np.ones((1, t), dtype=np.uint8)]),
            np.ones(t + 1, dtype=np.int64),
        )
        assert StepwiseMSE().fit(caps).refused


@pytest.mark.parametrize("count", [0, 1, 2, 7, 40, 313, 4_000, 25_000])
@pytest.mark.parametrize("ratio", [0.0, 0.3, 0.9, 1.0, 1.1, 2.5])
def test_poisson_tails_match_scipy(count: int, ratio: float) -> None:
    """The hand-written Poisson tails equal scipy's pdtr/pdtrc (SparseMSE's p-value)."""
    from scipy.special import pdtr, pdtrc

    from gawah.estimate.stepwise import poisson_two_sided

    mean = ratio * count + (0.5 if ratio else 0.0)
    upper = 1.0 if count < 1 else float(pdtrc(count - 1, mean))
    expected = min(float(pdtr(count, mean)), upper)
    assert poisson_two_sided(count, mean) == pytest.approx(
        expected, rel=1e-9, abs=1e-300
    )
