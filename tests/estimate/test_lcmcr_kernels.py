"""The LCMCR numba kernel against its numpy twin, and the samplers it relies on."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from gawah.estimate._lcmcr_draws import (
    _PER_PERSON,
    _beta_pair,
    _binomial,
    _log_beta_pair,
    _multinomial,
    _truncated_negbin,
)
from gawah.estimate._lcmcr_sweeps import sweeps_numba
from gawah.estimate._lcmcr_twin import _truncated_negbin_np, sweeps_numpy
from gawah.estimate.lcmcr import _initial_state


def _run(
    kernel: Any, data: Any, seed: int, n_sweeps: int, update_alpha: bool
) -> tuple[Any, ...]:
    patterns = np.ascontiguousarray(data.patterns, dtype=np.int64)
    freqs = np.ascontiguousarray(data.counts, dtype=np.int64)
    rng = np.random.default_rng(seed)
    state = _initial_state(rng, patterns, freqs, 10, 0.5)
    out_n = np.zeros(n_sweeps, dtype=np.int64)
    out_alpha = np.zeros(n_sweeps)
    kernel(
        rng, patterns, freqs, state.log_nu, state.lam1, state.lam0,
        state.count_mk, state.count0_k, state.scalars, state.n0_box,
        0.25, 0.25, 20 * int(freqs.sum()), update_alpha, n_sweeps, 1, out_n, out_alpha, 0,
    )  # fmt: skip
    return out_n, out_alpha, state


class TestTwin:
    @pytest.mark.parametrize("name", ["kosovo", "new_orleans", "artificial_3"])
    @pytest.mark.parametrize("update_alpha", [True, False])
    def test_same_seed_same_chain(
        self, name: str, update_alpha: bool, load_dataset: Any
    ) -> None:
        """Given one seed, the compiled kernel and the numpy twin walk the same chain."""
        data = load_dataset(name)
        n_a, alpha_a, st_a = _run(sweeps_numba, data, 7, 60, update_alpha)
        n_b, alpha_b, st_b = _run(sweeps_numpy, data, 7, 60, update_alpha)
        np.testing.assert_array_equal(n_a, n_b)
        np.testing.assert_allclose(alpha_a, alpha_b, rtol=1e-10)
        np.testing.assert_array_equal(st_a.count_mk, st_b.count_mk)
        np.testing.assert_array_equal(st_a.count0_k, st_b.count0_k)
        np.testing.assert_allclose(st_a.lam1, st_b.lam1, rtol=1e-9)
        np.testing.assert_allclose(st_a.lam0, st_b.lam0, rtol=1e-9)
        np.testing.assert_allclose(st_a.log_nu, st_b.log_nu, rtol=1e-9, atol=1e-9)

    def test_class_counts_add_up(self, load_dataset: Any) -> None:
        """Each pattern's people are shared out over classes without loss."""
        data = load_dataset("kosovo")
        n, _, state = _run(sweeps_numba, data, 3, 25, True)
        np.testing.assert_array_equal(state.count_mk.sum(axis=1), data.counts)
        assert state.count0_k.sum() == n[-1] - data.n_observed
        assert np.exp(state.log_nu).sum() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def binomial_draws() -> Any:
    from numba import njit

    @njit(cache=False)
    def many(
        rng: Any, size: int, n: int, p: float
    ) -> Any:  # pragma: no cover - compiled
        out = np.empty(size, dtype=np.int64)
        for i in range(size):
            out[i] = _binomial(rng, n, p)
        return out

    return many


