"""Warnings every result carries: small, sparse, copied lists, boundary answers (FICTIONAL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from gawah.cli import app
from gawah.estimate import CaptureHistories, build_estimator
from gawah.estimate.checks import data_warnings, result_warnings


def _independent(
    n: int = 3000, probs: tuple[float, ...] = (0.3, 0.35, 0.4)
) -> CaptureHistories:
    rng = np.random.default_rng(5)
    seen = rng.random((n, len(probs))) < np.asarray(probs)
    seen = seen[seen.any(axis=1)]
    names = tuple(f"L{j + 1}" for j in range(len(probs)))
    return CaptureHistories(
        names, seen.astype(np.uint8), np.ones(len(seen), dtype=np.int64)
    )


class TestDataWarnings:
    def test_plain_independent_lists_raise_nothing(self) -> None:
        """Three sizeable independent lists give no data warning."""
        assert data_warnings(_independent()) == []

    def test_small_and_thin(self) -> None:
        """A few dozen people with few overlaps get both warnings."""
        caps = CaptureHistories.from_cell_counts(
            ("A", "B", "C"), [0, 20, 15, 3, 12, 2, 1, 0]
        )
        said = " ".join(data_warnings(caps))
        assert "only 53 people are seen" in said
        assert "only 6 people are on two or more lists" in said

    def test_sparse_table(self) -> None:
        """Five lists with most patterns empty are called sparse."""
        cells = [0] * 32
        for index, count in ((1, 200), (2, 150), (3, 80), (7, 40), (15, 30), (31, 20)):
            cells[index] = count
        caps = CaptureHistories.from_cell_counts(tuple("ABCDE"), cells)
        assert any(w.startswith("sparse table") for w in data_warnings(caps))

    @pytest.mark.parametrize(
        ("shared", "flagged"), [(95, True), (91, True), (90, False), (85, False)]
    )
    def test_release_of_another_list(self, shared: int, flagged: bool) -> None:
        """A list overlapping a bigger one by more than 90% may be its release."""
        # C has 100 people, ``shared`` of them also on A (600 + shared people).
        caps = CaptureHistories(
            ("A", "B", "C"),
            np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [1, 0, 1], [0, 0, 1]]),
            np.array([500, 400, 100, shared, 100 - shared]),
        )
        said = data_warnings(caps)
        hit = [w for w in said if w.startswith("list C overlaps list A by")]
        assert bool(hit) is flagged, said
        if flagged:
            assert f"{shared} of its 100 people are also on A" in hit[0]
        assert not any(
            w.startswith(("list A overlaps", "list B overlaps")) for w in said
        )


class TestResultWarnings:
    def test_estimate_at_the_number_seen(self) -> None:
        """An estimate equal to the number seen is flagged."""
        caps = _independent()
        result = build_estimator("chao").fit(caps)
        assert not result.refused
        faked = type(result).fitted(
            caps,
            estimate=float(caps.n_observed),
            lower=float(caps.n_observed),
            upper=float(caps.n_observed * 11),
            method="x",
            model=None,
            level=0.95,
            seed=None,
        )
        said = " ".join(result_warnings(caps, faked))
        assert "is at the number seen" in said
        assert "more than ten times" in said
        assert "reaches down to the number seen" not in said  # said once, above

    def test_interval_reaching_down_to_the_number_seen(self) -> None:
        """A lower end at the number seen, with an estimate above it, is flagged."""
        caps = _independent()
        n = float(caps.n_observed)
        said = {}
        for lower in (n, n * 1.05):
            faked = type(build_estimator("chao").fit(caps)).fitted(
                caps,
                estimate=n * 1.2,
                lower=lower,
                upper=n * 1.5,
                method="x",
                model=None,
                level=0.95,
                seed=None,
            )
            said[lower] = " ".join(result_warnings(caps, faked))
        assert "reaches down to the number seen" in said[n]
        assert "reaches down to the number seen" not in said[n * 1.05]

    def test_heterogeneity_is_a_warning_even_when_widened_for(
        self,
    ) -> None:
        """Clear or weak, widened for or not: a miss must never lose its warning."""
        from dataclasses import replace

        caps = _independent()
        base = build_estimator("chao").fit(caps)
        widened = replace(
            base, diagnostics={**base.diagnostics, "widened_for": {"upper": 1.0}}
        )
        for result, p_value, warned in (
            (widened, 0.001, True),
            (widened, 0.05, True),
            (base, 0.001, True),
        ):
            said = " ".join(result_warnings(caps, result, (1.0, p_value)))
            assert ("capture heterogeneity" in said) is warned, (p_value, said)


def test_cli_json_carries_the_warnings(tmp_path: Path) -> None:
    """`gawah estimate --json` has the warnings top level, and the table view shows them."""
    path = tmp_path / "small.csv"
    path.write_text(
        "A,B,C,count\n1,0,0,20\n0,1,0,15\n1,1,0,3\n0,0,1,12\n1,0,1,2\n0,1,1,1\n"
    )
    result = CliRunner().invoke(
        app, ["estimate", str(path), "--method", "chao", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    assert any("only 53 people" in w for w in payload["warnings"])
    shown = CliRunner().invoke(app, ["estimate", str(path), "--method", "chao"])
    assert "only 53 people" in " ".join(shown.output.split())


def test_below_chao_lower_bound_is_flagged() -> None:
    """An M0 interval wholly below Chao's bound under heterogeneity is flagged."""
    from gawah.testing.mse import simulate_captures

    sim = simulate_captures(
        2000,
        class_weights=[0.3, 0.7],
        capture_probs=[[0.05, 0.08, 0.06, 0.10], [0.35, 0.45, 0.40, 0.50]],
        seed=3,
    )
    caps = sim.captures
    result = build_estimator("loglinear", model="M0").fit(caps)
    pats = caps.patterns.sum(axis=1)
    f1, f2 = caps.counts[pats == 1].sum(), caps.counts[pats == 2].sum()
    floor = caps.n_observed + 0.75 * f1 * f1 / (2 * f2)
    assert result.upper is not None
    assert result.upper < floor  # M0 ignores the hard-to-record class
    assert any("below Chao's" in w for w in result.warnings)


