"""Bayesian latent class multiple systems estimation (Manrique-Vallier 2016).

Capture heterogeneity (some victims are far likelier to be documented than
others) is what breaks simple capture-recapture. The non-parametric latent
class model (NPLCM) lets people fall into up to ``K`` classes, each with its own
capture probability per list; lists are independent *within* a class, which
induces dependence between lists overall. The number of classes actually used
is learnt through a truncated Dirichlet-process (stick-breaking) prior.

Reference: D. Manrique-Vallier (2016), "Bayesian population size estimation
using Dirichlet process mixtures", Biometrics 72:1246-1254; implemented in R as
LCMCR. Defaults follow the R package calls in
``shared/datasets/mse/REFERENCE.md`` (K=10, a=b=0.25, 10,000 burn-in sweeps,
10,000 draws kept every 10th sweep), and n0 is capped at 20 x n_observed as
LCMCR does, which truncates N at 21 x n_observed. We run several chains so that
disagreement between them is visible (split R-hat) instead of silent.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.progress import Progress

from gawah.errors import UserInputError
from gawah.estimate._kernels import sweeps_numba, sweeps_numpy
from gawah.estimate.captures import CaptureHistories
from gawah.estimate.result import MSEResult, check_level

__all__ = ["LCMCR", "effective_sample_size", "split_rhat"]

_METHOD = "lcmcr"
# Sweeps per kernel call: small enough for a lively progress bar, large enough
# that Python overhead is invisible.
_CHUNK = 5000
_WARMUP = 500
# alpha during warm-up, divided by K: a small value starts every chain from a
# concentrated mixture (few classes), the simplest explanation, so that chains
# begin in the same region instead of in whichever split the sticks fell into
# (as LCMCR does; on the HIV lists a chain started diffuse can stay in a
# two-class mode for 100,000 sweeps).
_WARMUP_ALPHA = 0.3


@dataclass
class _ChainState:
    """Mutable state of one chain, laid out as the kernels expect."""

    log_nu: np.ndarray
    lam1: np.ndarray
    lam0: np.ndarray
    count_mk: np.ndarray
    count0_k: np.ndarray
    scalars: np.ndarray
    n0_box: np.ndarray

    def permute_classes(self) -> None:
        """Relabel classes by decreasing weight, so the stick order follows size."""
        order = np.argsort(-self.log_nu, kind="stable")
        self.log_nu[:] = self.log_nu[order]
        self.lam1[:] = self.lam1[:, order]
        self.lam0[:] = self.lam0[:, order]
        self.count_mk[:] = self.count_mk[:, order]
        self.count0_k[:] = self.count0_k[order]


def _initial_state(
    rng: np.random.Generator,
    patterns: np.ndarray,
    freqs: np.ndarray,
    k_max: int,
    alpha: float,
) -> _ChainState:
    """Sticks from Beta(1, 1); every class starts at the lists' observed rates."""
    v = rng.beta(1.0, 1.0, size=k_max - 1)
    log_nu = np.empty(k_max)
    rest = np.concatenate([[0.0], np.cumsum(np.log1p(-v))])
    log_nu[:-1] = np.log(v) + rest[:-1]
    log_nu[-1] = rest[-1]
    rate = (patterns.T.astype(float) @ freqs) / freqs.sum()
    rate = np.clip(rate, 1e-6, 1.0 - 1e-6)
    return _ChainState(
        log_nu=log_nu,
        lam1=np.repeat(rate[:, None], k_max, axis=1),
        lam0=np.repeat(1.0 - rate[:, None], k_max, axis=1),
        count_mk=np.zeros((patterns.shape[0], k_max), dtype=np.int64),
        count0_k=np.zeros(k_max, dtype=np.int64),
        scalars=np.array([alpha]),
        n0_box=np.zeros(1, dtype=np.int64),
    )