class TestBinomial:
    @pytest.mark.parametrize(
        ("n", "p"),
        [
            (1, 0.5),
            (20, 0.5),
            (50, 0.3),
            (1000, 0.01),
            (1000, 0.3),
            (3000, 0.93),
            (100_000, 0.001),
            (12, 0.8),
        ],
    )
    def test_matches_the_exact_pmf(self, n: int, p: float, binomial_draws: Any) -> None:
        """Inversion and BTRD reproduce the binomial pmf (chi-square, 200,000 draws)."""
        draws = binomial_draws(np.random.default_rng(n).bit_generator, 200_000, n, p)
        lo, hi = int(stats.binom.ppf(1e-5, n, p)), int(stats.binom.ppf(1 - 1e-5, n, p))
        ks = np.arange(lo, hi + 1)
        observed = np.array([(draws == k).sum() for k in ks])
        expected = stats.binom.pmf(ks, n, p) * draws.size
        keep = expected > 10
        chi2 = float(((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum())
        assert stats.chi2.sf(chi2, int(keep.sum()) - 1) > 1e-3
        assert draws.min() >= 0
        assert draws.max() <= n

    def test_python_twin_equals_compiled(self) -> None:
        """The uncompiled sampler gives the same numbers as the compiled one."""
        a = np.random.default_rng(5).bit_generator
        b = np.random.default_rng(5).bit_generator
        for n, p in [(30, 0.4), (5000, 0.2), (7, 0.99), (400, 0.6)]:
            assert [_binomial(a, n, p) for _ in range(50)] == [
                _binomial.py_func(b, n, p) for _ in range(50)
            ]


@pytest.fixture(scope="module")
def multinomial_draws() -> Any:
    from numba import njit

    @njit(cache=False)
    def many(
        rng: Any, size: int, n: int, weights: Any
    ) -> Any:  # pragma: no cover - compiled
        k = weights.shape[0]
        out = np.empty((size, k), dtype=np.int64)
        tails = np.empty(k)
        row = np.empty(k, dtype=np.int64)
        for i in range(size):
            _multinomial(rng, n, weights, tails, row)
            out[i] = row
        return out

    return many


class TestMultinomial:
    @pytest.mark.parametrize("n", [1, 2, 7, _PER_PERSON, _PER_PERSON + 1, 400])
    def test_class_totals_match_expectation(
        self, n: int, multinomial_draws: Any
    ) -> None:
        """Class counts add up to n and average n p_k: per person (up to
        ``_PER_PERSON`` people) and by conditional binomials (above)."""
        weights = np.array([3e-3, 0.5, 2.0, 1e-20, 0.0, 1.0])
        draws = multinomial_draws(
            np.random.default_rng(n).bit_generator, 100_000, n, weights
        )
        assert (draws.sum(axis=1) == n).all()
        assert (draws[:, 4] == 0).all()
        p = weights / weights.sum()
        mean = draws.mean(axis=0)
        sd = np.sqrt(n * p * (1 - p) / draws.shape[0])
        assert np.all(np.abs(mean - n * p) <= 5 * sd + 1e-12)

    def test_underflowing_weights_still_place_everyone(self, load_dataset: Any) -> None:
        """When every class weight of a pattern underflows, the log-space path takes over."""
        data = load_dataset("kosovo")
        patterns = np.ascontiguousarray(data.patterns, dtype=np.int64)
        freqs = np.ascontiguousarray(data.counts, dtype=np.int64)
        results = []
        for kernel in (sweeps_numba, sweeps_numpy):
            rng = np.random.default_rng(4)
            state = _initial_state(rng, patterns, freqs, 10, 0.5)
            state.log_nu[:] = -1500.0  # exp underflows to 0 for every class
            state.log_nu[0] = -750.0  # ... yet class 0 is e^750 times likelier
            out_n = np.zeros(1, dtype=np.int64)
            kernel(
                rng, patterns, freqs, state.log_nu, state.lam1, state.lam0,
                state.count_mk, state.count0_k, state.scalars, state.n0_box,
                0.25, 0.25, 20 * int(freqs.sum()), False, 1, 1, out_n, np.zeros(1), 0,
            )  # fmt: skip
            np.testing.assert_array_equal(state.count_mk[:, 0], freqs)
            results.append(state.count_mk.copy())
        np.testing.assert_array_equal(results[0], results[1])


@pytest.fixture(scope="module")
def beta_draws() -> Any:
    from numba import njit

    @njit(cache=False)
    def many(
        rng: Any, size: int, a: float, b: float, logs: bool
    ) -> Any:  # pragma: no cover - compiled
        out = np.empty((size, 2))
        for i in range(size):
            if logs:
                out[i, 0], out[i, 1] = _log_beta_pair(rng, a, b)
            else:
                out[i, 0], out[i, 1] = _beta_pair(rng, a, b)
        return out

    return many


class TestBeta:
    @pytest.mark.parametrize(
        ("a", "b"), [(1.0, 1.0), (1.0, 7.0), (5.0, 1.0), (3.0, 40.0), (900.0, 2.0)]
    )
    def test_pair_follows_the_beta(self, a: float, b: float, beta_draws: Any) -> None:
        """(X, 1 - X): X ~ Beta(a, b) by each of the paths (uniform, inverse CDF,
        two gammas), and the pair adds up to 1."""
        draws = beta_draws(
            np.random.default_rng(int(a * 10 + b)).bit_generator, 50_000, a, b, False
        )
        assert stats.kstest(draws[:, 0], stats.beta(a, b).cdf).pvalue > 1e-3
        assert (draws > 0.0).all()
        np.testing.assert_allclose(draws.sum(axis=1), 1.0, rtol=1e-12)

    @pytest.mark.parametrize(
        ("a", "b"), [(1.0, 0.3), (1.0, 50.0), (4.0, 0.2), (6.0, 30.0)]
    )
    def test_log_pair_follows_the_beta(
        self, a: float, b: float, beta_draws: Any
    ) -> None:
        """(log V, log(1 - V)): V ~ Beta(a, b) for the sticks, shapes below 1
        included, and the two logs describe one V."""
        draws = beta_draws(
            np.random.default_rng(int(a * 10 + b)).bit_generator, 50_000, a, b, True
        )
        v = np.exp(draws[:, 0])
        assert stats.kstest(v, stats.beta(a, b).cdf).pvalue > 1e-3
        np.testing.assert_allclose(v + np.exp(draws[:, 1]), 1.0, rtol=1e-12)

    def test_empty_class_with_a_tiny_concentration_stays_finite(self) -> None:
        """Beta(1, 1e-5): 1 - V underflows to 0 in linear space; its log does not."""
        rng = np.random.default_rng(3).bit_generator
        logs = np.array([_log_beta_pair(rng, 1.0, 1e-5) for _ in range(200)])
        assert np.isfinite(logs).all()
        assert (logs[:, 0] <= 0.0).all()
        # log(1 - V) = log(U) / 1e-5: median log(1/2) / 1e-5, about -69,000
        assert np.median(logs[:, 1]) == pytest.approx(math.log(0.5) / 1e-5, rel=0.35)

    def test_python_twin_equals_compiled(self) -> None:
        """The uncompiled Beta draws give the same numbers as the compiled ones."""
        for draw in (_beta_pair, _log_beta_pair):
            a = np.random.default_rng(8).bit_generator
            b = np.random.default_rng(8).bit_generator
            for shapes in [
                (1.0, 1.0),
                (1.0, 12.0),
                (30.0, 1.0),
                (4.0, 9.0),
                (2.0, 0.4),
            ]:
                assert [draw(a, *shapes) for _ in range(20)] == [
                    draw.py_func(b, *shapes) for _ in range(20)
                ]


class TestCappedNegativeBinomial:
    def test_respects_the_cap_and_twins_agree(self) -> None:
        """When the cap bites, draws stay below it and both versions agree."""
        a = np.random.default_rng(11).bit_generator
        b = np.random.default_rng(11)
        size, p_unseen, cap = 50.0, 0.9, 300  # mean 450 > cap: rejection fails often
        xs = [
            _truncated_negbin(a, size, p_unseen, 1.0 - p_unseen, cap)
            for _ in range(300)
        ]
        ys = [
            _truncated_negbin_np(b, size, p_unseen, 1.0 - p_unseen, cap)
            for _ in range(300)
        ]
        assert xs == ys
        assert max(xs) <= cap

    def test_truncated_distribution(self) -> None:
        """The fallback draws follow the negative binomial restricted to 0..cap."""
        rng = np.random.default_rng(2).bit_generator
        size, p_unseen, cap = 40.0, 0.95, 400  # mean 760: mostly the exact fallback
        draws = np.array(
            [
                _truncated_negbin(rng, size, p_unseen, 1 - p_unseen, cap)
                for _ in range(4000)
            ]
        )
        support = np.arange(cap + 1)
        pmf = stats.nbinom.pmf(support, size, 1 - p_unseen)
        pmf /= pmf.sum()
        mean = float((support * pmf).sum())
        sd = math.sqrt(float(((support - mean) ** 2 * pmf).sum()))
        assert draws.mean() == pytest.approx(mean, abs=4 * sd / math.sqrt(draws.size))


class TestInlinePCG64:
    """The kernel steps numpy's PCG64 itself: it must be numpy's stream, draw for draw."""

    def test_draws_match_numpy(self) -> None:
        """Uniforms, 64-bit words, gammas, normals and Poissons from the inlined
        generator equal numpy's own, and numpy resumes where the kernel stopped."""
        from numba import njit
        from numba.np.random import distributions, generator_core

        from gawah.estimate._lcmcr_pcg import load_state, pcg_pointer, store_state

        @njit  # type: ignore[untyped-decorator]
        def draw(words: Any, size: int) -> Any:
            state = pcg_pointer(words)
            out = np.empty((size, 5))
            for i in range(size):
                out[i, 0] = generator_core.next_double(state)
                out[i, 1] = float(generator_core.next_uint64(state) >> 11)
                out[i, 2] = distributions.random_standard_gamma(state, 0.5 + i % 7)
                out[i, 3] = distributions.random_standard_normal(state)
                out[i, 4] = distributions.random_poisson(state, 3.0 + 400.0 * (i % 3))
            return out

        for seed in (0, 1, 2026):
            generator = np.random.default_rng(seed)
            generator.random(3)  # start from a state that is not the seed's
            words = load_state(generator.bit_generator)
            assert words is not None
            got = draw(words, 3_000)
            reference = np.random.default_rng(seed)
            reference.random(3)
            want = np.empty_like(got)
            for i in range(got.shape[0]):
                want[i] = (
                    reference.random(),
                    float(int(reference.bit_generator.random_raw()) >> 11),
                    reference.standard_gamma(0.5 + i % 7),
                    reference.standard_normal(),
                    reference.poisson(3.0 + 400.0 * (i % 3)),
                )
            np.testing.assert_array_equal(got, want)
            store_state(generator.bit_generator, words)
            assert generator.random() == reference.random()

    @pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.SFC64])
    def test_generator_ends_where_the_twin_leaves_it(
        self, bit_generator: Any, load_dataset: Any
    ) -> None:
        """PCG64 (inlined) and another bit generator (numba's calls) both walk the
        twin's chain and leave the Generator in the twin's state."""
        data = load_dataset("kosovo")
        patterns = np.ascontiguousarray(data.patterns, dtype=np.int64)
        freqs = np.ascontiguousarray(data.counts, dtype=np.int64)
        outs = []
        for kernel in (sweeps_numba, sweeps_numpy):
            rng = np.random.Generator(bit_generator(9))
            state = _initial_state(rng, patterns, freqs, 10, 0.5)
            out_n = np.zeros(40, dtype=np.int64)
            kernel(
                rng, patterns, freqs, state.log_nu, state.lam1, state.lam0,
                state.count_mk, state.count0_k, state.scalars, state.n0_box,
                0.25, 0.25, 20 * int(freqs.sum()), True, 40, 1, out_n, np.zeros(40), 0,
            )  # fmt: skip
            outs.append((out_n, rng.random()))
        np.testing.assert_array_equal(outs[0][0], outs[1][0])
        assert outs[0][1] == outs[1][1]