def test_heterogeneity_test_flags_frailty_not_independence() -> None:
    """Darroch's likelihood-ratio test fires on strong heterogeneity, not on independent lists."""
    from gawah.testing.mse import simulate_captures

    frail = simulate_captures(
        3000,
        class_weights=[0.5, 0.5],
        capture_probs=[[0.08, 0.1, 0.07, 0.09, 0.1], [0.5, 0.6, 0.55, 0.5, 0.6]],
        seed=11,
    ).captures
    plain = _independent()
    said = build_estimator("stepwise").fit(frail).warnings
    assert any("capture heterogeneity" in w for w in said)
    assert not any(
        "capture heterogeneity" in w
        for w in build_estimator("stepwise").fit(plain).warnings
    )


def _frail(seed: int = 3) -> CaptureHistories:
    """Five lists, capture chances spread like Beta(1, 3) over ten classes (FICTIONAL)."""
    from gawah.testing.mse import simulate_captures

    levels = np.array([0.01, 0.04, 0.07, 0.11, 0.16, 0.21, 0.28, 0.36, 0.46, 0.63])
    probs = np.clip(levels[:, None] * np.array([0.9, 1.0, 0.8, 1.1, 0.7]), 0.0, 1.0)
    return simulate_captures(
        2000, class_weights=[1.0] * 10, capture_probs=probs.tolist(), seed=seed
    ).captures


