"""LCMCR: posterior of N against the R package LCMCR 0.4.14, and its behaviour.

R's figures are themselves Monte Carlo (one chain of 10,000 draws per seed).
REFERENCE.json has three seeds per dataset; we compare against the mean of the
three (the better estimate of what R's sampler targets) and allow 3% on the
median and 5% on the interval ends, as the issue asks. Datasets whose R runs
disagree by more than 5% between seeds (``mc_stable`` false), or where our own
chains disagree, must either be refused (no number should be quoted) or land
inside the range of R's seeds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gawah.estimate import CaptureHistories
from gawah.estimate.lcmcr import LCMCR, effective_sample_size, split_rhat

# (dataset, why it is not compared number for number)
_UNSTABLE = {
    "uk_dat": "R's seed medians differ by 13% (mc_stable false)",
    "uk_dat_5": "R's seed medians differ by 41% (mc_stable false)",
    "netherlands": "R's seed medians differ by 65% (mc_stable false); N hits the 21n cap",
    "netherlands_5": "the posterior has modes near 20,000, 48,000 and 144,000 "
    "that chains rarely cross; R's seed medians agree only because all three "
    "stayed mostly near 48,000 (its 2.5% quantiles: 18,372 vs 42,118)",
}
_CI = ["kosovo", "new_orleans_5", "madigan_york_3list"]
_ALL = [
    "kosovo",
    "rcapture_hiv",
    "rcapture_lesbian",
    "rcapture_hare",
    "new_orleans",
    "new_orleans_5",
    "us_western",
    "artificial_3",
    "madigan_york_5list",
    "madigan_york_3list",
]


def _r_summary(ref: dict[str, Any]) -> tuple[float, float, float]:
    runs = [(ref["estimate"], ref["lower"], ref["upper"])] + [
        (o["median"], o["q025"], o["q975"]) for o in ref["other_seeds"]
    ]
    median, lower, upper = np.mean(np.asarray(runs, dtype=float), axis=0)
    return float(median), float(lower), float(upper)


def _check_against_r(name: str, reference: Any, load_dataset: Any) -> None:
    # The default settings, as a user gets them: 4 chains of R's length, which
    # go on sampling (up to 4x) until R-hat and ESS hold. R answers these
    # stably (mc_stable), so a refusal is a failure.
    result = LCMCR().fit(load_dataset(name))
    assert not result.refused, result.reason
    median, lower, upper = _r_summary(reference[name]["lcmcr"])
    assert result.estimate == pytest.approx(median, rel=0.03)
    assert result.lower == pytest.approx(lower, rel=0.05)
    assert result.upper == pytest.approx(upper, rel=0.05)
    assert result.diagnostics["rhat"] < 1.1


def _small(**kw: Any) -> LCMCR:
    settings = {"burnin": 500, "samples": 300, "thinning": 2, "chains": 2, "seed": 3}
    settings.update(kw)
    settings.setdefault("max_samples", settings["samples"])
    return LCMCR(**settings)


class TestAgainstR:
    @pytest.mark.parametrize("name", _CI)
    def test_matches_lcmcr(self, name: str, reference: Any, load_dataset: Any) -> None:
        """Median within 3% and interval ends within 5% of R's LCMCR."""
        _check_against_r(name, reference, load_dataset)

    @pytest.mark.slow
    @pytest.mark.parametrize("name", [n for n in _ALL if n not in _CI])
    def test_matches_lcmcr_everywhere(
        self, name: str, reference: Any, load_dataset: Any
    ) -> None:
        """Every dataset R finds stable agrees with R just as closely."""
        _check_against_r(name, reference, load_dataset)

    @pytest.mark.slow
    @pytest.mark.parametrize("name", sorted(_UNSTABLE))
    def test_unstable_sets_refuse_or_stay_in_r_range(
        self, name: str, reference: Any, load_dataset: Any
    ) -> None:
        """Where R's seeds disagree we either refuse or land inside R's own seed range."""
        result = LCMCR().fit(load_dataset(name))
        if result.refused:
            reason = result.reason or ""
            assert "chains disagree" in reason or "mix too slowly" in reason, _UNSTABLE[
                name
            ]
            return
        medians = reference[name]["lcmcr"]["seed_medians"]
        assert min(medians) * 0.95 <= result.estimate <= max(medians) * 1.05, _UNSTABLE[
            name
        ]