class LCMCR:
    """Non-parametric latent class capture-recapture (NPLCM), several Gibbs chains.

    Args:
        K: truncation level of the stick-breaking prior (maximum classes).
        a_alpha: shape of the Gamma prior on the concentration alpha.
        b_alpha: rate of the Gamma prior on alpha.
        burnin: sweeps discarded per chain (after a 500-sweep warm-up with
            alpha fixed at 0.3 / K, and a relabelling by class size).
        samples: draws of N kept per chain.
        thinning: sweeps between kept draws.
        chains: independent chains; R-hat needs at least 2.
        seed: seeds every chain (``numpy.random.SeedSequence(seed).spawn``).
        level: probability of the central credible interval.
        max_rhat: above this split R-hat the chains disagree and ``fit``
            refuses, because the number would depend on the seed.
        min_ess: below this effective sample size (all chains together) the
            2.5% and 97.5% quantiles rest on a handful of independent draws
            and ``fit`` refuses; below 4 x ``min_ess`` it warns.
        n_jobs: chains run in parallel threads (the kernel releases the GIL);
            ``None`` uses one thread per CPU core, up to ``chains``. Draws do
            not depend on it.
        progress: show a Rich progress bar.
        kernel: ``"numba"`` (fast) or ``"numpy"`` (the slow reference twin).
    """

    def __init__(
        self,
        K: int = 10,  # noqa: N803 - K is the paper's and LCMCR's name
        a_alpha: float = 0.25,
        b_alpha: float = 0.25,
        burnin: int = 10_000,
        samples: int = 10_000,
        thinning: int = 10,
        chains: int = 4,
        seed: int = 12345,
        level: float = 0.95,
        max_rhat: float = 1.1,
        min_ess: float = 100.0,
        n_jobs: int | None = None,
        progress: bool = False,
        kernel: str = "numba",
    ) -> None:
        self.K = K
        self.a_alpha = a_alpha
        self.b_alpha = b_alpha
        self.burnin = burnin
        self.samples = samples
        self.thinning = thinning
        self.chains = chains
        self.seed = seed
        self.level = level
        self.max_rhat = max_rhat
        self.min_ess = min_ess
        self.n_jobs = n_jobs
        self.progress = progress
        self.kernel = kernel

    def _check(self) -> None:
        if int(self.K) < 2:
            raise UserInputError("LCMCR needs K >= 2 latent classes")
        if self.a_alpha <= 0 or self.b_alpha <= 0:
            raise UserInputError("the Gamma prior on alpha needs a_alpha, b_alpha > 0")
        if self.burnin < 0 or self.samples < 1 or self.thinning < 1:
            raise UserInputError("burnin >= 0, samples >= 1 and thinning >= 1 needed")
        if self.chains < 1 or (self.n_jobs is not None and self.n_jobs < 1):
            raise UserInputError("chains and n_jobs must be at least 1")
        check_level(self.level)
        if self.kernel not in ("numba", "numpy"):
            raise UserInputError("kernel must be 'numba' or 'numpy'")

    def fit(self, captures: CaptureHistories) -> MSEResult:
        """Sample the posterior of N and summarise it (median, central interval)."""
        self._check()
        settings = {
            "K": int(self.K),
            "a_alpha": float(self.a_alpha),
            "b_alpha": float(self.b_alpha),
            "burnin": int(self.burnin),
            "samples": int(self.samples),
            "thinning": int(self.thinning),
            "chains": int(self.chains),
            "warmup": _WARMUP,
            "n0_cap": f"20 x n_observed ({20 * captures.n_observed})",
            "kernel": self.kernel,
        }
        model = f"NPLCM (K={int(self.K)})"
        if captures.n_lists < 3:
            return MSEResult.refusal(
                captures,
                method=_METHOD,
                model=model,
                level=self.level,
                seed=self.seed,
                reason=(
                    f"only {captures.n_lists} lists: a latent class model needs at "
                    "least 3 lists to tell capture heterogeneity from the unseen"
                ),
                diagnostics={"settings": settings},
            )
        # List order must not change the answer: sample on a canonical order.
        canonical = captures.reorder(sorted(captures.lists))
        patterns = np.ascontiguousarray(canonical.patterns, dtype=np.int64)
        freqs = np.ascontiguousarray(canonical.counts, dtype=np.int64)
        started = time.perf_counter()
        draws, alphas = self._sample(patterns, freqs)
        seconds = time.perf_counter() - started
        return self._summarise(captures, draws, alphas, seconds, settings, model)

    # ------------------------------------------------------------------ sampling
    def _sample(
        self, patterns: np.ndarray, freqs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        chains = int(self.chains)
        seeds = np.random.SeedSequence(int(self.seed)).spawn(chains)
        draws = np.zeros((chains, int(self.samples)), dtype=np.int64)
        alphas = np.zeros((chains, int(self.samples)))
        per_chain = _WARMUP + int(self.burnin) + int(self.samples) * int(self.thinning)
        with Progress(disable=not self.progress, transient=True) as bar:
            task = bar.add_task("LCMCR sampling", total=chains * per_chain)

            def run(c: int) -> None:
                self._run_chain(
                    np.random.default_rng(seeds[c]),
                    patterns,
                    freqs,
                    draws[c],
                    alphas[c],
                    lambda n: bar.advance(task, n),
                )

            jobs = self.n_jobs if self.n_jobs is not None else os.cpu_count() or 1
            jobs = min(int(jobs), chains)
            if jobs > 1:
                with ThreadPoolExecutor(max_workers=jobs) as pool:
                    list(pool.map(run, range(chains)))
            else:
                for c in range(chains):
                    run(c)
        return draws, alphas

    def _run_chain(
        self,
        rng: np.random.Generator,
        patterns: np.ndarray,
        freqs: np.ndarray,
        out_n: np.ndarray,
        out_alpha: np.ndarray,
        advance: Callable[[int], None],
    ) -> None:
        kernel = sweeps_numba if self.kernel == "numba" else sweeps_numpy
        k_max = int(self.K)
        state = _initial_state(rng, patterns, freqs, k_max, _WARMUP_ALPHA / k_max)
        cap = 20 * int(freqs.sum())
        a, b = float(self.a_alpha), float(self.b_alpha)
        nothing_n = np.zeros(1, dtype=np.int64)
        nothing_a = np.zeros(1)

        def sweep(
            n: int, thin: int, update_alpha: bool, on: Any, oa: Any, at: int
        ) -> None:
            kernel(
                rng, patterns, freqs, state.log_nu, state.lam1, state.lam0,
                state.count_mk, state.count0_k, state.scalars, state.n0_box,
                a, b, cap, update_alpha, n, thin, on, oa, at,
            )  # fmt: skip
            advance(n)

        # 1 - warm-up with alpha fixed, then relabel classes by size
        sweep(_WARMUP, _WARMUP + 1, False, nothing_n, nothing_a, 0)
        state.permute_classes()
        # 2 - burn-in
        done = 0
        while done < self.burnin:
            n = min(_CHUNK, int(self.burnin) - done)
            sweep(n, n + 1, True, nothing_n, nothing_a, 0)
            done += n
        # 3 - kept draws, every `thinning` sweeps
        thin = int(self.thinning)
        per_chunk = max(1, _CHUNK // thin)
        kept = 0
        while kept < self.samples:
            n_keep = min(per_chunk, int(self.samples) - kept)
            sweep(n_keep * thin, thin, True, out_n, out_alpha, kept)
            kept += n_keep

    # ------------------------------------------------------------------ summary
    def _summarise(
        self,
        captures: CaptureHistories,
        draws: np.ndarray,
        alphas: np.ndarray,
        seconds: float,
        settings: dict[str, Any],
        model: str,
    ) -> MSEResult:
        n_obs = captures.n_observed
        pooled = draws.reshape(-1).astype(float)
        tail = (1.0 - self.level) / 2.0
        lower, median, upper = np.quantile(pooled, [tail, 0.5, 1.0 - tail])
        rhat = split_rhat(draws) if draws.shape[0] > 1 else float("nan")
        ess = effective_sample_size(draws)
        cap_n = 21 * n_obs
        at_cap = float(np.mean(pooled >= 0.99 * cap_n))
        sweeps = draws.shape[0] * (
            _WARMUP + int(self.burnin) + int(self.samples) * int(self.thinning)
        )
        warnings: list[str] = []
        if np.isfinite(ess) and ess < 4 * self.min_ess:
            warnings.append(
                f"only {ess:,.0f} effective draws: the interval ends carry Monte "
                "Carlo error; longer chains would firm them up"
            )
        if at_cap > 0.01:
            warnings.append(
                f"{at_cap:.1%} of draws sit at the cap N = 21 x n_observed: the data "
                "barely constrain the unseen and the upper end is set by the cap"
            )
        diagnostics: dict[str, Any] = {
            "settings": settings,
            "rhat": rhat,
            "ess": ess,
            "mean": float(pooled.mean()),
            "sd": float(pooled.std(ddof=1)) if pooled.size > 1 else 0.0,
            "chain_medians": [float(np.median(c)) for c in draws],
            "alpha_median": float(np.median(alphas)),
            "fraction_at_cap": at_cap,
            "seconds": seconds,
            "sweeps": int(sweeps),
            "iterations_per_second": sweeps / seconds if seconds > 0 else None,
            "warnings": warnings,
        }
        estimate: float | None = float(median)
        low: float | None = float(lower)
        high: float | None = float(upper)
        if np.isfinite(rhat) and rhat > self.max_rhat:
            estimate = low = high = None
            diagnostics["reason"] = (
                f"the sampler's chains disagree (split R-hat {rhat:.2f} > "
                f"{self.max_rhat}; chain medians "
                + ", ".join(f"{m:,.0f}" for m in diagnostics["chain_medians"])
                + "): the number would depend on the random seed. Run longer "
                "chains or use another method"
            )
        elif np.isfinite(ess) and ess < self.min_ess:
            estimate = low = high = None
            diagnostics["reason"] = (
                f"the chains mix too slowly: only {ess:,.0f} effective draws of N "
                f"(fewer than {self.min_ess:,.0f}), so the interval would rest on "
                "a handful of independent values. Run longer chains or use "
                "another method"
            )
        return MSEResult(
            estimate=estimate,
            lower=low,
            upper=high,
            level=self.level,
            method=_METHOD,
            model=model,
            n_observed=n_obs,
            lists=captures.lists,
            seed=self.seed,
            input_digest=captures.digest(),
            diagnostics=diagnostics,
            draws=pooled,
        )


# ---------------------------------------------------------------- diagnostics
def split_rhat(draws: np.ndarray) -> float:
    """Split-chain potential scale reduction (Gelman et al., BDA3 section 11.4).

    Each chain is cut in half so that a drifting chain also shows up. Returns
    1.0 for constant draws (nothing to disagree about).
    """
    chains = np.asarray(draws, dtype=float)
    half = chains.shape[1] // 2
    if half < 2:
        return float("nan")
    parts = np.concatenate([chains[:, :half], chains[:, -half:]], axis=0)
    within = float(parts.var(axis=1, ddof=1).mean())
    between = float(parts.mean(axis=1).var(ddof=1)) * half
    if within == 0.0:
        return 1.0 if between == 0.0 else float("inf")
    var_plus = (half - 1) / half * within + between / half
    return float(np.sqrt(var_plus / within))


def effective_sample_size(draws: np.ndarray) -> float:
    """Multi-chain effective sample size with Geyer's initial monotone sequence.

    Autocorrelations are combined across chains as in Stan (Vehtari et al.
    2021, without rank normalisation), so chains that disagree lower the ESS.
    """
    chains = np.atleast_2d(np.asarray(draws, dtype=float))
    m, n = chains.shape
    if n < 4:
        return float("nan")
    centred = chains - chains.mean(axis=1, keepdims=True)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(centred, size, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=1)[:, :n] / n
    within = float(np.mean(acov[:, 0] * n / (n - 1)))
    between = float(chains.mean(axis=1).var(ddof=1)) if m > 1 else 0.0
    var_plus = within * (n - 1) / n + between
    if var_plus <= 0.0:
        return float(m * n)
    rho = 1.0 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    total, previous, t = 0.0, np.inf, 0
    while t + 1 < n:
        pair = rho[t] + rho[t + 1]
        if pair < 0.0:
            break
        pair = min(pair, previous)
        previous = pair
        total += pair
        t += 2
    tau = max(-1.0 + 2.0 * total, 1.0 / np.log10(m * n))
    return float(m * n / tau)