class TestWidening:
    def test_heterogeneous_lists_widen_the_default_interval(self) -> None:
        """When Darroch's test fires the upper end becomes Mth Gamma3.5's, and says so."""
        from gawah.estimate import LogLinearMSE
        from gawah.estimate.checks import WIDEN_MODEL, heterogeneity_test

        caps = _frail()
        assert heterogeneity_test(caps) is not None
        plain = build_estimator("loglinear", narrow=True).fit(caps)
        wide = build_estimator("loglinear").fit(caps)
        gamma = LogLinearMSE(model=WIDEN_MODEL).fit(caps)
        assert plain.upper is not None
        assert gamma.upper is not None
        assert gamma.upper > plain.upper  # the case is the one the rule is for
        assert wide.estimate == plain.estimate
        # Frailty also looks like a trap-happy response, which may stretch
        # the interval further (TestBehaviourInterval); before that:
        before = wide.diagnostics.get("before_behaviour", [wide.lower, wide.upper])
        assert before[0] == plain.lower
        assert before[1] == pytest.approx(gamma.upper)
        assert list(wide.diagnostics["model_interval"]) == [plain.lower, plain.upper]
        assert any(n.startswith("the upper end is widened") for n in wide.notes)
        assert not any("widened" in n for n in plain.notes)
        # Widening is no licence to drop the warning: both intervals keep it.
        assert any("capture heterogeneity" in w for w in wide.warnings)
        assert any("capture heterogeneity" in w for w in plain.warnings)

    def test_homogeneous_lists_are_not_widened_for_heterogeneity_seen(self) -> None:
        """Darroch's test is quiet on independent lists: no Mth Gamma3.5 widening
        (the hidden-class widening still applies, TestHiddenClass)."""
        caps = _independent(probs=(0.3, 0.35, 0.4, 0.3))
        result = build_estimator("loglinear").fit(caps)
        assert "model_interval" not in result.diagnostics
        assert "widened_for" not in result.diagnostics
        assert "widened_at_bound" not in result.diagnostics
        narrow = build_estimator("loglinear", narrow=True).fit(caps)
        assert result.lower == narrow.lower

    def test_other_methods_are_not_widened(self) -> None:
        """Only the measured default is widened; stepwise keeps its own interval."""
        result = build_estimator("stepwise").fit(_frail())
        assert "model_interval" not in result.diagnostics


def test_a_named_model_keeps_its_own_interval() -> None:
    """Asking for one model (--model) is not widened, even under heterogeneity."""
    from gawah.estimate import LogLinearMSE

    caps = _frail()
    named = build_estimator("loglinear", model="Mt").fit(caps)
    assert "model_interval" not in named.diagnostics
    assert named.upper == LogLinearMSE(model="Mt").fit(caps).upper


def _regional(seed: int = 20000) -> CaptureHistories:
    """Two regions, each reached well by two of four lists (FICTIONAL)."""
    from gawah.testing.mse import simulate_captures

    return simulate_captures(
        2000,
        class_weights=[0.5, 0.5],
        capture_probs=[[0.4, 0.35, 0.1, 0.1], [0.1, 0.1, 0.4, 0.35]],
        seed=seed,
    ).captures


class TestCriteriaDisagree:
    def test_search_reports_the_other_criterions_choice(self) -> None:
        """The BIC search names AIC's best model and its estimate (and vice versa)."""
        from gawah.estimate import LogLinearMSE

        caps = _regional()
        bic = LogLinearMSE().fit(caps)
        aic = LogLinearMSE(criterion="aic").fit(caps)
        alt = bic.diagnostics["other_criterion_best"]
        assert alt["criterion"] == "aic"
        assert alt["model"] == aic.model
        assert alt["estimate"] == pytest.approx(aic.estimate, rel=1e-6)
        assert aic.diagnostics["other_criterion_best"]["model"] == bic.model

    def test_disagreement_beyond_the_interval_is_flagged(self) -> None:
        """AIC's estimate outside BIC's single-model interval is said, with the number."""
        caps = _regional()
        result = build_estimator("loglinear", criterion="bic", average=False).fit(caps)
        alt = float(result.diagnostics["other_criterion_best"]["estimate"])
        assert result.lower is not None
        assert result.upper is not None
        assert not result.lower <= alt <= result.upper  # the case the check is for
        said = [w for w in result.warnings if w.startswith("the model AIC would")]
        assert len(said) == 1
        assert f"{alt:,.0f}" in said[0]
        # The default (AIC, averaged) reaches the BIC choice's estimate here.
        default = build_estimator("loglinear").fit(caps)
        assert not any("would choose" in w for w in default.warnings)

    def test_agreement_is_not_flagged(self) -> None:
        """Independent lists: both criteria's choices sit inside the interval."""
        result = build_estimator("loglinear").fit(_independent())
        assert not any("would choose" in w for w in result.warnings)

    def test_named_model_has_no_criterion_check(self) -> None:
        """A model the user named was not searched, so nothing to compare."""
        result = build_estimator("loglinear", model="Mt").fit(_regional())
        assert "other_criterion_best" not in result.diagnostics
        assert not any("would choose" in w for w in result.warnings)