class TestBehaviour:
    def test_same_seed_same_result(self, load_dataset: Any) -> None:
        """Two fits with one seed give identical draws and summaries."""
        data = load_dataset("madigan_york_3list")
        a, b = _small().fit(data), _small().fit(data)
        assert a == b
        assert a.draws is not None
        assert b.draws is not None
        assert np.array_equal(a.draws, b.draws)

    def test_list_order_does_not_matter(self, load_dataset: Any) -> None:
        """Reordering the lists leaves the draws unchanged."""
        data = load_dataset("kosovo")
        a = _small().fit(data)
        b = _small().fit(data.reorder(reversed(data.lists)))
        assert (a.estimate, a.lower, a.upper) == (b.estimate, b.lower, b.upper)

    def test_numpy_kernel_agrees(self, load_dataset: Any) -> None:
        """The estimator run on the numpy twin gives the same draws as on numba."""
        data = load_dataset("artificial_3")
        fast = _small(burnin=20, samples=20, thinning=1).fit(data)
        slow = _small(burnin=20, samples=20, thinning=1, kernel="numpy").fit(data)
        assert fast.draws is not None
        assert slow.draws is not None
        assert np.array_equal(fast.draws, slow.draws)

    def test_slow_mixing_is_refused(self, load_dataset: Any) -> None:
        """Too few effective draws give a reasoned refusal, with the draws kept."""
        result = _small(min_ess=10**6, max_rhat=100.0).fit(
            load_dataset("madigan_york_3list")
        )
        assert result.refused
        assert "effective draws" in (result.reason or "")
        assert result.draws is not None

    def test_one_chain_is_a_user_error(self, load_dataset: Any) -> None:
        """One chain cannot show non-convergence, so it is not allowed."""
        from gawah.errors import UserInputError

        with pytest.raises(UserInputError, match="2 chains"):
            LCMCR(chains=1).fit(load_dataset("madigan_york_3list"))

    def test_keeps_sampling_until_ess_is_met(self, load_dataset: Any) -> None:
        """Short rounds go on (same chains, more draws) until the target ESS holds."""
        data = load_dataset("madigan_york_5list")
        capped = _small(samples=100, target_ess=10**6).fit(data)
        # Room for the target: at these short settings 120 effective draws
        # take 1,300 to 4,600 draws per chain depending on the seed (seeds 0-11).
        grown = _small(samples=100, max_samples=8000, target_ess=120).fit(data)
        assert capped.draws is not None
        assert grown.draws is not None
        assert capped.draws.size == 2 * 100
        assert 2 * 100 < grown.draws.size < 2 * 8000
        assert grown.diagnostics["ess"] >= 120
        assert grown.diagnostics["settings"]["rounds"] > 1
        # continuing a chain keeps its first draws: the first round is unchanged
        first = grown.draws.reshape(2, -1)[:, :100]
        assert np.array_equal(first, capped.draws.reshape(2, -1))

    def test_cap_reached_is_a_warning(self, load_dataset: Any) -> None:
        """Stopping at the cap short of the target ESS is said in the warnings."""
        result = _small(samples=100, max_samples=200, target_ess=10**6).fit(
            load_dataset("madigan_york_5list")
        )
        assert result.diagnostics["settings"]["rounds"] == 2
        assert any("reached its cap" in w for w in result.warnings)
        assert any("effective draws" in w for w in result.warnings)

    def test_two_lists_are_refused(self) -> None:
        """With two lists the model is not identified and no number is given."""
        data = CaptureHistories(
            ("A", "B"), np.array([[1, 0], [0, 1], [1, 1]]), np.array([30, 40, 10])
        )
        result = LCMCR().fit(data)
        assert result.refused
        assert "3 lists" in (result.reason or "")

    def test_draws_and_diagnostics(self, load_dataset: Any) -> None:
        """Draws are kept for every chain, and the diagnostics carry R-hat and ESS."""
        result = _small(chains=3, samples=200).fit(load_dataset("madigan_york_5list"))
        assert result.draws is not None
        assert result.draws.size == 600
        assert result.draws.min() >= result.n_observed
        diag = result.diagnostics
        assert len(diag["chain_medians"]) == 3
        assert 0 < diag["ess"] <= 600 * 1.5
        assert np.isfinite(diag["rhat"])

    def test_parallel_chains_match_sequential(self, load_dataset: Any) -> None:
        """Running chains in threads does not change any draw."""
        data = load_dataset("madigan_york_3list")
        a = _small(chains=2, n_jobs=1).fit(data)
        b = _small(chains=2, n_jobs=2).fit(data)
        assert a.draws is not None
        assert b.draws is not None
        assert np.array_equal(a.draws, b.draws)

    def test_json_round_trip(self, load_dataset: Any) -> None:
        """The result survives JSON with its draws."""
        result = _small().fit(load_dataset("madigan_york_3list"))
        from gawah.estimate import MSEResult

        assert MSEResult.from_json(result.to_json(draws=True)) == result

    def test_bad_settings_are_user_errors(self, load_dataset: Any) -> None:
        """Nonsense settings raise a user error from fit, not from the constructor."""
        from gawah.errors import UserInputError

        estimator = LCMCR(K=1)
        with pytest.raises(UserInputError):
            estimator.fit(load_dataset("kosovo"))


class TestDiagnostics:
    def test_rhat_near_one_for_iid_chains(self) -> None:
        """Chains drawn from one distribution have split R-hat close to 1."""
        draws = np.random.default_rng(0).normal(size=(4, 2000))
        assert split_rhat(draws) == pytest.approx(1.0, abs=0.01)

    def test_rhat_flags_disagreeing_chains(self) -> None:
        """A chain centred elsewhere pushes R-hat well above 1.1."""
        draws = np.random.default_rng(1).normal(size=(4, 2000))
        draws[2] += 3.0
        assert split_rhat(draws) > 1.1

    def test_ess_of_independent_and_correlated_draws(self) -> None:
        """ESS is about the draw count for white noise and far lower for an AR(1) chain."""
        rng = np.random.default_rng(2)
        white = rng.normal(size=(2, 5000))
        assert effective_sample_size(white) == pytest.approx(10_000, rel=0.15)
        ar = np.zeros((2, 5000))
        for t in range(1, 5000):
            ar[:, t] = 0.95 * ar[:, t - 1] + rng.normal(size=2)
        # theory: n (1 - rho) / (1 + rho) = 10,000 * 0.05 / 1.95 = 256
        assert 120 < effective_sample_size(ar) < 500
