"""Stratified estimation: per stratum, then a total with an honest interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gawah.errors import UserInputError
from gawah.estimate import CaptureHistories, MSEResult
from gawah.estimate.chao import ChaoLowerBound
from gawah.estimate.dga import DGA
from gawah.estimate.stratified import StratifiedMSE
from gawah.testing.mse import simulate_captures


def _frame() -> pd.DataFrame:
    north = simulate_captures(
        1500,
        class_weights=[0.6, 0.4],
        capture_probs=[[0.2, 0.25, 0.3, 0.2], [0.6, 0.7, 0.5, 0.6]],
        seed=1,
    )
    south = simulate_captures(
        800, class_weights=[1.0], capture_probs=[[0.3, 0.4, 0.35, 0.3]], seed=2
    )
    return pd.concat(
        [north.to_frame(district="North"), south.to_frame(district="South")],
        ignore_index=True,
    )


class TestStratified:
    def test_bayesian_total_sums_draws(self) -> None:
        """With DGA the total's draws are stratum draws added one by one."""
        result = StratifiedMSE(DGA(), "district").fit(_frame())
        combined = result.combined
        assert set(result.strata) == {"North", "South"}
        assert combined.diagnostics["combination"] == "sum of posterior draws"
        assert combined.draws is not None
        north, south = result.strata["North"], result.strata["South"]
        assert combined.n_observed == north.n_observed + south.n_observed
        assert combined.draws.mean() == pytest.approx(
            north.draws.mean() + south.draws.mean(), rel=1e-9
        )  # type: ignore[union-attr]
        # independent strata: the total's spread is narrower than the sum of spreads
        assert combined.upper - combined.lower < (north.upper - north.lower) + (
            south.upper - south.lower
        )  # type: ignore[operator]
        assert combined.lower < combined.estimate < combined.upper  # type: ignore[operator]

    def test_frequentist_total_uses_bootstrap(self) -> None:
        """An estimator without draws gets a bootstrap interval around the summed estimates."""
        result = StratifiedMSE(ChaoLowerBound(), "district", n_boot=60).fit(_frame())
        combined = result.combined
        assert combined.diagnostics["combination"].startswith("percentile bootstrap")
        total = sum(r.estimate for r in result.strata.values())  # type: ignore[misc]
        assert combined.estimate == pytest.approx(total)
        assert combined.lower < total < combined.upper  # type: ignore[operator]

    def test_refused_replicates_widen_the_interval(self) -> None:
        """Bootstrap replicates that refuse count against the interval, never dropped."""
        plain = StratifiedMSE(ChaoLowerBound(), "district", n_boot=200).fit(_frame())
        some = StratifiedMSE(_Refusing(0.01), "district", n_boot=200).fit(_frame())
        refused = some.combined.diagnostics["bootstrap_refusals"]
        assert 0 < refused <= 5
        assert any(
            "bootstrap replicates gave no estimate" in w for w in some.combined.warnings
        )
        assert some.combined.estimate == plain.combined.estimate
        assert some.combined.lower <= plain.combined.lower  # type: ignore[operator]
        assert some.combined.upper > plain.combined.upper  # type: ignore[operator]

    def test_many_refused_replicates_refuse_the_total(self) -> None:
        """When more than the tail's share of replicates refuse, there is no interval."""
        many = StratifiedMSE(_Refusing(0.2), "district", n_boot=100).fit(_frame())
        assert many.combined.refused
        assert "bootstrap replicates gave no estimate" in (many.combined.reason or "")

    def test_thin_stratum_warns(self) -> None:
        """A stratum where only two lists recorded anyone is flagged in the diagnostics."""
        frame = _frame()
        thin = simulate_captures(
            400, class_weights=[1.0], capture_probs=[[0.4, 0.5, 0.0, 0.0]], seed=4
        )
        frame = pd.concat([frame, thin.to_frame(district="East")], ignore_index=True)
        result = StratifiedMSE(DGA(), "district").fit(frame)
        warnings = result.combined.diagnostics["warnings"]
        assert any(
            w.startswith("stratum East") and "fewer than 3" in w for w in warnings
        )
        # DGA refuses two lists, so no total can be given
        assert result.strata["East"].refused
        assert result.combined.refused
        assert "East" in (result.combined.reason or "")

    def test_several_stratum_columns(self) -> None:
        """Strata can be defined by two columns together."""
        frame = _frame()
        frame["sex"] = np.where(frame.index % 2 == 0, "f", "m")
        result = StratifiedMSE(DGA(), ["district", "sex"]).fit(frame)
        assert set(result.strata) == {"North/f", "North/m", "South/f", "South/m"}

    def test_unknown_column_is_a_user_error(self) -> None:
        """Naming a stratum column that does not exist is the user's mistake."""
        with pytest.raises(UserInputError, match="stratum"):
            StratifiedMSE(DGA(), "province").fit(_frame())


class _Refusing:
    """Chao's bound, refusing a given share of resampled tables (by their digest)."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.inner = ChaoLowerBound()

    def fit(self, captures: CaptureHistories) -> MSEResult:
        result = self.inner.fit(captures)
        if int(captures.digest()[:8], 16) / 16**8 < self.share:
            return MSEResult.refusal(captures, method="chao", reason="test refusal")
        return result