def _trap(n: int, probs: tuple[float, ...], odds: float, seed: int) -> CaptureHistories:
    """Lists in time order; once on a list, later lists record with ``odds`` (FICTIONAL)."""
    rng = np.random.default_rng(seed)
    base = np.asarray(probs)
    seen = np.zeros((n, base.size), dtype=np.uint8)
    for j in range(base.size):
        before = seen[:, :j].any(axis=1)
        o = base[j] / (1.0 - base[j]) * np.where(before, odds, 1.0)
        seen[:, j] = rng.random(n) < o / (1.0 + o)
    seen = seen[seen.any(axis=1)]
    names = tuple(f"L{j + 1}" for j in range(base.size))
    return CaptureHistories(names, seen, np.ones(len(seen), dtype=np.int64))


class TestBehaviouralResponse:
    @pytest.mark.parametrize("odds", [3.0, 0.4])
    def test_recovers_the_response_and_the_total(self, odds: float) -> None:
        """On a large Mb table, Mtb's odds ratio and total are close to the truth.

        Mtb's total has a standard error of about 1% at this size (3-4% at
        N = 40,000), so the bounds are a few standard errors wide.
        """
        from gawah.estimate.checks import behaviour_test

        caps = _trap(400_000, (0.15, 0.2, 0.25, 0.2, 0.15), odds, seed=2)
        found = behaviour_test(caps)
        assert found is not None
        got_odds, p_value, total = found
        assert p_value < 1e-4
        assert abs(np.log(got_odds / odds)) < np.log(1.25)
        assert abs(total / 400_000 - 1.0) < 0.05

    def test_size_on_independent_lists(self) -> None:
        """Under Mt the 5% test rejects about 5% of tables, not many more."""
        from gawah.estimate.checks import behaviour_test

        rejected = 0
        for seed in range(60):
            rng = np.random.default_rng(1000 + seed)
            seen = rng.random((1500, 4)) < np.array([0.2, 0.3, 0.25, 0.15])
            seen = seen[seen.any(axis=1)].astype(np.uint8)
            caps = CaptureHistories(
                ("a", "b", "c", "d"), seen, np.ones(len(seen), dtype=np.int64)
            )
            rejected += behaviour_test(caps) is not None
        assert rejected <= 9  # 3 expected; 9 or more has probability < 0.5%

    def test_warning_when_the_interval_misses_mtb(self) -> None:
        """A trap-shy table warns with the direction; independent lists do not."""
        caps = _trap(3000, (0.3, 0.35, 0.3, 0.35), 0.3, seed=4)
        result = build_estimator("loglinear").fit(caps)
        said = [w for w in result.warnings if "model Mtb" in w]
        assert len(said) == 1
        assert "less often" in said[0]
        assert "too high" in said[0]
        plain = build_estimator("loglinear").fit(_independent())
        assert not any("model Mtb" in w for w in plain.warnings)


class TestBehaviourInterval:
    def test_mtb_interval_brackets_its_estimate_and_the_truth(self) -> None:
        """Huggins's interval: lower < Mtb < upper, and it holds the true total.

        At N = 40,000 the interval is a few per cent wide, so a coverage
        failure here would be a wrong variance, not chance.
        """
        from gawah.estimate.checks import behaviour_fit

        for odds, seed in ((3.0, 7), (0.4, 8)):
            caps = _trap(40_000, (0.15, 0.2, 0.25, 0.2), odds, seed=seed)
            found = behaviour_fit(caps)
            assert found is not None
            assert found.lower < found.estimate < found.upper
            assert found.lower <= 40_000 <= found.upper
            assert found.upper - found.lower < 0.5 * 40_000

    def test_default_interval_stretches_to_mtb_and_keeps_the_warning(self) -> None:
        """Trap-shy lists: the default carries Mtb's interval; the warning stays."""
        caps = _trap(3000, (0.3, 0.35, 0.3, 0.35), 0.3, seed=4)
        result = build_estimator("loglinear").fit(caps)
        narrow = build_estimator("loglinear", narrow=True).fit(caps)
        mtb = result.diagnostics["behaviour"]
        assert result.lower is not None
        assert result.upper is not None
        assert result.lower <= mtb["lower"]
        assert mtb["upper"] <= result.upper
        # Four lists at Chao's bound may widen the upper end first (TestHiddenClass).
        hidden = result.diagnostics.get("widened_for_hidden_class", {})
        before = [narrow.lower, hidden.get("upper", narrow.upper)]
        assert result.diagnostics["before_behaviour"] == before
        assert result.estimate == narrow.estimate
        assert any("model Mtb" in n and "stretched" in n for n in result.notes)
        said = [w for w in result.warnings if "model Mtb" in w]
        assert len(said) == 1
        assert "the log-linear interval" in said[0]
        assert not any("stretched" in n for n in narrow.notes)

    def test_other_methods_and_quiet_lists_are_not_stretched(self) -> None:
        """Only the measured default is stretched, and only when the test rejects."""
        caps = _trap(3000, (0.3, 0.35, 0.3, 0.35), 0.3, seed=4)
        assert (
            "before_behaviour" not in build_estimator("stepwise").fit(caps).diagnostics
        )
        plain = build_estimator("loglinear").fit(_independent())
        assert "before_behaviour" not in plain.diagnostics


def test_model_average_keeps_99_percent_of_the_weight() -> None:
    """Five lists spread AIC weight over thousands of models; the average keeps 99%.

    Averaging only the best 20 kept a few per cent of the weight on six lists.
    """
    caps = _independent(1200, (0.12, 0.2, 0.28, 0.15, 0.25))
    result = build_estimator("loglinear").fit(caps)
    diag = result.diagnostics
    assert diag["averaged_weight"] >= 0.99
    assert diag["averaged_models"] > diag["profiled_models"] == 20
    assert result.lower is not None
    assert result.upper is not None
    assert result.lower < result.estimate < result.upper


def test_a_runaway_mtb_stretches_nothing() -> None:
    """Sparse lists can send Mtb's odds ratio to 1e8: no bound, nothing to stretch to."""
    from gawah.estimate.checks import behaviour_fit
    from gawah.testing.mse import simulate_captures

    caps = simulate_captures(
        3000,
        class_weights=[1.0],
        capture_probs=[[0.04, 0.06, 0.08, 0.10, 0.05]],
        seed=0,
    ).captures
    found = behaviour_fit(caps, alpha=1.0)
    assert found is not None
    assert found.upper == float("inf")
    result = build_estimator("loglinear").fit(caps)
    assert "before_behaviour" not in result.diagnostics
    assert result.upper is not None
    assert result.upper < 50 * caps.n_observed


def test_weak_response_is_mentioned_not_stretched() -> None:
    """At 0.05 <= p < 0.2 the response is a "may be" warning, the interval stays."""
    from gawah.estimate.checks import Behaviour, widened_for_behaviour

    caps = _independent()
    result = build_estimator("loglinear", narrow=True).fit(caps)
    assert result.upper is not None
    far = result.upper * 1.5
    weak = Behaviour(2.0, 0.1, far, far * 0.9, far * 1.1)
    said = [w for w in result_warnings(caps, result, None, weak) if "model Mtb" in w]
    assert len(said) == 1
    assert "may be on later lists more often" in said[0]
    assert widened_for_behaviour(result, weak) is result
    strong = Behaviour(2.0, 0.01, far, far * 0.9, far * 1.1)
    assert widened_for_behaviour(result, strong).upper == far * 1.1
    inside = Behaviour(2.0, 0.01, result.estimate, result.lower, result.upper)
    assert not any(
        "model Mtb" in w for w in result_warnings(caps, result, None, inside)
    )


def _two_classes(seed: int) -> CaptureHistories:
    """Three lists, 40% of people hard to record (FICTIONAL; Pledger 2000)."""
    from gawah.testing.mse import simulate_captures

    return simulate_captures(
        1500,
        class_weights=[0.6, 0.4],
        capture_probs=[[0.4, 0.35, 0.45], [0.12, 0.1, 0.15]],
        seed=seed,
    ).captures


class TestHiddenHeterogeneity:
    def test_chao_bound_is_the_total_under_equal_chances(self) -> None:
        """With equal chances the bound estimates N; with a hard class it is below N."""
        from gawah.estimate.checks import chao_bound

        rng = np.random.default_rng(1)
        seen = rng.random((40_000, 3)) < 0.3
        seen = seen[seen.any(axis=1)]
        caps = CaptureHistories(
            ("A", "B", "C"), seen.astype(np.uint8), np.ones(len(seen), dtype=np.int64)
        )
        bound = chao_bound(caps)
        assert bound is not None
        assert bound[1] < 40_000 < bound[2]
        assert bound[0] == pytest.approx(40_000, rel=0.03)
        hard = chao_bound(_two_classes(4))
        assert hard is not None
        assert hard[2] < 1500

    def test_two_classes_over_three_lists_are_warned_and_widened(self) -> None:
        """Darroch's test is quiet, the estimate sits at the bound: warn, widen to Gamma3.5."""
        from gawah.estimate import LogLinearMSE
        from gawah.estimate.checks import WIDEN_MODEL, heterogeneity_test

        caps = _two_classes(0)
        assert heterogeneity_test(caps) is None  # the case the rule is for
        plain = build_estimator("loglinear", narrow=True).fit(caps)
        wide = build_estimator("loglinear").fit(caps)
        gamma = LogLinearMSE(model=WIDEN_MODEL).fit(caps)
        assert plain.upper is not None
        assert gamma.upper is not None
        assert plain.upper < 1500  # the model's own interval misses the truth
        assert wide.estimate == plain.estimate
        assert wide.lower == plain.lower
        assert wide.upper == pytest.approx(gamma.upper)
        assert any("Chao's lower bound" in n for n in wide.notes)
        for result in (plain, wide):
            assert any("is at Chao's lower bound" in w for w in result.warnings)

    def test_four_lists_are_warned_and_widened_to_the_hidden_class_model(
        self,
    ) -> None:
        """On four lists the bound's warning is said and the upper end is Mth
        Gamma0.5's (:func:`widened_for_hidden_class`), not Gamma3.5's."""
        from gawah.estimate import LogLinearMSE
        from gawah.estimate.checks import HIDDEN_MODEL

        caps = _independent(probs=(0.3, 0.35, 0.4, 0.3))
        result = build_estimator("loglinear").fit(caps)
        narrow = build_estimator("loglinear", narrow=True).fit(caps)
        hidden = LogLinearMSE(model=HIDDEN_MODEL).fit(caps)
        assert "widened_at_bound" not in result.diagnostics
        assert "widened_for_hidden_class" in result.diagnostics
        assert result.upper == pytest.approx(hidden.upper)
        assert (result.estimate, result.lower) == (narrow.estimate, narrow.lower)
        assert any(
            "is at Chao's lower bound" in w and "widened for it" in w
            for w in result.warnings
        )
        assert any("is at Chao's lower bound" in w for w in narrow.warnings)

    def test_two_lists_are_neither_warned_nor_widened(self) -> None:
        """Two lists have no heterogeneity model to widen to (Mth needs three): the
        default answers as before instead of failing on the widening."""
        caps = _independent(probs=(0.3, 0.35))
        result = build_estimator("loglinear").fit(caps)
        assert not result.refused
        assert "widened_at_bound" not in result.diagnostics
        assert not any("is at Chao's lower bound" in w for w in result.warnings)

    def test_an_estimate_above_the_bound_is_not_flagged(self) -> None:
        """Positive list dependence the model absorbs puts the estimate above the bound."""
        from gawah.estimate.checks import chao_bound
        from gawah.testing.mse import ListDependence, simulate_captures

        caps = simulate_captures(
            2000,
            class_weights=[1.0],
            capture_probs=[[0.25, 0.2, 0.3]],
            dependence=[ListDependence(0, 1, 4.0)],
            seed=0,
        ).captures
        result = build_estimator("loglinear").fit(caps)
        bound = chao_bound(caps)
        assert bound is not None
        assert result.estimate is not None
        assert result.estimate > bound[2]
        assert not any("Chao's lower bound (" in w for w in result.warnings)
        assert "widened_at_bound" not in result.diagnostics


def _rare_quarter(seed: int) -> CaptureHistories:
    """Four lists, a quarter of 2,500 people recorded at 5-8% (FICTIONAL; Pledger
    2000's two-point mixture, the mixture split's ``pledger_rare`` family)."""
    from gawah.testing.mse import simulate_captures

    return simulate_captures(
        2500,
        class_weights=[0.75, 0.25],
        capture_probs=[[0.3, 0.35, 0.4, 0.32], [0.05, 0.08, 0.06, 0.07]],
        seed=seed,
    ).captures


class TestHiddenClass:
    def test_a_rare_quarter_over_four_lists_is_widened_to_cover_it(self) -> None:
        """Darroch's test is quiet, the model's interval misses 2,500; the default's
        upper end is Mth Gamma0.5's, which reaches it, and a note and the bound's
        warning say why."""
        from gawah.estimate import LogLinearMSE
        from gawah.estimate.checks import HIDDEN_MODEL, heterogeneity_test

        caps = _rare_quarter(0)
        assert heterogeneity_test(caps) is None  # the case the rule is for
        narrow = build_estimator("loglinear", narrow=True).fit(caps)
        wide = build_estimator("loglinear").fit(caps)
        hidden = LogLinearMSE(model=HIDDEN_MODEL).fit(caps)
        assert narrow.upper is not None
        assert wide.upper is not None
        assert narrow.upper < 2500 <= wide.upper
        assert wide.upper == pytest.approx(hidden.upper)
        assert (wide.estimate, wide.lower) == (narrow.estimate, narrow.lower)
        info = wide.diagnostics["widened_for_hidden_class"]
        assert info["interval_before"] == [narrow.lower, narrow.upper]
        assert any(
            n.startswith("the upper end is widened") and HIDDEN_MODEL in n
            for n in wide.notes
        )
        assert any("is at Chao's lower bound" in w for w in wide.warnings)

    def test_weak_heterogeneity_over_four_lists_is_widened(self) -> None:
        """Darroch's test fires but not clearly (0.01 <= p < 0.2): widened too,
        and the heterogeneity stays a warning."""
        from gawah.estimate.checks import HETERO_CLEAR, heterogeneity_test

        caps = _rare_quarter(2)
        found = heterogeneity_test(caps)
        assert found is not None
        assert found[1] >= HETERO_CLEAR
        result = build_estimator("loglinear").fit(caps)
        assert result.diagnostics["widened_for_hidden_class"]["heterogeneity_p"] == (
            pytest.approx(found[1])
        )
        assert any("capture heterogeneity" in w for w in result.warnings)

    def test_clear_heterogeneity_is_not_widened_further(self) -> None:
        """Frailty Darroch's test sees clearly (p < 0.01) keeps Gamma3.5's upper end."""
        from gawah.estimate.checks import HETERO_CLEAR, heterogeneity_test

        caps = _frail()
        found = heterogeneity_test(caps)
        assert found is not None
        assert found[1] < HETERO_CLEAR
        result = build_estimator("loglinear").fit(caps)
        assert "widened_for" in result.diagnostics
        assert "widened_for_hidden_class" not in result.diagnostics

    def test_dependence_the_model_absorbs_is_not_widened(self) -> None:
        """Two dependent pairs put the estimate above Chao's bound: no hidden class."""
        from gawah.estimate.checks import chao_bound
        from gawah.testing.mse import ListDependence, simulate_captures

        caps = simulate_captures(
            2000,
            class_weights=[1.0],
            capture_probs=[[0.3, 0.25, 0.2, 0.3]],
            dependence=[ListDependence(0, 1, 4.0), ListDependence(2, 3, 4.0)],
            seed=0,
        ).captures
        result = build_estimator("loglinear").fit(caps)
        bound = chao_bound(caps)
        assert bound is not None
        assert result.estimate is not None
        assert result.estimate > bound[2]
        assert "widened_for_hidden_class" not in result.diagnostics

    def test_three_lists_other_methods_and_named_models_are_not_widened(
        self,
    ) -> None:
        """Three lists keep the bound rule (Gamma3.5); stepwise and a named model
        keep their own intervals."""
        three = build_estimator("loglinear").fit(_two_classes(0))
        assert "widened_at_bound" in three.diagnostics
        assert "widened_for_hidden_class" not in three.diagnostics
        caps = _rare_quarter(0)
        for result in (
            build_estimator("stepwise").fit(caps),
            build_estimator("loglinear", model="Mt").fit(caps),
        ):
            assert "widened_for_hidden_class" not in result.diagnostics


def _skewed_frailty(seed: int) -> CaptureHistories:
    """Four lists, each person's chance Beta(0.5, 3) times a list factor (FICTIONAL)."""
    from gawah.testing.mse import simulate_captures

    levels = np.quantile(
        np.random.default_rng(seed).beta(0.5, 3.0, 50_000), (np.arange(10) + 0.5) / 10
    )
    factors = np.array([1.0, 0.8, 1.2, 0.9])
    sim = simulate_captures(
        3000,
        class_weights=[1.0] * 10,
        capture_probs=np.clip(levels[:, None] * factors[None, :], 0, 1).tolist(),
        seed=seed,
    )
    return sim.captures


class TestHeterogeneityNotIdentified:
    """Clear heterogeneity whose size the overlaps cannot fix (Link 2003)."""

    def test_spread_found_on_skewed_frailty(self) -> None:
        """Gamma3.5 and Gamma0.5 fit a skewed-frailty table alike, far apart."""
        from gawah.estimate.checks import heterogeneity_spread, heterogeneity_test

        caps = _skewed_frailty(11)
        hetero = heterogeneity_test(caps)
        assert hetero is not None
        assert hetero[1] < 0.01
        spread = heterogeneity_spread(caps)
        assert spread is not None
        assert abs(spread.mild[0] - spread.skewed[0]) < 3.841
        assert spread.skewed[1] > 1.5 * spread.mild[1]

    def test_warned_only_when_the_interval_stops_below_the_skewed_reading(
        self,
    ) -> None:
        """An interval below Gamma0.5's upper end is warned; one reaching it is not."""
        from gawah.estimate.checks import heterogeneity_spread, heterogeneity_test

        caps = _skewed_frailty(11)
        hetero = heterogeneity_test(caps)
        spread = heterogeneity_spread(caps)
        assert hetero is not None
        assert spread is not None
        base = build_estimator("chao").fit(caps)
        said = {}
        assert spread.mild[1] < spread.skewed[1] < spread.skewed[2] < float("inf")
        for upper in (spread.skewed[1] * 1.01, spread.skewed[2] * 1.01):
            faked = type(base).fitted(
                caps,
                estimate=spread.mild[1],
                lower=float(caps.n_observed) * 1.1,
                upper=upper,
                method="x",
                model=None,
                level=0.95,
                seed=None,
            )
            said[upper] = " ".join(result_warnings(caps, faked, hetero, None))
        low, high = sorted(said)
        assert "not by how much" in said[low]
        assert "Mth Gamma0.5" in said[low]
        assert "not by how much" not in said[high]

    def test_quiet_without_clear_heterogeneity(self) -> None:
        """Independent lists, or a weak test, never get the warning."""
        caps = _independent(3000, (0.2, 0.3, 0.25, 0.35))
        result = build_estimator("loglinear").fit(caps)
        assert not any("not by how much" in w for w in result.warnings)
        weak = " ".join(result_warnings(caps, result, (1.0, 0.05), None))
        assert "not by how much" not in weak


class TestEmptyList:
    """A list that recorded nobody (a column of zeros) is left out, and said."""

    @staticmethod
    def _with_empty_c() -> CaptureHistories:
        return CaptureHistories(
            ("A", "B", "C"),
            np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0]]),
            np.array([30, 25, 10]),
        )

    @pytest.mark.parametrize("method", ["loglinear", "stepwise", "chao"])
    def test_the_default_answers_on_the_other_lists(self, method: str) -> None:
        """The heterogeneity checks used to count C as a list, so the default
        failed with "model Mth Gamma3.5 needs at least 3 lists"; the answer is
        now the two-list one (Lincoln-Petersen 40 x 35 / 10 = 140)."""
        caps = self._with_empty_c()
        result = build_estimator(method).fit(caps)
        two = build_estimator(method).fit(caps.drop_list("C"))
        assert result.refused == two.refused
        assert result.estimate == pytest.approx(two.estimate)
        said = [w for w in result.warnings if w.startswith("list 'C' recorded nobody")]
        assert len(said) == 1, result.warnings
        assert not any(w.startswith("sparse table") for w in result.warnings)

    def test_the_command_line_says_it(self, tmp_path: Path) -> None:
        table = tmp_path / "empty.csv"
        table.write_text("A,B,C,count\n1,0,0,30\n0,1,0,25\n1,1,0,10\n")
        out = CliRunner().invoke(app, ["estimate", str(table), "--json"])
        assert out.exit_code == 0, out.output
        data = json.loads(out.output)
        assert data["estimate"] == pytest.approx(140)
        assert any("'C' recorded nobody" in w for w in data["warnings"])
